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

from ..sessions.errors import ProblemKind, StoreError
from ..sessions.readonly import reading
from ..sessions.schema import TablePair, discover_layout
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


def scan_file(path: Path, query: Query, search_filter: SearchFilter) -> FileResult:
    """Every match in one store, or why the store could not be searched."""
    try:
        return list(_scan(path, query, search_filter))
    except StoreError as exc:
        return UnsearchableFile(path, str(exc))


def _scan(path: Path, query: Query, search_filter: SearchFilter) -> Iterator[SearchHit]:
    with reading(path) as conn:
        layout = discover_layout(conn)
        if not layout.is_store:
            raise StoreError(path, ProblemKind.NOT_A_STORE)
        for pair in layout.pairs:
            sql, params = candidate_sql(pair, query, search_filter)
            for session_id, row_id, created, raw in conn.execute(sql, params):
                facts = item_facts(as_text(raw))
                if search_filter.accepts(facts.kind, facts.tool) and query.matches(facts.text):
                    row = (session_id, row_id, created, facts.kind, facts.tool)
                    yield SearchHit.from_row(
                        path, pair.messages_table, (*row, snippet(facts.text, query))
                    )
