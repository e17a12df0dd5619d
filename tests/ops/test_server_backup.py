"""A server store backed up into a local file in the SDK's own layout, and a server session
copied into a store file: read by the SDK's SQLiteSession afterwards, all or nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from agency_desktop import cli
from agency_desktop.ops.migrate import copy_session
from agency_desktop.ops.server_backup import backup_server_store
from agency_desktop.stores.errors import StoreError
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.server_stores import (
    ITEMS_PER_TURN,
    read_redis,
    read_sqlalchemy,
    write_redis,
    write_sqlalchemy,
)
from tests.helpers.servers import HOST, PgDatabase, PostgresServer, RedisServer, free_port
from tests.helpers.stores import sdk_items

SESSIONS = {"alpha": ("Paris", "Oslo"), "beta": ("Lima",)}


@pytest.fixture(scope="module")
def pg(postgres_server: PostgresServer) -> Iterator[PgDatabase]:
    database = postgres_server.create_database()
    for session_id, cities in SESSIONS.items():
        write_sqlalchemy(database.url(driver="asyncpg"), session_id, cities)
    database.grant_select("agent_sessions", "agent_messages")
    yield database
    database.drop()


@pytest.fixture(scope="module")
def redis_url(redis_server: RedisServer) -> str:
    database = redis_server.new_database()
    for session_id, cities in SESSIONS.items():
        write_redis(database.url(), session_id, cities)
    return database.url(reader=True)


def test_a_postgresql_store_backed_up_opens_with_the_sdk(pg: PgDatabase, tmp_path: Path) -> None:
    done = backup_server_store(pg.url(reader=True), tmp_path)  # a folder: a name of its own
    assert done.path.parent == tmp_path and done.path.suffix == ".db"
    assert (done.session_count, done.message_count) == (2, 3 * ITEMS_PER_TURN)
    assert "***" in done.source and pg.server.reader_password not in done.source
    for session_id in SESSIONS:
        expected = read_sqlalchemy(pg.url(driver="asyncpg"), session_id)
        assert sdk_items(done.path, session_id) == expected
    assert [path.name for path in tmp_path.iterdir()] == [done.path.name]


def test_a_redis_store_backed_up_opens_with_the_sdk(redis_url: str, tmp_path: Path) -> None:
    target = tmp_path / "redis.db"
    done = backup_server_store(redis_url, target, session_ids=["beta"])
    assert (done.path, done.session_count, done.message_count) == (target, 1, ITEMS_PER_TURN)
    assert sdk_items(target, "beta") == read_redis(redis_url, "beta")
    assert sdk_items(target, "alpha") == []


def test_an_existing_file_is_only_replaced_when_asked(pg: PgDatabase, tmp_path: Path) -> None:
    target = tmp_path / "kept.db"
    target.write_bytes(b"mine")
    with pytest.raises(FileExistsError, match=r"kept\.db"):
        backup_server_store(pg.url(), target)
    assert target.read_bytes() == b"mine"
    backup_server_store(pg.url(), target, session_ids=["alpha"], overwrite=True)
    assert len(sdk_items(target, "alpha")) == 2 * ITEMS_PER_TURN


def test_a_cancelled_backup_leaves_no_file(pg: PgDatabase, tmp_path: Path) -> None:
    token = CancelToken()

    def cancel_at_the_second(done: int, total: int, message: str) -> None:
        if done == 1:
            token.cancel()

    with pytest.raises(OperationCancelled):
        backup_server_store(
            pg.url(), tmp_path / "b.db", progress=cancel_at_the_second, cancel=token
        )
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_is_down_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(StoreError, match=re.escape(f"{HOST}:{port}")):
        backup_server_store(f"postgresql://someone:secret@{HOST}:{port}/db", tmp_path / "x.db")
    assert list(tmp_path.iterdir()) == []


def test_a_server_session_copied_into_a_store_file(pg: PgDatabase, tmp_path: Path) -> None:
    target = tmp_path / "local.db"
    written = copy_session(pg.url(reader=True), "beta", target, new_session_id="beta-copy")
    assert written.message_count == ITEMS_PER_TURN
    expected = read_sqlalchemy(pg.url(driver="asyncpg"), "beta")
    assert sdk_items(target, "beta-copy") == expected


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_cli_backs_up_and_migrates_from_a_server(
    capsys: pytest.CaptureFixture[str], pg: PgDatabase, tmp_path: Path
) -> None:
    url = pg.url(driver="asyncpg", reader=True)
    code, out, err = run(capsys, "backup", url, tmp_path / "b.db", "--session", "alpha", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["session_count"], data["message_count"]) == (1, 2 * ITEMS_PER_TURN)
    code, text, err = run(capsys, "backup", url, tmp_path / "all.db")
    assert code == 0, err
    assert "2 sessions" in text and "verified" in text
    code, moved, err = run(capsys, "migrate", url, tmp_path / "m.db", "--session", "beta")
    assert code == 0, err
    assert sdk_items(tmp_path / "m.db", "beta") == read_sqlalchemy(pg.url(), "beta")
    for secret in (pg.server.password, pg.server.reader_password):
        assert all(secret not in shown for shown in (out, text, moved, err))
    code, _, err = run(capsys, "backup", tmp_path / "all.db", tmp_path / "c.db", "--session", "x")
    assert code == 2 and "--session" in err
