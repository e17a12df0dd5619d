"""What a session's message rows add up to, for any range of row ids.

Every figure here is a sum (or a min/max) over rows, so the totals of rows 1..n and
of rows n+1..m add up to the totals of 1..m: that is what lets the stats cache read
only the rows an agent appended since last time.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..util import worker_processes
from .items import ItemKind, classify_fields
from .readonly import reading
from .schema import TablePair

# One pass, one JSON parse per row (json_extract with several paths returns them as an
# array), grouped by the hour too so the timeline needs no second pass. Each row's
# figures come from a subquery that LIMIT -1 keeps from being flattened into the
# GROUP BY: flattened, SQLite parses the JSON twice per row (for the sort key and
# again for the output) and carries the whole item through the sort.
# The hour leads the sort key: rows arrive nearly in hour order, which the sorter
# merges faster (3% of the pass).
_GROUPS = (
    "SELECT fields, valid, hour, count(*), sum(bytes) FROM"
    " (SELECT {fields} AS fields, {valid} AS valid, substr(created_at, 1, 13) AS hour,"
    " length(CAST(message_data AS BLOB)) AS bytes"
    " FROM {table}{where} LIMIT -1) GROUP BY hour, fields, valid"
)
# The range's first and last item times: two seeks by row id (a min and max of every
# row's time in the pass above cost it a seventh of its time).
_END_TIME = "SELECT created_at FROM {table}{where} ORDER BY id {order} LIMIT 1"
_FIELDS = "json_extract(message_data, '$.type', '$.role', '$.name', '$.__enc__')"
_FAST_GROUPS = _GROUPS.replace("{fields}", _FIELDS).replace("{valid}", "1")
# Fallback when some row is not JSON (json_extract raises): classify only valid rows.
_SAFE_GROUPS = _GROUPS.replace(
    "{fields}", f"CASE WHEN json_valid(message_data) THEN {_FIELDS} END"
).replace("{valid}", "json_valid(message_data)")
# Sessions this long are counted in parts by row id, one part here and the others in the
# reading worker processes at the same time. Not threads: SQLite's memory allocator
# takes one process-wide lock, and JSON parsing allocates for every row, so two
# threads counting at once take longer than one.
SPLIT_MIN_ROWS = 50_000


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


def _earliest(a: object, b: object) -> str | None:
    return min(_times(a, b), default=None)


def _latest(a: object, b: object) -> str | None:
    return max(_times(a, b), default=None)


def _times(*values: object) -> list[str]:
    """Times as SQLite writes them (text); a number or a blob in a hand-made store's
    created_at column is no time, and comparing it with text would raise."""
    return [value for value in values if isinstance(value, str) and value]


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
    """Totals of the rows in (after_id, upto_id]; a long range is counted in parallel parts."""
    from . import parallel  # its imports cost start-up time; only long sessions need it

    store = _main_file(conn)
    parts = _parts(conn, pair, session_id, after_id, upto_id) if store is not None else []
    if len(parts) < 2 or store is None:
        return _range_totals(conn, pair, session_id, after_id, upto_id)
    others = [
        parallel.submit(_range_totals_apart, store, pair, session_id, low, high)
        for low, high in parts[1:]
    ]
    try:
        totals = _range_totals(conn, pair, session_id, *parts[0])
        for other in others:
            totals.add(parallel.outcome(other))
    finally:
        for other in others:
            other.cancel()
    return totals


def _parts(
    conn: sqlite3.Connection,
    pair: TablePair,
    session_id: str | None,
    after_id: int | None,
    upto_id: int | None,
) -> list[tuple[int | None, int | None]]:
    """(after, upto] id ranges of about equal width; one unless the range is long.

    The width comes from the first and last id (an index seek each): the row count would
    cost a scan of the index, and ids of one session are spread evenly enough.
    """
    where, params = row_filter(session_id, after_id, upto_id)
    # Two queries: SQLite seeks the index for a lone min() or max(), but scans it for both.
    (low,) = conn.execute(f"SELECT min(id) FROM {pair.q_messages}{where}", params).fetchone()
    (high,) = conn.execute(f"SELECT max(id) FROM {pair.q_messages}{where}", params).fetchone()
    if low is None or high - low < SPLIT_MIN_ROWS or not worker_processes.enabled():
        return [(after_id, upto_id)]
    # A short session among many can span a wide range of ids: worth the worker
    # processes only when it really holds that many rows (a walk of that many entries).
    enough = conn.execute(
        f"SELECT id FROM {pair.q_messages}{where} ORDER BY id LIMIT 1 OFFSET ?",
        (*params, SPLIT_MIN_ROWS),
    ).fetchone()
    if enough is None:
        return [(after_id, upto_id)]
    count = max(1, min(worker_processes.worker_count(), (high - low) // SPLIT_MIN_ROWS))
    bounds = [low - 1 + (high - low + 1) * n // count for n in range(count + 1)]
    return list(itertools.pairwise(bounds))


def _main_file(conn: sqlite3.Connection) -> Path | None:
    """The file behind a connection (None in memory), for more connections to it."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None


def _range_totals_apart(
    store: Path, pair: TablePair, session_id: str | None, after: int | None, upto: int | None
) -> RowTotals:
    with reading(store) as conn:
        return _range_totals(conn, pair, session_id, after, upto)


def _range_totals(
    conn: sqlite3.Connection,
    pair: TablePair,
    session_id: str | None,
    after_id: int | None,
    upto_id: int | None,
) -> RowTotals:
    where, params = row_filter(session_id, after_id, upto_id)
    totals = RowTotals()
    totals.first_created, totals.last_created = (
        _end_time(conn, pair, where, params, order) for order in ("ASC", "DESC")
    )
    for fields, valid, hour, count, data_bytes in _group_rows(conn, pair, where, params):
        totals.message_count += count
        totals.data_bytes += data_bytes or 0
        if hour:
            totals.timeline[str(hour)] += count
        if not valid:
            totals.invalid_json_rows += count
            continue
        kind, tool = _classify_extracted(fields)
        totals.by_kind[kind] += count
        if tool:
            totals.tool_calls[tool] += count
    return totals


def _end_time(
    conn: sqlite3.Connection, pair: TablePair, where: str, params: tuple[Any, ...], order: str
) -> str | None:
    row = conn.execute(
        _END_TIME.format(table=pair.q_messages, where=where, order=order), params
    ).fetchone()
    times = _times(row[0]) if row is not None else []
    return times[0] if times else None


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
        item_type, role, name, envelope = json.loads(fields) if fields else (None,) * 4
    except (ValueError, TypeError):
        return ItemKind.OTHER, None
    if envelope == 1:  # an EncryptedSession envelope: its kind is inside, out of reach
        return ItemKind.ENCRYPTED, None
    return classify_fields(item_type, role, name)
