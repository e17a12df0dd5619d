"""A PostgreSQL store's stats, counted by the server: one GROUP BY over the items.

The same figures `stats.py` gives for files: items per kind and tool, bytes, rows that are
not JSON, items per hour (UTC), first and last activity, sessions, and the tables' size.
SQLAlchemySession keeps no token usage and no branches: those stay None.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from .items import ItemKind, classify_fields, classify_item
from .pg_split import grouped, session_where
from .pg_sql import UTC_TIME, as_utc, has_is_json, json_doc, utc_of
from .pg_tables import PgPair
from .pg_target import Connection, translated
from .pg_url import PgTarget
from .records import latest
from .stats import SessionStats

# Per hour and kind-deciding fields: the items' count and bytes.
_GROUPS = (
    "SELECT d ->> 'type', d ->> 'role', d ->> 'name', coalesce(d -> '__enc__' = '1'::jsonb, false),"
    " d IS NOT NULL, {hour}, count(*), sum(octet_length(message_data))"
    " FROM {m} CROSS JOIN LATERAL (SELECT {doc} AS d OFFSET 0) j{where} GROUP BY 1, 2, 3, 4, 5, 6"
)
# Before PostgreSQL 16, where some item is not JSON: the rows, for Python to classify.
_ROWS = "SELECT message_data, {hour}, octet_length(message_data) FROM {m}{where}"
# The first and last times by index seeks, each made UTC once (`{first}` and the others
# are UTC_TIME over a min or max): a UTC conversion per row would read every row.
_TIMES = "SELECT {meta_first}, {meta_last}, {first}, {last}"
_EDGE = "(SELECT {fn}({column}) FROM {table}{where})"
_SESSIONS = "SELECT count(*) FROM ({ids}) x WHERE session_id IS NOT NULL"
_SIZE = "SELECT coalesce(sum(pg_total_relation_size(to_regclass(t))), 0) FROM unnest(%s::text[]) t"


def pg_stats(
    conn: Connection, target: PgTarget, pairs: tuple[PgPair, ...], session_id: str | None
) -> SessionStats:
    """Stats of one session (in the pairs given: the one holding it) or of every pair."""
    stats = SessionStats(db_path=Path(target.shown), session_id=session_id, location=target.shown)
    with translated(target):
        for pair in pairs:
            _add_groups(conn, target, pair, session_id, stats)
            _add_times(conn, pair, session_id, stats)
        stats.session_count = 1 if session_id is not None else _session_count(conn, pairs)
        stats.size_bytes = _size(conn, pairs)
    return stats


def _add_groups(
    conn: Connection, target: PgTarget, pair: PgPair, session_id: str | None, stats: SessionStats
) -> None:
    hour = sql.SQL(f"date_trunc('hour', {utc_of(conn)})")
    doc = json_doc("message_data", has_is_json(conn))

    def query(where: str) -> sql.Composed:
        return sql.SQL(_GROUPS).format(m=pair.q_messages, doc=doc, hour=hour, where=sql.SQL(where))

    try:
        groups = grouped(conn, target, pair, session_id, query)
    except psycopg.DataError:  # an item that is not JSON, before PostgreSQL 16
        where, params = session_where(session_id)
        rows = sql.SQL(_ROWS).format(m=pair.q_messages, hour=hour, where=sql.SQL(where))
        groups = list(_python_groups(conn, rows, params))
    for item_type, role, name, sealed, valid, hour, count, size in groups:
        stats.message_count += count
        stats.data_bytes += int(size or 0)
        if hour is not None:
            stats.timeline[hour.strftime("%Y-%m-%d %H")] += count
        if not valid:
            stats.invalid_json_rows += count
            continue
        kind, tool = (
            (ItemKind.ENCRYPTED, None) if sealed else classify_fields(item_type, role, name)
        )
        stats.by_kind[kind] += count
        if tool:
            stats.tool_calls[tool] += count


def _python_groups(
    conn: Connection, query: sql.Composed, params: tuple[Any, ...]
) -> Iterable[tuple[Any, ...]]:
    """Each row as a group of one, classified in Python; read through a server-side
    cursor, a batch at a time."""
    with conn.transaction(), conn.cursor(name="agency_stats") as cursor:
        cursor.itersize = 2000
        for text, hour, size in cursor.execute(query, params):
            try:
                item = json.loads(text)
            except (ValueError, RecursionError):
                yield None, None, None, False, False, hour, 1, size
                continue
            kind, _ = classify_item(item)
            fields = item if isinstance(item, dict) else {}
            yield (
                fields.get("type"),
                fields.get("role"),
                fields.get("name"),
                kind is ItemKind.ENCRYPTED,
                True,
                hour,
                1,
                size,
            )


def _add_times(conn: Connection, pair: PgPair, session_id: str | None, stats: SessionStats) -> None:
    where, params = session_where(session_id)

    def edge(fn: str, column: str, table: sql.Composable) -> sql.Composable:
        inner = sql.SQL(_EDGE).format(
            fn=sql.SQL(fn), column=sql.Identifier(column), table=table, where=sql.SQL(where)
        )
        return sql.SQL(UTC_TIME.replace("created_at", "{}")).format(inner)

    query = sql.SQL(_TIMES).format(
        meta_first=edge("min", "created_at", pair.q_sessions),
        meta_last=edge("max", "updated_at", pair.q_sessions),
        first=edge("min", "created_at", pair.q_messages),
        last=edge("max", "created_at", pair.q_messages),
    )
    row = conn.execute(query, params * 4).fetchone()
    if row is None:
        return
    meta_created, meta_updated, first, last = (as_utc(value) for value in row)
    firsts = [t for t in (stats.created_at, meta_created, first) if t is not None]
    stats.created_at = min(firsts, default=None)
    stats.updated_at = latest(stats.updated_at, meta_updated, last)


def _session_count(conn: Connection, pairs: tuple[PgPair, ...]) -> int:
    parts = [
        sql.SQL("SELECT session_id FROM {}").format(table)
        for pair in pairs
        for table in (pair.q_sessions, pair.q_messages)
    ]
    query = sql.SQL(_SESSIONS).format(ids=sql.SQL(" UNION ").join(parts))
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def _size(conn: Connection, pairs: tuple[PgPair, ...]) -> int:
    """The session tables' size on the server, with their indexes and TOAST."""
    names = sorted(
        {table.as_string(conn) for pair in pairs for table in (pair.q_sessions, pair.q_messages)}
    )
    row = conn.execute(_SIZE, (names,)).fetchone()
    return int(row[0]) if row else 0
