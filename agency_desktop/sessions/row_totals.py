"""What a session's message rows add up to, for any range of row ids.

Every figure here is a sum (or a min/max) over rows, so the totals of rows 1..n and
of rows n+1..m add up to the totals of 1..m: that is what lets the stats cache read
only the rows an agent appended since last time.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from .items import ItemKind, classify_fields
from .schema import TablePair

# One JSON parse per row: json_extract with several paths returns them as an array.
_FAST_GROUPS = (
    "SELECT json_extract(message_data, '$.type', '$.role', '$.name'), 1, count(*),"
    " sum(length(CAST(message_data AS BLOB))), min(created_at), max(created_at)"
    " FROM {table}{where} GROUP BY 1"
)
# Fallback when some row is not JSON (json_extract raises): classify only valid rows.
_SAFE_GROUPS = (
    "SELECT CASE WHEN json_valid(message_data)"
    " THEN json_extract(message_data, '$.type', '$.role', '$.name') END,"
    " json_valid(message_data), count(*), sum(length(CAST(message_data AS BLOB))),"
    " min(created_at), max(created_at) FROM {table}{where} GROUP BY 1, 2"
)


class Counts(Protocol):
    """The figures that add up row by row, in RowTotals and in SessionStats alike."""

    message_count: int
    data_bytes: int
    invalid_json_rows: int
    by_kind: Counter[ItemKind]
    tool_calls: Counter[str]
    timeline: Counter[str]


def add_counts(target: Counts, source: Counts) -> None:
    target.message_count += source.message_count
    target.data_bytes += source.data_bytes
    target.invalid_json_rows += source.invalid_json_rows
    target.by_kind.update(source.by_kind)
    target.tool_calls.update(source.tool_calls)
    target.timeline.update(source.timeline)


@dataclass
class RowTotals:
    message_count: int = 0
    data_bytes: int = 0
    invalid_json_rows: int = 0
    first_created: str | None = None  # as SQLite stores it: "YYYY-MM-DD HH:MM:SS"
    last_created: str | None = None
    by_kind: Counter[ItemKind] = field(default_factory=Counter)
    tool_calls: Counter[str] = field(default_factory=Counter)
    timeline: Counter[str] = field(default_factory=Counter)  # "YYYY-MM-DD HH" -> items

    def add(self, other: RowTotals) -> RowTotals:
        add_counts(self, other)
        self.first_created = _earliest(self.first_created, other.first_created)
        self.last_created = _latest(self.last_created, other.last_created)
        return self

    def to_json(self) -> str:
        return json.dumps(
            {
                "message_count": self.message_count,
                "data_bytes": self.data_bytes,
                "invalid_json_rows": self.invalid_json_rows,
                "first_created": self.first_created,
                "last_created": self.last_created,
                "by_kind": {str(kind): n for kind, n in self.by_kind.items()},
                "tool_calls": dict(self.tool_calls),
                "timeline": dict(self.timeline),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> RowTotals:
        data = json.loads(text)
        return cls(
            message_count=data["message_count"],
            data_bytes=data["data_bytes"],
            invalid_json_rows=data["invalid_json_rows"],
            first_created=data["first_created"],
            last_created=data["last_created"],
            by_kind=Counter({ItemKind(k): n for k, n in data["by_kind"].items()}),
            tool_calls=Counter(data["tool_calls"]),
            timeline=Counter(data["timeline"]),
        )


def _earliest(a: str | None, b: str | None) -> str | None:
    return min((t for t in (a, b) if t), default=None)


def _latest(a: str | None, b: str | None) -> str | None:
    return max((t for t in (a, b) if t), default=None)


def row_filter(
    session_id: str | None, after_id: int | None = None, upto_id: int | None = None
) -> tuple[str, tuple[Any, ...]]:
    """A WHERE clause (with its parameters) for one session's rows in (after_id, upto_id]."""
    clauses: list[str] = []
    params: list[Any] = []
    for clause, value in (
        ("session_id = ?", session_id),
        ("id > ?", after_id),
        ("id <= ?", upto_id),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def row_totals(
    conn: sqlite3.Connection,
    pair: TablePair,
    session_id: str | None,
    after_id: int | None = None,
    upto_id: int | None = None,
) -> RowTotals:
    where, params = row_filter(session_id, after_id, upto_id)
    totals = RowTotals()
    for fields, valid, count, data_bytes, first, last in _group_rows(conn, pair, where, params):
        totals.message_count += count
        totals.data_bytes += data_bytes or 0
        totals.first_created = _earliest(totals.first_created, first)
        totals.last_created = _latest(totals.last_created, last)
        if not valid:
            totals.invalid_json_rows += count
            continue
        kind, tool = _classify_extracted(fields)
        totals.by_kind[kind] += count
        if tool:
            totals.tool_calls[tool] += count
    timeline = conn.execute(
        f"SELECT substr(created_at, 1, 13), count(*) FROM {pair.q_messages}{where} GROUP BY 1",
        params,
    )
    totals.timeline.update({str(hour): count for hour, count in timeline if hour})
    return totals


def _group_rows(
    conn: sqlite3.Connection, pair: TablePair, where: str, params: tuple[Any, ...]
) -> list[Any]:
    try:
        return conn.execute(
            _FAST_GROUPS.format(table=pair.q_messages, where=where), params
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "malformed JSON" not in str(exc):
            raise
        return conn.execute(
            _SAFE_GROUPS.format(table=pair.q_messages, where=where), params
        ).fetchall()


def _classify_extracted(fields: str | None) -> tuple[ItemKind, str | None]:
    try:
        item_type, role, name = json.loads(fields) if fields else (None, None, None)
    except (ValueError, TypeError):
        return ItemKind.OTHER, None
    return classify_fields(item_type, role, name)
