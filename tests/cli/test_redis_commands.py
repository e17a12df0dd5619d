"""agency-sessions over a Redis URL: list, stats, show and export, through the ACL user
limited to read commands, and never a password in what it prints."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agency_desktop.ops.export_parts import INLINE_BELOW
from tests.helpers.cli import no_password, run
from tests.helpers.server_stores import ITEMS_PER_TURN, read_redis, write_redis
from tests.helpers.servers import HOST, RedisDatabase, RedisServer, free_port
from tests.stores.test_redis import add_redis_items

PREFIX = "team:chat"
LONG = INLINE_BELOW + 1000  # items: an export long enough for the worker processes


@pytest.fixture(scope="module")
def written(redis_server: RedisServer) -> RedisDatabase:
    database = redis_server.new_database()
    url = database.url()
    write_redis(url, "alpha", ("Paris", "Oslo"))
    write_redis(url, "gamma", ("Rome",), key_prefix=PREFIX, ttl=600)
    add_redis_items(url, "long", [{"role": "user", "content": f"note {n}"} for n in range(LONG)])
    return database


@pytest.fixture
def url(written: RedisDatabase) -> str:
    return written.url(reader=True)


def test_list_a_redis_store(capsys, written: RedisDatabase, url: str) -> None:
    code, out, err = run(capsys, "list", url)
    assert code == 0, err
    assert "alpha" in out and "long" in out and "redis" in out and "gamma" not in out
    assert "reader:***@" in out and "2 sessions" in out
    code, json_out, err = run(capsys, "list", url, "--json")
    assert code == 0, err
    data = json.loads(json_out)
    found = {s["session_id"]: s for s in data["sessions"]}
    assert found["alpha"]["message_count"] == 2 * ITEMS_PER_TURN
    assert found["alpha"]["title"] == "Weather in Paris?"
    assert found["alpha"]["kind"] == "redis" and found["alpha"]["expires_at"] is None
    assert found["alpha"]["location"] == data["directory"] and "***" in data["directory"]
    no_password(written, out, err, json_out)


def test_list_a_custom_prefix_with_its_ttl(capsys, written: RedisDatabase, url: str) -> None:
    code, out, err = run(capsys, "list", f"{url}?prefix={PREFIX}", "--json")
    assert code == 0, err
    [gamma] = json.loads(out)["sessions"]
    assert gamma["session_id"] == "gamma" and gamma["expires_at"]
    assert gamma["messages_table"] == f"{PREFIX}:gamma:messages"
    code, text, err = run(capsys, "stats", f"{url}?prefix={PREFIX}", "--session", "gamma")
    assert code == 0 and "expires" in text
    code, text, err = run(capsys, "stats", url, "--session", "alpha")
    assert code == 0 and "expires" not in text  # no TTL
    no_password(written, out, err, text)


def test_stats_of_a_redis_session(capsys, written: RedisDatabase, url: str) -> None:
    code, out, err = run(capsys, "stats", url, "--session", "alpha", "--json")
    assert code == 0, err
    stats = json.loads(out)
    assert stats["message_count"] == 2 * ITEMS_PER_TURN
    assert stats["tool_calls"] == {"get_weather": 2} and stats["user_turns"] == 2
    assert "expires_at" in stats
    code, text, err = run(capsys, "stats", url)
    assert code == 0 and "2 sessions" in text and "tool get_weather" in text
    no_password(written, out, text, err)


def test_show_a_redis_session(capsys, written: RedisDatabase, url: str) -> None:
    code, out, err = run(capsys, "show", url, "--session", "alpha")
    assert code == 0, err
    assert "Weather in Oslo?" in out and "Tool call: get_weather" in out
    code, json_out, _ = run(capsys, "show", url, "--session", "alpha", "--json")
    assert json.loads(json_out) == read_redis(written.url(), "alpha")
    no_password(written, out, err, json_out)


@pytest.mark.parametrize("fmt", ["markdown", "jsonl", "json", "html"])
def test_export_a_redis_session(
    capsys, tmp_path: Path, written: RedisDatabase, url: str, fmt: str
) -> None:
    target = tmp_path / f"alpha.{fmt}"
    code, out, err = run(
        capsys, "export", url, "--session", "alpha", "--format", fmt, "-o", target, "--json"
    )
    assert code == 0, err
    assert json.loads(out)["item_count"] == 2 * ITEMS_PER_TURN
    written_text = target.read_text(encoding="utf-8")
    assert "Weather in Oslo?" in written_text
    if fmt == "jsonl":
        items = [json.loads(line) for line in written_text.splitlines() if line]
        assert items == read_redis(written.url(), "alpha")
    if fmt == "json":
        assert json.loads(written_text) == read_redis(written.url(), "alpha")
    no_password(written, out, err, written_text)


def test_export_to_standard_output(capsys, written: RedisDatabase, url: str) -> None:
    code, out, err = run(
        capsys, "export", f"{url}?prefix={PREFIX}", "--session", "gamma", "--format", "markdown"
    )
    assert code == 0, err
    assert "Weather in Rome?" in out and "reader:***@" in out
    no_password(written, out, err)


def test_a_long_session_is_exported_in_parts_in_order(
    capsys, tmp_path: Path, written: RedisDatabase, url: str
) -> None:
    """Long enough for worker processes to export runs of it: each reopens the store by
    its URL and reads its run by list position."""
    target = tmp_path / "long.jsonl"
    code, _, err = run(capsys, "export", url, "--session", "long", "-o", target)
    assert code == 0, err
    items = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert items == read_redis(written.url(), "long")
    assert len(items) == LONG
    html = tmp_path / "long.html"
    code, _, err = run(capsys, "export", url, "--session", "long", "--format", "html", "-o", html)
    assert code == 0, err
    text = html.read_text(encoding="utf-8")
    assert f"note {LONG - 1}" in text and text.index("note 9<") < text.index("note 10<")


def test_an_unreachable_server_is_an_error_naming_it(capsys) -> None:
    port = free_port()
    code, out, err = run(capsys, "list", f"redis://bob:hunter2@{HOST}:{port}/0")
    assert code == 2
    assert f"{HOST}:{port}" in err and "cannot be reached" in err
    assert "hunter2" not in err + out


def test_a_missing_session_is_bad_input(capsys, written: RedisDatabase, url: str) -> None:
    code, out, err = run(capsys, "show", url, "--session", "nobody")
    assert code == 2 and "'nobody'" in err
    no_password(written, out, err)


def test_backup_a_redis_store_into_a_file_the_sdk_opens(
    capsys, tmp_path: Path, written: RedisDatabase, url: str
) -> None:
    target = tmp_path / "copy.db"
    code, out, err = run(capsys, "backup", url, target, "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["session_count"] == 2 and done["message_count"] == 2 * ITEMS_PER_TURN + LONG
    assert _sdk_file_items(target, "alpha") == read_redis(written.url(), "alpha")
    moved = tmp_path / "gamma.db"
    code, out, err = run(capsys, "migrate", f"{url}?prefix={PREFIX}", moved, "--session", "gamma")
    assert code == 0, err
    assert _sdk_file_items(moved, "gamma") == read_redis(written.url(), "gamma", key_prefix=PREFIX)
    no_password(written, out, err)


def _sdk_file_items(path: Path, session_id: str) -> list[Any]:
    """A session of a local file, as the SDK's own SQLiteSession reads it."""
    from agents import SQLiteSession

    async def items() -> list[Any]:
        session = SQLiteSession(session_id, path)
        try:
            return list(await session.get_items())
        finally:
            session.close()

    return asyncio.run(items())


@pytest.mark.parametrize(
    "command",
    [["check", "{url}"], ["vacuum", "{url}"]],
    ids=["check", "vacuum"],
)
def test_commands_for_files_only_refuse_a_url_without_showing_its_password(
    capsys, tmp_path: Path, written: RedisDatabase, url: str, command: list[str]
) -> None:
    args = [part.format(url=url, tmp=tmp_path / "copy.db") for part in command]
    code, out, err = run(capsys, *args)
    assert code != 0 and err
    no_password(written, out, err)
