"""Search a server store by reading it: its item tables a batch at a time, each candidate
confirmed in Python the way a file's scan confirms it (scan.py), so the same words find
the same items wherever they are stored.

A table that can narrow the rows on the server (PostgreSQL: ILIKE, a superset of what
SQLite's LIKE finds, so nothing a file scan would find is lost) sends only candidates;
any other (Redis keeps no index of text) sends every row. Nothing is written on the
server and nothing is indexed locally: the index (index.py) is for files, whose
signatures say when it is out of date; a server's tables have none.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..stores.base import ItemTable, Store
from ..stores.records import parse_timestamp
from .records import MAX_HITS, SearchFilter, SearchHit, sql_time
from .text import Query, as_text, item_facts, snippet

BATCH_ROWS = 2_000  # rows of one round trip: a few MB of items at most
type TimeRange = tuple[str | None, str | None] | None  # [since, until) as stored text


@runtime_checkable
class NarrowingTable(Protocol):
    """An item table that can send only the rows that may match (see module docstring)."""

    def rows_like(
        self, patterns: Sequence[Sequence[str]], session_id: str | None, after_id: int, limit: int
    ) -> list[tuple[int, Any, Any, Any]]:
        """Up to `limit` rows after `after_id` (of one session, if given) whose text has, for
        each group of LIKE patterns (backslash escapes), a match of one of them."""
        ...


def search_store(
    store: Store, query: Query, search_filter: SearchFilter, limit: int = MAX_HITS
) -> list[SearchHit]:
    """Up to `limit` items of the store that hold every word of `query`, in table order."""
    hits: list[SearchHit] = []
    key = Path(getattr(store, "shown", store.location))  # a key, as its SessionInfo's db_path
    within = _time_range(search_filter)
    with store.item_tables() as tables:
        for table in tables:
            for row in _candidates(table, query, search_filter):
                hit = _confirmed(key, table.name, row, query, search_filter, within=within)
                if hit is not None:
                    hits.append(hit)
                    if len(hits) >= limit:
                        return hits
    return hits


def _candidates(
    table: ItemTable, query: Query, search_filter: SearchFilter
) -> Iterator[tuple[int, Any, Any, Any]]:
    patterns = query.like_patterns()
    after = 0
    while True:
        if isinstance(table, NarrowingTable):
            rows = table.rows_like(patterns, search_filter.session_id, after, BATCH_ROWS)
        else:
            rows = table.rows_after(after, BATCH_ROWS)
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def _confirmed(
    key: Path,
    table: str,
    row: tuple[int, Any, Any, Any],
    query: Query,
    search_filter: SearchFilter,
    *,
    within: TimeRange,
) -> SearchHit | None:
    row_id, session_id, created, raw = row
    if search_filter.session_id is not None and session_id != search_filter.session_id:
        return None
    if within is not None and not _in_time(created, within):
        return None
    facts = item_facts(as_text(raw))
    if not (search_filter.accepts(facts.kind, facts.tool) and query.matches(facts.text)):
        return None
    return SearchHit(
        key,
        table,
        str(session_id),
        row_id,
        parse_timestamp(created),
        facts.kind,
        facts.tool,
        snippet(facts.text, query),
    )


def _time_range(search_filter: SearchFilter) -> TimeRange:
    """The filter's [since, until) as stored times compare (None: no time asked for)."""
    if search_filter.since is None and search_filter.until is None:
        return None
    since, until = search_filter.since, search_filter.until
    return (sql_time(since) if since else None, sql_time(until) if until else None)


def _in_time(created: Any, within: tuple[str | None, str | None]) -> bool:
    """Within the range; an item with no time of its own (Redis keeps none) is in no
    range, so a search limited in time leaves it out."""
    since, until = within
    if not isinstance(created, str):
        return False
    return (since is None or created >= since) and (until is None or created < until)
