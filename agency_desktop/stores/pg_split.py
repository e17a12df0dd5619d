"""A long GROUP BY over a session's items run by two server processes, from one snapshot.

PostgreSQL runs a query of one connection on one core (its parallel plans do not take
an index range of one session), and counting a million items is its work of parsing
each as JSON. A session's items are cut in two at the midpoint of their times (three
index seeks on the SDK's `(session_id, created_at)` index), a whole table's at the
midpoint of its ids, and a second connection counts the second half inside the first's
snapshot (`pg_export_snapshot`, as `pg_dump --jobs` does), so both halves are the same
moment's rows. The groups come back as rows of both halves: their counts add up.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from psycopg import sql

from .pg_tables import PgPair
from .pg_target import Connection, connect, snapshot
from .pg_url import PgTarget

SPLIT_FROM_ROWS = 50_000  # fewer rows are counted by one query: a second connection costs more

type Where = tuple[str, tuple[Any, ...]]  # an SQL condition (" WHERE ..."), its parameters
type Query = Callable[[str], sql.Composed]  # the GROUP BY, given its condition

_SESSION_SPAN = (
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM {m} WHERE session_id = %s LIMIT {n}) x),"
    " (SELECT min(created_at) FROM {m} WHERE session_id = %s),"
    " (SELECT max(created_at) FROM {m} WHERE session_id = %s)"
)
_TABLE_SPAN = (
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM {m} LIMIT {n}) x),"
    " (SELECT min(id) FROM {m}), (SELECT max(id) FROM {m})"
)


def grouped(
    conn: Connection, target: PgTarget, pair: PgPair, session_id: str | None, query: Query
) -> list[tuple[Any, ...]]:
    """The rows of `query` over the session's items (or all of the pair's)."""
    halves = _halves(conn, pair, session_id)
    if halves is None:
        where, params = session_where(session_id)
        return conn.execute(query(where), params).fetchall()
    (first, first_params), (second, second_params) = halves
    with snapshot(conn, target):
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        with connect(target) as other, ThreadPoolExecutor(1) as pool:
            _join_snapshot(other, row[0])
            later = pool.submit(lambda: other.execute(query(second), second_params).fetchall())
            try:
                rows = conn.execute(query(first), first_params).fetchall()
            except BaseException:
                other.cancel_safe()
                raise
            return rows + later.result()


def session_where(session_id: str | None) -> Where:
    """The WHERE clause for one session, or none for the whole table (`None`)."""
    return (" WHERE session_id = %s", (session_id,)) if session_id is not None else ("", ())


def _join_snapshot(conn: Connection, exported: str) -> None:
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(exported)))


def _halves(conn: Connection, pair: PgPair, session_id: str | None) -> tuple[Where, Where] | None:
    """Two conditions that cut the rows in about two, or None for too few rows."""
    span = sql.SQL(_TABLE_SPAN if session_id is None else _SESSION_SPAN).format(
        m=pair.q_messages, n=sql.Literal(SPLIT_FROM_ROWS)
    )
    row = conn.execute(span, () if session_id is None else (session_id,) * 3).fetchone()
    if row is None or not row[0] or row[0] < SPLIT_FROM_ROWS or row[1] is None or row[1] == row[2]:
        return None
    low, high = row[1], row[2]
    if session_id is None:
        middle = low + (high - low) // 2 + 1
        return (" WHERE id < %s", (middle,)), (" WHERE id >= %s", (middle,))
    return _time_halves(session_id, low, high)


def _time_halves(session_id: str, low: datetime, high: datetime) -> tuple[Where, Where]:
    middle = low + (high - low) / 2
    first = " WHERE session_id = %s AND (created_at <= %s OR created_at IS NULL)"
    second = " WHERE session_id = %s AND created_at > %s"
    return (first, (session_id, middle)), (second, (session_id, middle))
