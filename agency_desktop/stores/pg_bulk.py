"""A PostgreSQL session read whole (what backups read), and a messages table read by id
(what search indexing reads)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import starmap
from typing import Any

from psycopg import sql

from .pg_sql import UTC_TIME, as_stored, utc_of
from .pg_tables import PgPair
from .pg_target import Connection, translated
from .pg_url import PgTarget
from .session_data import MessageRecord, SessionData


def stored_time(conn: Connection, column: str = "created_at") -> sql.SQL:
    """`column` as SQLite's CURRENT_TIMESTAMP text (what `as_stored` makes of it), formatted
    by the server: a million rows' times as text cost it less than Python their datetimes."""
    return sql.SQL(f"to_char({utc_of(conn, column)}, 'YYYY-MM-DD HH24:MI:SS')")


def session_data(conn: Connection, target: PgTarget, pair: PgPair, session_id: str) -> SessionData:
    with translated(target):
        meta_query = sql.SQL("SELECT {}, {} FROM {} WHERE session_id = %s").format(
            stored_time(conn), stored_time(conn, "updated_at"), pair.q_sessions
        )
        items_query = sql.SQL(
            "SELECT id, message_data, {} FROM {} WHERE session_id = %s ORDER BY created_at, id"
        ).format(stored_time(conn), pair.q_messages)
        meta = conn.execute(meta_query, (session_id,)).fetchone()
        rows = conn.execute(items_query, (session_id,)).fetchall()
    return SessionData(
        session_id=session_id,
        sessions_table=pair.sessions_table,
        messages_table=pair.messages_table,
        advanced=False,
        created_at=meta[0] if meta else None,
        updated_at=meta[1] if meta else None,
        messages=list(starmap(MessageRecord, rows)),
    )


class MessagesTable:
    """One messages table, as search indexing reads it (by id: new rows come last)."""

    def __init__(self, conn: Connection, target: PgTarget, pair: PgPair) -> None:
        self._conn, self._target = conn, target
        self.name = pair.messages_table
        m = self._messages = pair.q_messages
        self._rows = sql.SQL(
            "SELECT id, session_id, {}, message_data FROM {} WHERE id > %s ORDER BY id LIMIT %s"
        ).format(sql.SQL(UTC_TIME), m)
        self._upto = sql.SQL("SELECT count(*) FROM {} WHERE id <= %s").format(m)
        self._tail = sql.SQL("SELECT max(id), count(*) FROM {}").format(m)

    def _one(self, query: sql.Composed, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        with translated(self._target):
            row = self._conn.execute(query, params).fetchone()
        assert row is not None  # an aggregate always gives its row
        return row

    def rows_after(self, after_id: int, limit: int) -> list[tuple[int, Any, Any, Any]]:
        with translated(self._target):
            rows = self._conn.execute(self._rows, (after_id, limit)).fetchall()
        return [(row_id, sid, as_stored(when), text) for row_id, sid, when, text in rows]

    def rows_like(
        self, patterns: Sequence[Sequence[str]], session_id: str | None, after_id: int, limit: int
    ) -> list[tuple[int, Any, Any, Any]]:
        """Rows that may match a search, narrowed by the server (search/server.py): for
        each group, one of its LIKE patterns matches ignoring case (ILIKE)."""
        groups: list[sql.Composable] = [
            sql.SQL("({})").format(
                sql.SQL(" OR ").join(sql.SQL("message_data ILIKE %s") for _ in group)
            )
            for group in patterns
        ]
        params: list[Any] = [after_id, *(pattern for group in patterns for pattern in group)]
        if session_id is not None:
            groups.append(sql.SQL("session_id = %s"))
            params.append(session_id)
        query = sql.SQL(
            "SELECT id, session_id, {}, message_data FROM {} WHERE id > %s AND {}"
            " ORDER BY id LIMIT %s"
        ).format(
            stored_time(self._conn),
            self._messages,
            sql.SQL(" AND ").join(groups or [sql.SQL("true")]),
        )
        with translated(self._target):
            return self._conn.execute(query, (*params, limit)).fetchall()

    def count_upto(self, last_id: int) -> int:
        return int(self._one(self._upto, (last_id,))[0])

    def tail(self) -> tuple[int | None, int]:
        last_id, count = self._one(self._tail)
        return last_id, int(count)
