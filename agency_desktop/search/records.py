"""What a search is asked (filters) and what it answers (hits and unreadable files)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..stores.items import ItemKind
from ..stores.records import parse_timestamp

_SQL_TIME = "%Y-%m-%d %H:%M:%S"
MAX_HITS = 5_000  # results of one search at most


@dataclass(frozen=True)
class SearchFilter:
    """Which items count: some kinds, one tool, a time range [since, until), one session."""

    kinds: frozenset[ItemKind] | None = None
    tool: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    session_id: str | None = None  # with exactly one file searched: only this session

    def accepts(self, kind: ItemKind, tool: str | None) -> bool:
        if self.kinds is not None and kind not in self.kinds:
            return False
        return self.tool is None or tool == self.tool

    def time_sql(self, column: str) -> tuple[str, list[Any]]:
        """Conditions on a created_at column holding SQLite's UTC 'YYYY-MM-DD HH:MM:SS' text."""
        clauses, params = [], []
        if self.since is not None:
            clauses.append(f" AND {column} >= ?")
            params.append(sql_time(self.since))
        if self.until is not None:
            clauses.append(f" AND {column} < ?")
            params.append(sql_time(self.until))
        return "".join(clauses), params


def sql_time(moment: datetime) -> str:
    """A moment as SQLite's UTC CURRENT_TIMESTAMP text, which compares as the times do."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime(_SQL_TIME)


@dataclass(frozen=True)
class SearchHit:
    """One matching item, with what a results list shows and what opening it needs."""

    path: Path
    messages_table: str
    session_id: str
    row_id: int
    created_at: datetime | None
    kind: ItemKind
    tool: str | None
    snippet: str

    @classmethod
    def from_row(cls, path: Path, messages_table: str, row: tuple[Any, ...]) -> SearchHit:
        """From (session_id, row_id, created_at, kind, tool, snippet)."""
        session_id, row_id, created, kind, tool, snippet = row
        return cls(
            path, messages_table, session_id, row_id, parse_timestamp(created),
            ItemKind(kind), tool, snippet,
        )  # fmt: skip


@dataclass(frozen=True)
class UnsearchableFile:
    """A file the search had to skip, and why (it is named in the results, not hidden)."""

    path: Path
    message: str
