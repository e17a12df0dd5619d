"""The real PostgreSQL server the suite starts: the SDK's sessions on it, and the reader."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.helpers.server_stores import ITEMS_PER_TURN, read_sqlalchemy, write_sqlalchemy
from tests.helpers.servers import PgDatabase, PostgresServer

CUSTOM = {"sessions_table": "team_sessions", "messages_table": "team_items"}


@pytest.fixture(scope="module")
def written(postgres_server: PostgresServer) -> Iterator[PgDatabase]:
    """A database of this module's: two sessions in the SDK's default tables, one in
    custom ones, and SELECT on the SDK's tables granted to the read-only role."""
    database = postgres_server.create_database()
    url = database.url(driver="asyncpg")
    write_sqlalchemy(url, "alpha", ("Paris", "Oslo"))
    write_sqlalchemy(url, "beta", ("Lima",))
    write_sqlalchemy(url, "gamma", ("Rome",), **CUSTOM)
    database.grant_select("agent_sessions", "agent_messages", *CUSTOM.values())
    yield database
    database.drop()


def _tables(database: PgDatabase) -> set[str]:
    with database.connect() as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in rows}


def test_a_fresh_database_is_empty(postgres_database: PgDatabase) -> None:
    assert _tables(postgres_database) == set()


def test_the_sdk_reads_back_what_it_wrote(written: PgDatabase) -> None:
    url = written.url(driver="asyncpg")
    alpha = read_sqlalchemy(url, "alpha")
    assert len(alpha) == 2 * ITEMS_PER_TURN
    assert alpha[0] == {"role": "user", "content": "Weather in Paris?"}
    assert len(read_sqlalchemy(url, "beta")) == ITEMS_PER_TURN
    assert _tables(written) == {"agent_sessions", "agent_messages", *CUSTOM.values()}


def test_custom_tables_hold_their_own_sessions(written: PgDatabase) -> None:
    url = written.url(driver="asyncpg")
    assert len(read_sqlalchemy(url, "gamma", **CUSTOM)) == ITEMS_PER_TURN
    assert read_sqlalchemy(url, "gamma") == []  # not in the default tables
    with written.connect() as conn:
        found = conn.execute("SELECT DISTINCT session_id FROM team_items").fetchall()
    assert found == [("gamma",)]


def test_the_reader_can_select(written: PgDatabase) -> None:
    with written.connect(reader=True) as conn:
        counts = conn.execute(
            "SELECT session_id, count(*) FROM agent_messages GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert counts == [("alpha", 2 * ITEMS_PER_TURN), ("beta", ITEMS_PER_TURN)]
    # and so can the SDK, through the same role
    assert len(read_sqlalchemy(written.url(driver="asyncpg", reader=True), "beta")) == 4


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO agent_messages (session_id, message_data) VALUES ('alpha', '{}')",
        "UPDATE agent_sessions SET updated_at = now()",
        "DELETE FROM team_items",
        "CREATE TABLE scratch (id int)",
        "CREATE TEMP TABLE scratch (id int)",
    ],
    ids=["insert", "update", "delete", "create", "create-temp"],
)
def test_the_reader_cannot_write(written: PgDatabase, statement: str) -> None:
    with (
        written.connect(reader=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)
