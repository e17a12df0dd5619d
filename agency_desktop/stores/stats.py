"""Counts, tool use, activity and token usage for a session or a whole store."""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ProblemKind, SessionNotFoundError, StoreError
from .items import ItemKind
from .readonly import reading
from .records import latest, parse_timestamp
from .row_totals import RowTotals, add_counts, row_totals
from .schema import TablePair, discover_layout, pair_holding, quote_identifier

if TYPE_CHECKING:
    from .stats_cache import StatsCache


@dataclass
class TokenUsage:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    turns: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "turns": self.turns,
        }


@dataclass
class SessionStats:
    db_path: Path
    session_id: str | None
    message_count: int = 0
    session_count: int = 0
    size_bytes: int = 0
    data_bytes: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    by_kind: Counter[ItemKind] = field(default_factory=Counter)
    tool_calls: Counter[str] = field(default_factory=Counter)
    invalid_json_rows: int = 0
    token_usage: TokenUsage | None = None
    branches: dict[str, int] | None = None
    # Items per hour ("YYYY-MM-DD HH" in UTC, as SQLite stores it), oldest first.
    timeline: Counter[str] = field(default_factory=Counter)
    location: str = ""  # a server store's URL, password masked (then db_path is no file)

    @property
    def user_turns(self) -> int:
        return self.by_kind[ItemKind.USER]

    @property
    def branch_tokens(self) -> dict[str, int]:
        """Total tokens per branch, from the usage the store keeps per turn."""
        totals: Counter[str] = Counter()
        for turn in self.token_usage.turns if self.token_usage else ():
            totals[str(turn["branch_id"])] += int(turn["total_tokens"] or 0)
        return dict(totals)

    def as_dict(self) -> dict[str, Any]:
        shown = {"location": self.location} if self.location else {}
        return {
            "db_path": None if self.location else str(self.db_path),
            **shown,
            "session_id": self.session_id,
            "message_count": self.message_count,
            "session_count": self.session_count,
            "size_bytes": self.size_bytes,
            "data_bytes": self.data_bytes,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "by_kind": {str(kind): self.by_kind[kind] for kind in ItemKind},
            "tool_calls": dict(self.tool_calls.most_common()),
            "user_turns": self.user_turns,
            "invalid_json_rows": self.invalid_json_rows,
            "token_usage": self.token_usage.as_dict() if self.token_usage else None,
            "branches": self.branches,
            "branch_tokens": self.branch_tokens if self.token_usage else None,
            "timeline": dict(sorted(self.timeline.items())),
        }


def get_session_stats(
    db_path: str | os.PathLike[str],
    session_id: str | None = None,
    *,
    cache: StatsCache | None = None,
) -> SessionStats:
    """Stats for one session, or for every session in the store when session_id is None.

    With a `cache`, a session's message rows are read once: later calls read only the
    rows appended since (the cache lives in the app's cache folder, never in the store).
    """
    path = Path(db_path)
    with reading(path) as conn:
        return stats_on(conn, path, session_id, cache)


def stats_on(
    conn: sqlite3.Connection,
    path: Path,
    session_id: str | None = None,
    cache: StatsCache | None = None,
) -> SessionStats:
    """`get_session_stats` on a connection the caller opened (a folder's stores are
    read briefly, through `read_briefly`)."""
    layout = discover_layout(conn)
    if not layout.is_store:
        raise StoreError(path, ProblemKind.NOT_A_STORE)
    stats = SessionStats(db_path=path, session_id=session_id)
    stats.size_bytes = sum(_size(p) for p in (path, path.with_name(path.name + "-wal")))
    if session_id is None:
        for pair in layout.pairs:
            _add_pair(conn, pair, None, stats)
        stats.session_count = _distinct_sessions(conn, layout.pairs)
        return stats
    holder = pair_holding(conn, layout, session_id)
    if holder is None:
        raise SessionNotFoundError(path, session_id)
    totals = cache.totals(conn, path, holder, session_id) if cache is not None else None
    _add_pair(conn, holder, session_id, stats, totals)
    stats.session_count = 1
    return stats


def _distinct_sessions(conn: sqlite3.Connection, pairs: tuple[TablePair, ...]) -> int:
    """Sessions in the store, each once, even where pairs share a sessions table."""
    parts = [f"SELECT session_id FROM {t}" for p in pairs for t in (p.q_sessions, p.q_messages)]
    query = f"SELECT count(*) FROM ({' UNION '.join(parts)}) WHERE session_id IS NOT NULL"
    return int(conn.execute(query).fetchone()[0])


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _where(session_id: str | None) -> tuple[str, tuple[str, ...]]:
    return (" WHERE session_id = ?", (session_id,)) if session_id is not None else ("", ())


def _add_pair(
    conn: sqlite3.Connection,
    pair: TablePair,
    session_id: str | None,
    stats: SessionStats,
    totals: RowTotals | None = None,
) -> None:
    """Add one table pair's figures; `totals` are the message rows' when already known."""
    where, params = _where(session_id)
    sessions = conn.execute(
        f"SELECT count(*), min(created_at), max(updated_at) FROM {pair.q_sessions}{where}", params
    ).fetchone()
    totals = totals if totals is not None else row_totals(conn, pair, session_id)
    if not totals.message_count and not sessions[0]:
        return
    add_counts(stats, totals)
    first_times = (
        stats.created_at,
        parse_timestamp(sessions[1]),
        parse_timestamp(totals.first_created),
    )
    stats.created_at = min((t for t in first_times if t is not None), default=None)
    stats.updated_at = latest(
        stats.updated_at, parse_timestamp(sessions[2]), parse_timestamp(totals.last_created)
    )
    if pair.has_usage:
        stats.token_usage = _token_usage(conn, session_id, stats.token_usage)
    if pair.is_advanced:
        stats.branches = _branches(conn, session_id)


_USAGE_COLUMNS = (
    "branch_id",
    "user_turn_number",
    "requests",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "created_at",
)


def _token_usage(
    conn: sqlite3.Connection, session_id: str | None, usage: TokenUsage | None
) -> TokenUsage:
    where, params = _where(session_id)
    usage = usage or TokenUsage()
    columns = ", ".join(_USAGE_COLUMNS)
    table = quote_identifier("turn_usage")
    for row in conn.execute(
        f"SELECT session_id, {columns} FROM {table}{where} ORDER BY id", params
    ):
        turn = dict(zip(("session_id", *_USAGE_COLUMNS), row, strict=True))
        usage.requests += turn["requests"] or 0
        usage.input_tokens += turn["input_tokens"] or 0
        usage.output_tokens += turn["output_tokens"] or 0
        usage.total_tokens += turn["total_tokens"] or 0
        usage.turns.append(turn)
    return usage


def _branches(conn: sqlite3.Connection, session_id: str | None) -> dict[str, int]:
    where, params = _where(session_id)
    table = quote_identifier("message_structure")
    rows = conn.execute(
        f"SELECT branch_id, count(*) FROM {table}{where} GROUP BY branch_id", params
    )
    return {str(branch): count for branch, count in rows}


def merge_stats(parts: list[SessionStats], label: Path) -> SessionStats:
    """Add up the stats of several stores (the folder view of the stats panel)."""
    total = SessionStats(db_path=label, session_id=None)
    for part in parts:
        add_counts(total, part)
        total.session_count += part.session_count
        total.size_bytes += part.size_bytes
        total.created_at = min(filter(None, [total.created_at, part.created_at]), default=None)
        total.updated_at = latest(total.updated_at, part.updated_at)
        if part.token_usage is not None:
            usage = total.token_usage or TokenUsage()
            usage.requests += part.token_usage.requests
            usage.input_tokens += part.token_usage.input_tokens
            usage.output_tokens += part.token_usage.output_tokens
            usage.total_tokens += part.token_usage.total_tokens
            usage.turns += part.token_usage.turns
            total.token_usage = usage
        if part.branches is not None:
            total.branches = dict(Counter(total.branches or {}) + Counter(part.branches))
    return total
