"""Writing to a PostgreSQL store: a connection of its own, one transaction, the privileges
a write needs checked first, and the SDK's tables made only when the user asks for them.

Browsing connections stay read-only (`pg_target.py`); only an operation that writes opens
one of these, and closes it when its transaction ends. Before writing, the role's
privileges are asked of the server (`has_table_privilege`), so a role that may only read
hears which privilege it lacks on which table, rather than PostgreSQL's "permission denied"
half-way through. Names reach SQL only through `sql.Identifier`; content only as parameters
or COPY rows.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator, Sequence

import psycopg
from psycopg import sql

from .errors import ProblemKind, StoreError
from .pg_tables import PgPair, find_pairs
from .pg_target import APPLICATION, Connection, translated
from .pg_url import PgTarget
from .sqlite_writes import SessionExistsError


class ServerSessionExistsError(SessionExistsError):
    """The server holds the session already (and replacing it was not asked for)."""

    def __init__(self, shown: str, session_id: str) -> None:
        FileExistsError.__init__(
            self,
            errno.EEXIST,
            f"session {session_id!r} already exists (pass overwrite to replace it)",
            shown,
        )
        self.session_id = session_id


def writing_connection(target: PgTarget) -> Connection:
    """A connection that may write (autocommit: `transaction` opens the one transaction)."""
    with translated(target):
        conn = psycopg.connect(
            target.conninfo, autocommit=True, fallback_application_name=APPLICATION
        )
    conn.prepare_threshold = None
    return conn


@contextlib.contextmanager
def transaction(target: PgTarget) -> Iterator[Connection]:
    """One transaction on a new writing connection: committed if the block succeeds, rolled
    back (the connection closed) whatever else happens, a cancel or a lost server included."""
    conn = writing_connection(target)
    try:
        with translated(target), conn.transaction():
            yield conn
    finally:
        conn.close()


def write_pairs(
    conn: Connection, target: PgTarget, *, table_ddl: Sequence[str] = ()
) -> tuple[PgPair, ...]:
    """The store's pairs of tables; where it has none, the SDK's own, made by `table_ddl`
    (the statements the SDK would run: `ops/server_tables.py`; in this transaction, so a
    copy that fails leaves no table behind) when the user asked for them, else a
    StoreError that says so and how to make them."""
    try:
        return find_pairs(conn, target)
    except StoreError as exc:
        if exc.kind is not ProblemKind.NO_TABLES:
            raise
        if not table_ddl:
            detail = (
                "nothing was written; create them with the SDK"
                " (SQLAlchemySession(..., create_tables=True)) or ask for them"
                " (--create-tables)"
            )
            raise StoreError(target.shown, ProblemKind.NO_TABLES, detail) from None
    for statement in table_ddl:
        conn.execute(sql.SQL(statement))  # the SDK's own DDL, never content
    return find_pairs(conn, target)


def require_privileges(
    conn: Connection, target: PgTarget, pair: PgPair, wanted: tuple[str, ...], *, ids: bool
) -> None:
    """A StoreError naming each privilege the role lacks (`wanted` on both tables; with
    `ids`, USAGE on the sequence that numbers the items), before anything is written."""
    missing = []
    for table, name in (
        (pair.q_sessions, pair.sessions_table),
        (pair.q_messages, pair.messages_table),
    ):
        qualified = table.as_string(conn)
        for privilege in wanted:
            row = conn.execute("SELECT has_table_privilege(%s, %s)", (qualified, privilege))
            if not _yes(row.fetchone()):
                missing.append(f"{privilege} on table {name}")
    if ids:
        query = "SELECT has_sequence_privilege(pg_get_serial_sequence(%s, 'id'), 'USAGE')"
        if not _yes(conn.execute(query, (pair.q_messages.as_string(conn),)).fetchone()):
            missing.append(f"USAGE on the sequence of {pair.messages_table}.id")
    if missing:
        role = conn.info.user
        detail = f"role {role!r} lacks {', '.join(missing)}; nothing was written"
        raise StoreError(target.shown, ProblemKind.REFUSED, detail)


def _yes(row: tuple[object, ...] | None) -> bool:
    return bool(row and row[0])


def holds(conn: Connection, pair: PgPair, session_id: str) -> bool:
    query = sql.SQL(
        "SELECT EXISTS (SELECT 1 FROM {m} WHERE session_id = %s)"
        " OR EXISTS (SELECT 1 FROM {s} WHERE session_id = %s)"
    ).format(m=pair.q_messages, s=pair.q_sessions)
    return _yes(conn.execute(query, (session_id, session_id)).fetchone())


def delete_rows(conn: Connection, pair: PgPair, session_id: str) -> int:
    """Delete a session's items and its sessions row; the caller owns the transaction.
    Returns the number of items deleted."""
    removed = conn.execute(
        sql.SQL("DELETE FROM {} WHERE session_id = %s").format(pair.q_messages), (session_id,)
    ).rowcount
    conn.execute(
        sql.SQL("DELETE FROM {} WHERE session_id = %s").format(pair.q_sessions), (session_id,)
    )
    return max(removed, 0)
