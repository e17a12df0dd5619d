"""agency-sessions over a PostgreSQL URL: list, stats, show and export, through the
read-only role, and never a password in what it prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agency_desktop.ops.export_parts import INLINE_BELOW
from tests.helpers.cli import no_password, run
from tests.helpers.server_stores import (
    ITEMS_PER_TURN,
    add_sqlalchemy_items,
    read_sqlalchemy,
    write_sqlalchemy,
)
from tests.helpers.servers import HOST, PgDatabase, PostgresServer, free_port

CUSTOM = {"sessions_table": "team_sessions", "messages_table": "team_items"}
LONG = INLINE_BELOW + 1000  # items: an export long enough for the worker processes


@pytest.fixture(scope="module")
def written(postgres_server: PostgresServer) -> Iterator[PgDatabase]:
    database = postgres_server.create_database()
    url = database.url(driver="asyncpg")
    write_sqlalchemy(url, "alpha", ("Paris", "Oslo"))
    write_sqlalchemy(url, "gamma", ("Rome",), **CUSTOM)
    add_sqlalchemy_items(
        url, "long", [{"role": "user", "content": f"note {n}"} for n in range(LONG)]
    )
    database.grant_select("agent_sessions", "agent_messages", *CUSTOM.values())
    yield database
    database.drop()


@pytest.fixture
def url(written: PgDatabase) -> str:
    """The reader's URL in the SDK's form, as users paste it."""
    return written.url(driver="asyncpg", reader=True)


def test_list_a_server_store(capsys, written: PgDatabase, url: str) -> None:
    code, out, err = run(capsys, "list", url)
    assert code == 0, err
    assert "alpha" in out and "gamma" in out and "team_items" in out and "postgresql" in out
    assert "reader:***@" in out
    code, json_out, err = run(capsys, "list", url, "--json")
    assert code == 0, err
    data = json.loads(json_out)
    found = {s["session_id"]: s for s in data["sessions"]}
    assert found["alpha"]["message_count"] == 2 * ITEMS_PER_TURN
    assert found["alpha"]["title"] == "Weather in Paris?"
    assert found["alpha"]["location"] == data["directory"] and "***" in data["directory"]
    no_password(written, out, err, json_out)


def test_stats_of_a_server_session(capsys, written: PgDatabase, url: str) -> None:
    code, out, err = run(capsys, "stats", url, "--session", "alpha", "--json")
    assert code == 0, err
    stats = json.loads(out)
    assert stats["message_count"] == 2 * ITEMS_PER_TURN
    assert stats["tool_calls"] == {"get_weather": 2} and stats["user_turns"] == 2
    code, text, err = run(capsys, "stats", url)
    assert code == 0 and "3 sessions" in text and "tool get_weather" in text
    no_password(written, out, text, err)


def test_show_a_server_session(capsys, written: PgDatabase, url: str) -> None:
    code, out, err = run(capsys, "show", url, "--session", "alpha")
    assert code == 0, err
    assert "Weather in Oslo?" in out and "Tool call: get_weather" in out
    code, json_out, _ = run(capsys, "show", url, "--session", "alpha", "--json")
    assert json.loads(json_out) == read_sqlalchemy(written.url(driver="asyncpg"), "alpha")
    no_password(written, out, err, json_out)


@pytest.mark.parametrize("fmt", ["markdown", "jsonl", "json", "html"])
def test_export_a_server_session(
    capsys, tmp_path: Path, written: PgDatabase, url: str, fmt: str
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
        assert items == read_sqlalchemy(written.url(), "alpha")
    no_password(written, out, err, written_text)


def test_export_to_standard_output(capsys, written: PgDatabase, url: str) -> None:
    code, out, err = run(capsys, "export", url, "--session", "gamma", "--format", "markdown")
    assert code == 0, err
    assert "Weather in Rome?" in out and "reader:***@" in out
    no_password(written, out, err)


def test_a_long_session_is_exported_in_parts_in_the_sdks_order(
    capsys, tmp_path: Path, written: PgDatabase, url: str
) -> None:
    """Long enough for worker processes to export runs of it: each reopens the store by
    its URL and reads its run by key."""
    target = tmp_path / "long.jsonl"
    code, _, err = run(capsys, "export", url, "--session", "long", "-o", target)
    assert code == 0, err
    items = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert items == read_sqlalchemy(written.url(driver="asyncpg"), "long")
    assert len(items) == LONG


def test_an_unreachable_server_is_an_error_naming_it(capsys) -> None:
    port = free_port()
    code, out, err = run(capsys, "list", f"postgresql://bob:hunter2@{HOST}:{port}/db")
    assert code == 2
    assert f"{HOST}:{port}" in err and "cannot be reached" in err
    assert "hunter2" not in err + out


def test_a_missing_session_is_bad_input(capsys, written: PgDatabase, url: str) -> None:
    code, out, err = run(capsys, "show", url, "--session", "nobody")
    assert code == 2 and "'nobody'" in err
    no_password(written, out, err)


@pytest.mark.parametrize(
    "command",
    [["check", "{url}"], ["vacuum", "{url}"], ["repair", "{url}"]],
    ids=["check", "vacuum", "repair"],
)
def test_commands_for_files_only_refuse_a_url_without_showing_its_password(
    capsys, tmp_path: Path, written: PgDatabase, url: str, command: list[str]
) -> None:
    args = [part.format(url=url, tmp=tmp_path / "copy.db") for part in command]
    code, out, err = run(capsys, *args)
    assert code != 0 and err
    no_password(written, out, err)
