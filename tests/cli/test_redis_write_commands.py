"""agency-sessions writing to a real Redis server: migrate and move a local session to
it, move one of its sessions into a file, clean up its old sessions after the preview
and a local backup; the read-only ACL user told which command it may not run; never a
password in what it prints."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agency_desktop.stores.sqlite_file import SQLiteFileStore
from tests.helpers.cli import no_password, run
from tests.helpers.server_stores import read_redis, write_redis
from tests.helpers.servers import RedisDatabase
from tests.helpers.stores import sdk_items, write_plain

OLD_DAYS = 40


@pytest.fixture
def local(tmp_path: Path) -> Path:
    return write_plain(tmp_path / "local.db", "local", ("Paris", "Oslo"))


@pytest.fixture
def server(redis_database: RedisDatabase) -> RedisDatabase:
    """ "old" last written OLD_DAYS ago (its hash's updated_at, as RedisSession keeps it)
    and "recent" now."""
    for session_id in ("old", "recent"):
        write_redis(redis_database.url(), session_id, ("Lima",))
    with redis_database.client() as admin:
        then = int(time.time()) - OLD_DAYS * 86_400
        admin.hset("agents:session:old", mapping={"created_at": then, "updated_at": then})
    return redis_database


def _ids(database: RedisDatabase) -> set[str]:
    with database.client() as admin:
        return {key.decode().split(":")[2] for key in admin.scan_iter(match="agents:session:*")}


def test_migrate_then_move_a_local_session_to_redis(
    capsys: pytest.CaptureFixture[str], local: Path, server: RedisDatabase, app_data: Path
) -> None:
    url, items = server.url(), sdk_items(local, "local")
    code, out, err = run(capsys, "migrate", local, url, "--session", "local")
    assert code == 0, err
    assert "verified" in out and read_redis(url, "local") == items
    code, out, err = run(capsys, "migrate", local, url, "--session", "local")
    assert code == 2 and "already exists" in err
    code, out, err = run(capsys, "move", local, url, "--session", "local", "--new-id", "moved")
    assert code == 0, err
    assert read_redis(url, "moved") == items
    assert [s.session_id for s in SQLiteFileStore(local).sessions()] == []
    no_password(server, out, err)


def test_move_a_redis_session_into_a_file(
    capsys: pytest.CaptureFixture[str], server: RedisDatabase, tmp_path: Path, app_data: Path
) -> None:
    items = read_redis(server.url(), "recent")
    target = tmp_path / "moved.db"
    code, out, err = run(capsys, "move", server.url(), target, "--session", "recent")
    assert code == 0, err
    assert sdk_items(target, "recent") == items
    assert _ids(server) == {"old"}
    [backup] = app_data.rglob("*.db")
    assert sdk_items(backup, "recent") == items
    no_password(server, out, err)


def test_the_read_only_user_cannot_write_and_is_told_why(
    capsys: pytest.CaptureFixture[str], local: Path, server: RedisDatabase
) -> None:
    url = server.url(reader=True)
    code, out, err = run(capsys, "migrate", local, url, "--session", "local")
    assert code != 0 and "no permissions to run the 'rpush' command" in err
    assert _ids(server) == {"old", "recent"}
    no_password(server, out, err)


def test_cleanup_previews_backs_up_then_deletes_the_old_sessions(
    capsys: pytest.CaptureFixture[str], server: RedisDatabase, app_data: Path
) -> None:
    items = read_redis(server.url(), "old")
    args = ("cleanup", server.url(), "--older-than", OLD_DAYS - 10)
    code, out, err = run(capsys, *args, "--dry-run")
    assert code == 0, err
    assert "old" in out and "recent" not in out and _ids(server) == {"old", "recent"}
    code, out, err = run(capsys, *args, "--yes")
    assert code == 0, err
    assert _ids(server) == {"recent"}
    [backup] = app_data.rglob("*.db")
    assert sdk_items(backup, "old") == items
    no_password(server, out, err)
