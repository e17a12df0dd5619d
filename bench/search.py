"""F3 cases: full-text search over a 1 GB folder, by reading the files and with the index.

The baseline is what a one-off script does: every file in turn, one `instr()` scan
of every stored item for the word. Ours answers the same question the app's way
(every word must begin a word of the item's readable text), with the files read by
both cores; and, once the app's own FTS5 index holds the folder, from the index.
The word is a customer's surname that about one item in 20,000 holds, so the
results are neither empty nor a flood.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from agency_desktop.search.folder import search_files, update_index
from agency_desktop.search.index import SearchIndex
from agency_desktop.search.text import Query
from agency_desktop.stores import parallel

from .cases import Target, TimedCase
from .fixtures import FIXTURES_DIR, SURNAMES

SEARCH_WORD = SURNAMES[123]
COMMON_WORD = "weather"  # in about one item in four
FIRST_PAGE = 200


def _store_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.db"))


def raw_instr_scan(paths: list[Path], word: str) -> int:
    found = 0
    for path in paths:
        conn = sqlite3.connect(path)
        try:
            query = "SELECT id FROM agent_messages WHERE instr(message_data, ?) > 0"
            found += len(conn.execute(query, (word,)).fetchall())
        finally:
            conn.close()
    return found


def _first_result(paths: list[Path], word: str) -> object:
    results = search_files(paths, Query.parse(word))
    try:
        return next(results)
    finally:
        results.close()  # the consumer stops: the scans still queued are cancelled


def _all_results(paths: list[Path], word: str, index: SearchIndex | None = None) -> int:
    return sum(1 for _ in search_files(paths, Query.parse(word), index=index))


def _first_page(paths: list[Path], word: str, index: SearchIndex) -> int:
    results = search_files(paths, Query.parse(word), index=index)
    try:
        return sum(1 for _, _ in zip(range(FIRST_PAGE), results, strict=False))
    finally:
        results.close()


def ready_index(folder: Path) -> SearchIndex:
    """The app's index of F3, built once (in the background pool, as the app does) and kept."""
    index = SearchIndex(FIXTURES_DIR / f"{folder.parent.name}-index" / "search-index.sqlite3")
    paths = _store_files(folder)
    stale = index.freshness(paths).stale(paths)
    if stale:
        started = time.monotonic()
        update_index(index, paths)
        minutes = (time.monotonic() - started) / 60
        print(
            f"  built the F3 search index: {len(stale)} files in {minutes:.1f} min", file=sys.stderr
        )
    return index


def search_cases(folder: Path) -> list[TimedCase]:
    paths = _store_files(folder)
    index = ready_index(folder)
    parallel.warm_up()  # a running app has its reading processes started already
    baseline = lambda: raw_instr_scan(paths, SEARCH_WORD)  # noqa: E731
    return [
        TimedCase(
            "F3 search, first result (no index)",
            lambda: _first_result(paths, SEARCH_WORD),
            baseline,
            Target(200, "ms"),
        ),
        TimedCase(
            "F3 search, all results (no index)",
            lambda: _all_results(paths, SEARCH_WORD),
            baseline,
            Target(1.0, "x"),
        ),
        TimedCase(
            "F3 search with the index, all results",
            lambda: _all_results(paths, SEARCH_WORD, index),
            baseline,
            Target(50, "ms"),
        ),
        TimedCase(
            f"F3 search with the index, common word, first {FIRST_PAGE}",
            lambda: _first_page(paths, COMMON_WORD, index),
            lambda: raw_instr_scan(paths, COMMON_WORD),
            Target(50, "ms"),
        ),
    ]
