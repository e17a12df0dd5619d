"""Sessions copied to a real PostgreSQL server and deleted from it: read back by the SDK's
SQLAlchemySession as they were, an existing session refused unless replaced, a role
that may only read told which privilege it lacks with nothing written, tables made only
when asked, and a copy killed mid-way leaving the target session as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agency_desktop.ops.server_tables import sdk_table_ddl
from agency_desktop.stores.base import StoreChangedError
from agency_desktop.stores.errors import ProblemKind, StoreError
from agency_desktop.stores.pg_copy import in_order
from agency_desktop.stores.postgres import PostgresStore
from agency_desktop.stores.registry import open_store
from agency_desktop.stores.session_data import MessageRecord
from agency_desktop.stores.sqlite_file import SQLiteFileStore
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.server_stores import kill_copy, read_sqlalchemy, write_sqlalchemy
from tests.helpers.servers import PgDatabase
from tests.helpers.stores import item_texts, write_long, write_plain

SECRET_FREE = "copy"


def _rows(database: PgDatabase) -> list[tuple[Any, ...]]:
    with database.connect() as admin:
        return admin.execute(
            "SELECT session_id, id, message_data, created_at FROM agent_messages ORDER BY id"
        ).fetchall()


def _server_texts(database: PgDatabase, session_id: str) -> list[str]:
    with database.connect() as admin:
        rows = admin.execute(
            "SELECT message_data FROM agent_messages WHERE session_id = %s ORDER BY created_at, id",
            (session_id,),
        ).fetchall()
    return [row[0] for row in rows]


@pytest.fixture
def local(tmp_path: Path) -> Path:
    return write_plain(tmp_path / "local.db", "local", ("Paris", "Oslo"))


@pytest.fixture
def server(postgres_database: PgDatabase) -> PgDatabase:
    write_sqlalchemy(postgres_database.url(driver="asyncpg"), "theirs", ("Lima",))
    return postgres_database


def test_a_copy_reads_back_through_the_sdk_as_it_was(local: Path, server: PgDatabase) -> None:
    data = SQLiteFileStore(local).read_session("local")
    store = open_store(server.url())
    assert store.append_session(data) is False
    url = server.url(driver="asyncpg")
    import asyncio

    from agents import SQLiteSession

    sdk = SQLiteSession("local", local)
    try:
        expected = asyncio.run(sdk.get_items())
    finally:
        sdk.close()
    assert read_sqlalchemy(url, "local") == expected
    assert _server_texts(server, "local") == item_texts(local, "local")
    listed = {info.session_id: info for info in store.sessions()}
    assert listed["local"].message_count == len(expected)
    assert listed["local"].created_at is not None
    created = data.created_at
    assert created is not None and listed["local"].created_at.strftime("%F %T") == created
    assert store.read_session("local").digest() == data.digest()


def test_an_existing_session_is_refused_unless_replaced(local: Path, server: PgDatabase) -> None:
    store = open_store(server.url())
    data = SQLiteFileStore(local).read_session("local")
    before = _rows(server)
    with pytest.raises(FileExistsError, match="already exists"):
        store.append_session(data, session_id="theirs")
    assert _rows(server) == before
    assert store.append_session(data, session_id="theirs", replace=True) is True
    assert _server_texts(server, "theirs") == item_texts(local, "local")


def test_the_read_only_role_is_told_which_privilege_it_lacks(
    local: Path, server: PgDatabase
) -> None:
    server.grant_select("agent_sessions", "agent_messages")
    before = _rows(server)
    store = open_store(server.url(reader=True))
    data = SQLiteFileStore(local).read_session("local")
    with pytest.raises(StoreError) as refused:
        store.append_session(data)
    assert refused.value.kind is ProblemKind.REFUSED
    assert "INSERT on table agent_sessions" in str(refused.value)
    assert "INSERT on table agent_messages" in str(refused.value)
    assert server.server.reader_password not in str(refused.value)
    with pytest.raises(StoreError, match="DELETE on table agent_messages"):
        store.delete_sessions(["theirs"])
    assert _rows(server) == before


def test_missing_tables_are_named_and_made_only_when_asked(
    local: Path, postgres_database: PgDatabase
) -> None:
    store = PostgresStore(postgres_database.url())
    data = SQLiteFileStore(local).read_session("local")
    with pytest.raises(StoreError, match="--create-tables") as missing:
        store.append_session(data)
    assert missing.value.kind is ProblemKind.NO_TABLES
    with postgres_database.connect() as admin:
        assert admin.execute("SELECT to_regclass('agent_sessions')").fetchone() == (None,)
    store.append_session(data, table_ddl=sdk_table_ddl(postgres_database.url()))
    assert read_sqlalchemy(postgres_database.url(driver="asyncpg"), "local")
    with postgres_database.connect() as admin:
        indexes = admin.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'agent_messages'"
        ).fetchall()
    assert ("idx_agent_messages_session_time",) in indexes


def test_a_cancelled_copy_writes_nothing(tmp_path: Path, server: PgDatabase) -> None:
    source = write_long(tmp_path / "long.db", "long", 120_000)
    data = SQLiteFileStore(source).read_session("long")
    cancel = CancelToken()

    def progress(done: int, total: int, message: str) -> None:
        if done >= 50_000:
            cancel.cancel()

    before = _rows(server)
    from agency_desktop.util.progress import Reporter

    with pytest.raises(OperationCancelled):
        open_store(server.url()).append_session(data, report=Reporter(progress, cancel))
    assert _rows(server) == before


def test_a_copy_in_a_server_with_another_time_zone_keeps_the_sdk_order(
    local: Path, server: PgDatabase
) -> None:
    with server.connect() as admin:
        admin.execute(f"ALTER DATABASE {server.name} SET TimeZone = 'America/New_York'")
    data = SQLiteFileStore(local).read_session("local")
    data.messages.reverse()  # times that go backwards: kept from doing so on the server
    data.messages = [MessageRecord(m.row_id, m.message_data, m.created_at) for m in data.messages]
    store = open_store(server.url())
    store.append_session(data, session_id="zoned")
    assert _server_texts(server, "zoned") == [m.message_data for m in data.messages]
    first = next(i for i in store.sessions() if i.session_id == "zoned")
    created = data.created_at
    assert first.created_at is not None and first.created_at.strftime("%F %T") == created


def test_times_are_kept_from_going_backwards() -> None:
    assert in_order(["2024-01-02 00:00:00", "2024-01-01 00:00:00"]) == [
        "2024-01-02 00:00:00",
        "2024-01-02 00:00:00",
    ]
    ordered = ["2024-01-01 00:00:00", "2024-01-01 00:00:00.5"]
    assert in_order(ordered) is ordered


def test_sessions_are_deleted_in_one_transaction_after_the_guard(
    local: Path, server: PgDatabase
) -> None:
    store = open_store(server.url())
    store.append_session(SQLiteFileStore(local).read_session("local"))
    with pytest.raises(StoreChangedError, match="changed"):
        store.delete_sessions(["local"], guard=lambda now: "changed")
    assert _server_texts(server, "local")  # refused: still there
    seen: list[Any] = []

    def guard(now: Any) -> None:
        seen.append((now.info("theirs").message_count, now.digest("theirs")[0]))

    assert (
        store.delete_sessions(["local", "theirs"], guard=guard)
        == len(item_texts(local, "local")) + 4
    )
    assert seen == [(4, 4)]
    assert _rows(server) == []
    with server.connect() as admin:
        assert admin.execute("SELECT count(*) FROM agent_sessions").fetchone() == (0,)


@pytest.mark.parametrize("when", ["items", "verifying"])  # mid-COPY, and before COMMIT
def test_a_copy_killed_midway_leaves_the_target_session_as_it_was(
    tmp_path: Path, server: PgDatabase, when: str
) -> None:
    source = write_long(tmp_path / "long.db", "long", 150_000)
    before = _rows(server)
    kill_copy(source, server.url(), when, 100_000)
    assert _rows(server) == before
    assert len(read_sqlalchemy(server.url(driver="asyncpg"), "theirs")) == 4


def test_the_read_back_is_the_same_without_chunked_results(
    local: Path, server: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libpq before 17 cannot stream in chunks: the rows are fetched whole instead."""
    from agency_desktop.stores import pg_copy
    from agency_desktop.stores.pg_tables import PgPair

    data = SQLiteFileStore(local).read_session("local")
    open_store(server.url()).append_session(data)
    pair = PgPair("agent_sessions", "agent_messages")
    with server.connect() as conn:
        streamed = pg_copy.stored_digest(conn, pair, "local")
        monkeypatch.setattr(pg_copy, "CHUNKED_LIBPQ", 10**9)
        fetched = pg_copy.stored_digest(conn, pair, "local")
    assert streamed == fetched == (len(data.messages), data.digest())
