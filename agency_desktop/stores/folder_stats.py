"""The stats of every store in a folder, counted in the worker processes.

Counting 10,000 small stores one after another in the app's process took minutes
there (its GIL shared with the window) and used one core. Chunks of stores go to the
worker processes that list folders, a few in flight per worker; each sends back one
merged part, and cancelling stops at the next chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

from ..util.progress import CancelToken, ProgressCallback, Reporter
from .errors import StoreError
from .parallel import IN_FLIGHT_PER_WORKER, outcome, submit, worker_count
from .readonly import read_briefly
from .stats import SessionStats, merge_stats, stats_on

CHUNK = 100  # stores per task: a round trip costs about what reading one store does


def store_stats(path: Path) -> SessionStats | None:
    """One store's stats; None when it cannot be read (it is a problem row already)."""
    try:
        return read_briefly(path, lambda conn: stats_on(conn, path))
    except StoreError:
        return None


def chunk_stats(paths: list[str]) -> SessionStats | None:
    """Runs in a worker process: the merged stats of the readable stores of `paths`."""
    parts = [part for name in paths if (part := store_stats(Path(name))) is not None]
    return merge_stats(parts, Path()) if parts else None


def folder_stats(
    folder: Path,
    paths: list[Path],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SessionStats:
    """Every readable store of `paths`, added up; progress counts stores."""
    report = Reporter(progress, cancel)
    parts: list[SessionStats] = []
    done = 0
    report(0, len(paths))
    for size, part in _counted_chunks(paths, report):
        done += size
        if part is not None:
            parts.append(part)
        report(done, len(paths))
    return merge_stats(parts, folder)


def _counted_chunks(
    paths: list[Path], report: Reporter
) -> Iterator[tuple[int, SessionStats | None]]:
    chunks = [[str(p) for p in paths[i : i + CHUNK]] for i in range(0, len(paths), CHUNK)]
    in_flight: dict[Future[SessionStats | None], int] = {}
    most = IN_FLIGHT_PER_WORKER * worker_count()
    try:
        while chunks or in_flight:
            while chunks and len(in_flight) < most:
                chunk = chunks.pop(0)
                in_flight[submit(chunk_stats, chunk)] = len(chunk)
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                yield in_flight.pop(future), outcome(future)
            report.check()
    finally:
        for future in in_flight:
            future.cancel()
