"""Search many stores at once, and keep the index up to date with them.

`search_files` answers from the index for the files it holds as they are now and
scans the others in worker processes, yielding results as each file finishes (the
index's answers first, as they take milliseconds). `update_index` brings the index
up to date with a list of files, in steps spread over the same worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

from ..stores import parallel
from ..util import worker_processes
from ..util.progress import CancelToken, ProgressCallback
from .index import STEP_ROWS, SearchIndex
from .records import MAX_HITS, SearchFilter, SearchHit, UnsearchableFile
from .scan import FileResult, expand, scan_file, scan_file_compact
from .text import Query

# Stale files adding up to less than this are scanned in the calling thread: handing
# them to worker processes (and starting those) would cost more than reading them.
INLINE_BYTES = 16 * 1024 * 1024

SearchResult = SearchHit | UnsearchableFile


def search_files(
    paths: list[Path],
    query: Query,
    search_filter: SearchFilter | None = None,
    index: SearchIndex | None = None,
    limit: int = MAX_HITS,
) -> Iterator[SearchResult]:
    """Every match in `paths` (at most `limit`), and every file that could not be searched."""
    if query.empty:
        return
    search_filter = search_filter or SearchFilter()
    stale = paths
    if index is not None:
        freshness = index.freshness(paths)
        yield from freshness.problems
        for hits in index.search(query, search_filter, freshness.fresh.values(), limit):
            yield from hits
            limit -= len(hits)
        stale = freshness.stale(paths)
    for result in _scan_files(stale, query, search_filter):
        if isinstance(result, UnsearchableFile):
            yield result
            continue
        yield from result[: max(limit, 0)]
        limit -= len(result)
        if limit <= 0:
            return


def _scan_files(
    paths: list[Path], query: Query, search_filter: SearchFilter
) -> Iterator[FileResult]:
    if not worker_processes.enabled() or sum(_size(path) for path in paths) < INLINE_BYTES:
        for path in paths:
            yield scan_file(path, query, search_filter)
        return
    futures = [
        parallel.submit(scan_file_compact, str(path), query, search_filter) for path in paths
    ]
    for compact in parallel.results_as_completed(futures):
        yield expand(compact)


def _update_step(index_path: Path, path: Path, budget: int) -> tuple[Path, bool]:
    return path, SearchIndex(index_path).update_step(path, budget)


def update_index(
    index: SearchIndex,
    paths: list[Path],
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    budget: int = STEP_ROWS,
) -> int:
    """Bring the index up to date with `paths`; returns how many files were brought up to date.

    Stops between steps when cancelled (without raising): what was indexed is kept.
    """
    index.create()
    stale = index.freshness(paths).stale(paths)
    total, done = len(stale), 0
    if progress is not None:
        progress(0, total, "")
    waiting = list(reversed(stale))
    running: set[Future[tuple[Path, bool]]] = set()
    while (waiting or running) and not (cancel is not None and cancel.cancelled):
        while waiting and len(running) < parallel.worker_count():
            step = (_update_step, index.path, waiting.pop(), budget)
            running.add(parallel.submit(*step, pool=parallel.BACKGROUND_POOL))
        finished, running = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            path, complete = parallel.outcome(future)
            if not complete:
                waiting.append(path)  # its next step: lets other files (and a cancel) in
                continue
            done += 1
            if progress is not None:
                progress(done, total, path.name)
    for future in running:
        future.cancel()
    wait(running)  # steps already under way finish (their rows are kept) before we return
    return done


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
