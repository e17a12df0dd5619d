"""The session tables of a PostgreSQL store: named in the URL, or found by their shape.

SQLAlchemySession lets both tables be renamed, so, as for files (`schema.py`), tables
are recognised by their columns and paired through the messages table's foreign key,
in the schemas of the search path. Names read from the server reach SQL only through
psycopg's `sql.Identifier`. Found from `pg_catalog`, which every role may read: a role
with SELECT on the session tables and nothing else finds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from .errors import ProblemKind, StoreError
from .pg_target import Connection, translated
from .pg_url import PgTarget
from .schema import MESSAGES_COLUMNS, SESSIONS_COLUMNS


@dataclass(frozen=True)
class PgPair:
    """One sessions table with its messages table (in `schema`, or the search path's)."""

    sessions_table: str
    messages_table: str
    schema: str | None = None

    @property
    def q_sessions(self) -> sql.Identifier:
        return self._name(self.sessions_table)

    @property
    def q_messages(self) -> sql.Identifier:
        return self._name(self.messages_table)

    def _name(self, table: str) -> sql.Identifier:
        return sql.Identifier(self.schema, table) if self.schema else sql.Identifier(table)


# Pairs (messages table -> sessions table by a foreign key) whose columns are the SDK's,
# in the search path's schemas, the SDK's default names first.
_DISCOVER = """
SELECT n.nspname, s.relname, m.relname
FROM pg_constraint c
JOIN pg_class m ON m.oid = c.conrelid
JOIN pg_class s ON s.oid = c.confrelid
JOIN pg_namespace n ON n.oid = m.relnamespace
WHERE c.contype = 'f'
  AND n.nspname = ANY (current_schemas(false))
  AND s.relnamespace = m.relnamespace
  AND (SELECT array_agg(attname::text) FROM pg_attribute
       WHERE attrelid = m.oid AND attnum > 0 AND NOT attisdropped) @> %s::text[]
  AND (SELECT array_agg(attname::text) FROM pg_attribute
       WHERE attrelid = s.oid AND attnum > 0 AND NOT attisdropped) @> %s::text[]
ORDER BY array_position(current_schemas(false), n.nspname),
         m.relname <> 'agent_messages', m.relname, s.relname
"""


def find_pairs(conn: Connection, target: PgTarget) -> tuple[PgPair, ...]:
    """The store's pairs of tables: the URL's, else every SDK-shaped pair found; a
    StoreError (no session tables) when there are none."""
    if target.sessions_table or target.messages_table:
        return (_given(conn, target),)
    with translated(target):
        rows = conn.execute(
            _DISCOVER, (sorted(MESSAGES_COLUMNS), sorted(SESSIONS_COLUMNS))
        ).fetchall()
    pairs = tuple(dict.fromkeys(PgPair(s, m, schema) for schema, s, m in rows))
    if not pairs:
        raise StoreError(target.shown, ProblemKind.NO_TABLES)
    return pairs


def _given(conn: Connection, target: PgTarget) -> PgPair:
    """The pair the URL names (the SDK's default for the one it leaves out)."""
    pair = PgPair(
        target.sessions_table or "agent_sessions", target.messages_table or "agent_messages"
    )
    for table in (pair.sessions_table, pair.messages_table):
        with translated(target):
            found = conn.execute("SELECT to_regclass(%s)", (sql.Identifier(table).as_string(conn),))
            exists = found.fetchone()
        if exists is None or exists[0] is None:
            raise StoreError(target.shown, ProblemKind.NO_TABLES, f"no table {table!r}")
    return pair


def pair_holding(
    conn: Connection, target: PgTarget, pairs: tuple[PgPair, ...], session_id: str
) -> PgPair | None:
    """The first pair with the session: items in its messages table, or its sessions row."""
    for pair in pairs:
        query = sql.SQL(
            "SELECT EXISTS (SELECT 1 FROM {m} WHERE session_id = %s)"
            " OR EXISTS (SELECT 1 FROM {s} WHERE session_id = %s)"
        ).format(m=pair.q_messages, s=pair.q_sessions)
        with translated(target):
            row = conn.execute(query, (session_id, session_id)).fetchone()
        if row is not None and row[0]:
            return pair
    return None
