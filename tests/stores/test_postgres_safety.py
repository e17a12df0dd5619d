"""PostgresStore's safety: browsing cannot write, a server that does not answer fails fast
naming its host and port, and no message carries the password."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import psycopg
import pytest

from agency_desktop.stores.errors import ProblemKind, StoreError
from agency_desktop.stores.pg_target import connect
from agency_desktop.stores.pg_url import CONNECT_TIMEOUT_S, parse_target
from agency_desktop.stores.registry import open_store
from tests.helpers.server_stores import write_sqlalchemy
from tests.helpers.servers import HOST, PgDatabase, PostgresServer, free_port

SECRET = "s3cret-Pa55"


def _objects(database: PgDatabase) -> list[tuple[str, str]]:
    """Everything in the database's own schemas: a read must add nothing to it."""
    with database.connect() as admin:
        return admin.execute(
            "SELECT n.nspname, c.relname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
            " ORDER BY 1, 2"
        ).fetchall()


@pytest.fixture
def written(postgres_database: PgDatabase) -> PgDatabase:
    write_sqlalchemy(postgres_database.url(driver="asyncpg"), "alpha", ("Paris",))
    return postgres_database


def test_the_reader_with_only_select_browses_and_nothing_is_created(written: PgDatabase) -> None:
    before = _objects(written)
    store = open_store(written.url(reader=True))
    with pytest.raises(StoreError) as refused:  # no SELECT yet: the server says so, plainly
        list(store.sessions())
    assert refused.value.kind in (ProblemKind.REFUSED, ProblemKind.NO_TABLES)
    written.grant_select("agent_sessions", "agent_messages")
    assert [info.session_id for info in store.sessions()] == ["alpha"]
    assert store.stats("alpha").message_count == 4
    with store.reader("alpha") as reader:
        assert len(reader.page_after(None, 10)) == reader.count() == 4
    with store.item_tables() as tables:
        assert [table.tail()[1] for table in tables] == [4]
    assert store.read_session("alpha").messages
    assert _objects(written) == before


def test_a_browsing_connection_refuses_to_write_even_as_superuser(written: PgDatabase) -> None:
    with connect(parse_target(written.url())) as conn:  # the owner's URL, who could write
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO agent_messages (session_id, message_data) VALUES ('x', '{}')")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE scratch (id int)")


def _url(port: int, query: str = "") -> str:
    return f"postgresql+asyncpg://someone:{SECRET}@{HOST}:{port}/sessions{query}"


def _fails_fast(url: str, within: float) -> StoreError:
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        list(open_store(url).sessions())
    assert time.monotonic() - started < within
    return caught.value


def test_a_server_nobody_listens_for_is_named_at_once() -> None:
    port = free_port()
    error = _fails_fast(_url(port), CONNECT_TIMEOUT_S)
    assert error.kind is ProblemKind.UNREACHABLE
    assert f"{HOST}:{port}" in str(error)
    assert SECRET not in str(error) and SECRET not in repr(error.args)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes connections and never answers: a hung server, or a firewall."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def test_a_server_that_never_answers_fails_within_the_connect_timeout(silent_port: int) -> None:
    error = _fails_fast(_url(silent_port, "?connect_timeout=1&sslmode=disable"), 4.0)
    assert error.kind is ProblemKind.UNREACHABLE
    assert f"{HOST}:{silent_port}" in str(error) and SECRET not in str(error)


def test_the_default_connect_timeout_is_five_seconds() -> None:
    assert "connect_timeout=5" in parse_target(_url(5432)).conninfo
    assert "connect_timeout=9" in parse_target(_url(5432, "?connect_timeout=9")).conninfo
    assert "connect_timeout=5" not in parse_target(_url(5432, "?connect_timeout=9")).conninfo


def test_a_wrong_password_is_refused_without_showing_it(postgres_server: PostgresServer) -> None:
    url = f"postgresql://postgres:{SECRET}@{HOST}:{postgres_server.port}/postgres"
    error = _fails_fast(url, CONNECT_TIMEOUT_S)
    assert error.kind is ProblemKind.REFUSED
    assert SECRET not in str(error) and "postgres:***@" in str(error)


def test_a_database_without_session_tables_says_so(postgres_database: PgDatabase) -> None:
    with pytest.raises(StoreError) as caught:
        list(open_store(postgres_database.url()).sessions())
    assert caught.value.kind is ProblemKind.NO_TABLES
    assert postgres_database.server.password not in str(caught.value)


def test_the_url_keeps_libpq_options_and_drops_the_driver_and_ours() -> None:
    target = parse_target(
        f"postgresql+psycopg://u:{SECRET}@db.example:6543/app"
        "?sslmode=verify-full&sslrootcert=/etc/ca.pem&sessions_table=team_sessions"
    )
    assert target.conninfo.startswith(f"postgresql://u:{SECRET}@db.example:6543/app?")
    assert "sslmode=verify-full" in target.conninfo and "sslrootcert=/etc/ca.pem" in target.conninfo
    assert "sessions_table" not in target.conninfo
    assert target.sessions_table == "team_sessions" and target.messages_table is None
    assert target.address == "db.example:6543"
    assert SECRET not in target.shown and SECRET not in repr(open_store(target.location))
