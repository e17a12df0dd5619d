"""SQL fragments the PostgreSQL store's reads share: times in UTC, items' kinds, JSON checks.

The SDK's columns are `TIMESTAMP WITHOUT TIME ZONE` filled with `CURRENT_TIMESTAMP`: the
server's local time. `UTC` reads them back as UTC, as the file stores' times are.

Items are text columns; one that is not JSON makes a cast to jsonb fail the whole query.
PostgreSQL 16 can test first (`IS JSON`); before 16 the reads cast straight away and
fall back to Python for the rare store that holds such a row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg import sql

from .pg_target import Connection

UTC_TIME = "((created_at AT TIME ZONE current_setting('TimeZone')) AT TIME ZONE 'UTC')"
IS_JSON_FROM = 160000  # server_version_num of PostgreSQL 16


# Names PostgreSQL accepts for UTC as a session's TimeZone (its default where the system's
# zone is UTC, as in most containers and cloud databases).
_UTC_ZONES = frozenset(
    {
        "UTC",
        "Etc/UTC",
        "UCT",
        "Etc/UCT",
        "GMT",
        "Etc/GMT",
        "GMT0",
        "Etc/GMT0",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Greenwich",
        "Etc/Greenwich",
        "Universal",
        "Etc/Universal",
        "Zulu",
        "Etc/Zulu",
    }
)


def utc_of(conn: Connection, column: str = "created_at") -> str:
    """`column` read as UTC: the column itself where the session's TimeZone is UTC, which
    spares a query over many rows two time zone conversions per row; else UTC_TIME."""
    if conn.info.parameter_status("TimeZone") in _UTC_ZONES:
        return column
    return UTC_TIME.replace("created_at", column)


def has_is_json(conn: Connection) -> bool:
    return conn.info.server_version >= IS_JSON_FROM


def as_utc(value: Any) -> datetime | None:
    """A time read through UTC_TIME (naive, UTC) as an aware datetime."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) else None


def as_stored(value: Any) -> str | None:
    """A UTC time as SQLite's CURRENT_TIMESTAMP writes it, which is how the SDK's files
    keep it (what backups and copies carry)."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else None


# Where a query names the parsed item `d` in a LATERAL subquery, it ends in OFFSET 0: the
# planner would otherwise put the cast in place of every `d`, parsing each item as JSON
# once per field read (five times a row in the stats, ten in a kind filter).


def json_doc(column: str, checked: bool) -> sql.Composable:
    """`column` as jsonb; with `checked` (PostgreSQL 16+), NULL where it is not JSON."""
    if checked:
        return sql.SQL(f"(CASE WHEN {column} IS JSON THEN {column}::jsonb END)")
    return sql.SQL(f"({column}::jsonb)")


def kind_of(doc: sql.Composable) -> sql.Composable:
    """The ItemKind value of a jsonb item, as `items.classify_fields` decides it."""
    return sql.SQL(
        "(CASE WHEN {d} IS NULL OR jsonb_typeof({d}) <> 'object' THEN 'other'"
        " WHEN {d} -> '__enc__' = '1'::jsonb THEN 'encrypted'"
        " WHEN {d} ->> 'type' IS NULL OR {d} ->> 'type' = 'message' THEN"
        " CASE {d} ->> 'role' WHEN 'user' THEN 'user' WHEN 'assistant' THEN 'assistant'"
        " ELSE 'other' END"
        " WHEN jsonb_typeof({d} -> 'type') <> 'string' THEN 'other'"
        " WHEN {d} ->> 'type' = 'reasoning' THEN 'reasoning'"
        " WHEN {d} ->> 'type' LIKE '%%\\_output' THEN 'function_call_output'"
        " WHEN {d} ->> 'type' LIKE '%%\\_call' THEN 'function_call'"
        " ELSE 'other' END)"
    ).format(d=doc)
