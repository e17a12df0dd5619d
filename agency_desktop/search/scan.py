"""Search a store by reading it: SQL LIKE narrows the rows, Python confirms each match.

This is what answers for files the index does not hold (yet): LIKE over the stored
JSON finds every row that could match, then each candidate is decoded and its
readable text tested the way the index would test it, so JSON keys, call ids and
escapes never count as matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..stores.errors import ProblemKind, StoreError
from ..stores.readonly import reading
from ..stores.schema import TablePair, discover_layout
from .records import SearchFilter, SearchHit, UnsearchableFile
from .text import Query, as_text, item_facts, snippet

FileResult = list[SearchHit] | UnsearchableFile


def candidate_sql(
    pair: TablePair, query: Query, search_filter: SearchFilter
) -> tuple[str, list[Any]]:
    """Rows that may match; every value (terms, times, session) is a bound parameter."""
    clauses: list[str] = []
    params: list[Any] = []
    for patterns in query.like_patterns():
        clauses.append("(" + " OR ".join("message_data LIKE ? ESCAPE '\\'" for _ in patterns) + ")")
        params += patterns
    time_where, time_params = search_filter.time_sql("created_at")
    sql = (
        f"SELECT session_id, id, created_at, message_data FROM {pair.q_messages}"
        f" WHERE {' AND '.join(clauses)}{time_where}"
    )
    params += time_params
    if search_filter.session_id is not None:
        sql += " AND session_id = ?"
        params.append(search_filter.session_id)
    return sql + " ORDER BY id", params


# One match as plain values: (messages table, session id, row id, created_at as stored,
# kind, tool, snippet). A worker process sends these back: a file's thousands of
# matches as SearchHit objects took four times as long to unpickle, and that happens
# in one call in the parent, holding the GIL the GUI thread needs to paint.
Match = tuple[str, str, int, Any, str, str | None, str]
CompactResult = tuple[str, list[Match]] | UnsearchableFile


def scan_file(path: Path, query: Query, search_filter: SearchFilter) -> FileResult:
    """Every match in one store, or why the store could not be searched."""
    return expand(scan_file_compact(str(path), query, search_filter))


def scan_file_compact(path: str, query: Query, search_filter: SearchFilter) -> CompactResult:
    """scan_file's answer as plain values, for a worker process to send back."""
    try:
        return path, list(_scan(Path(path), query, search_filter))
    except StoreError as exc:
        return UnsearchableFile(Path(path), str(exc))


def expand(result: CompactResult) -> FileResult:
    if isinstance(result, UnsearchableFile):
        return result
    path, matches = result
    where = Path(path)
    return [SearchHit.from_row(where, match[0], match[1:]) for match in matches]


def _scan(path: Path, query: Query, search_filter: SearchFilter) -> Iterator[Match]:
    with reading(path) as conn:
        layout = discover_layout(conn)
        if not layout.is_store:
            raise StoreError(path, ProblemKind.NOT_A_STORE)
        for pair in layout.pairs:
            sql, params = candidate_sql(pair, query, search_filter)
            for session_id, row_id, created, raw in conn.execute(sql, params):
                facts = item_facts(as_text(raw))
                if search_filter.accepts(facts.kind, facts.tool) and query.matches(facts.text):
                    found = snippet(facts.text, query)
                    yield (
                        pair.messages_table,
                        session_id,
                        row_id,
                        created,
                        str(facts.kind),
                        facts.tool,
                        found,
                    )
