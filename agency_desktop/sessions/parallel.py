"""Read many stores in worker processes.

Scanning is mostly Python work per file; done in a thread it holds the GIL that
the GUI thread needs for every call into a Python model, and it can use only one
core. Worker processes (spawned, so they never inherit Qt's threads) avoid both.
Small batches are read in the calling thread: starting a process costs more.
"""

from __future__ import annotations

import atexit
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, as_completed, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .listing import Signature, StoreScan, file_signature, is_settled, scan_store

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

# multiprocessing and concurrent.futures.process are imported when the first pool starts:
# together they cost ~20 ms, and the app's start-up and small folders need neither.

INLINE_LIMIT = 48  # fewer files than this are read without the pool
# Files per task: small at first, so the first results show at once, then larger,
# so a big folder does not pay a round trip per handful of files.
CHUNKS = (8, 8, 16, 16, 32, 32, 64)
IN_FLIGHT_PER_WORKER = 3  # chunks queued per worker: enough that none waits for the next

# Reading for the user (listing, searching) and building the search index in the
# background get pools of their own, so a search never queues behind index steps.
READ_POOL = "read"
BACKGROUND_POOL = "background"
_pools: dict[str, ProcessPoolExecutor] = {}
_pool_lock = threading.Lock()

Scanned = tuple[StoreScan, Signature | None, bool]  # the scan, its signature, settled then


def _scan_chunk(paths: list[str]) -> list[Scanned]:
    """Each file's scan with its signature, taken just before it is read (so a change
    during the read still shows as a change next time), and whether the files had been
    still long enough then for a cache to trust that signature (listing.is_settled)."""
    scanned = []
    for name in paths:
        path = Path(name)
        signature = file_signature(path)
        settled = signature is not None and is_settled(signature)
        scanned.append((scan_store(path), signature, settled))
    return scanned


def _lower_priority() -> None:
    """Workers yield the CPU to the app's GUI thread: on two cores, three busy processes
    would otherwise leave the event loop waiting for a turn."""
    if hasattr(os, "nice"):
        os.nice(10)


def may_start_workers() -> bool:
    """False inside a worker process: a pool of its own there would multiply the processes."""
    mp = sys.modules.get("multiprocessing")
    return mp is None or mp.parent_process() is None  # a worker has imported it


def worker_count() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _executor(name: str = READ_POOL) -> ProcessPoolExecutor:
    """The named pool of this process, started on first use."""
    with _pool_lock:
        pool = _pools.get(name)
        if pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(
                max_workers=worker_count(), mp_context=context, initializer=_lower_priority
            )
            if not _pools:
                atexit.register(shutdown)
            _pools[name] = pool
        return pool


def shutdown() -> None:
    with _pool_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


def scan_stores(paths: Iterable[Path]) -> Iterator[tuple[StoreScan, Signature | None]]:
    """Every path's scan and signature, in the order they finish (not the order given).

    Paths are handed to the worker processes as they come, so the first results
    arrive while a big folder is still being listed.
    """
    queue = ScanQueue()
    try:
        for path in paths:
            for scan, signature, _settled in queue.add(path):
                yield scan, signature
        for scan, signature, _settled in queue.finish():
            yield scan, signature
    finally:
        queue.cancel()  # the consumer stopped early (a cancelled scan)


class ScanQueue:
    """Paths in, scans out: chunks go to the worker processes, a few per worker at a time.

    Few enough in flight that a consumer who stops early leaves little work behind,
    enough that no worker waits for its next chunk. Until INLINE_LIMIT paths have come
    they are only held: so few are read in this process, with no worker to start.
    """

    def __init__(self) -> None:
        self._head: list[Path] | None = []
        self._chunk: list[str] = []
        self._sizes = itertools.chain(CHUNKS, itertools.repeat(CHUNKS[-1]))
        self._size = next(self._sizes)
        self._running: set[Future[list[Scanned]]] = set()
        self._in_flight = IN_FLIGHT_PER_WORKER * worker_count()

    def add(self, path: Path) -> Iterator[Scanned]:
        """Queue one path; yields whatever scans have finished meanwhile."""
        if self._head is None:
            yield from self._queue(path)
            return
        self._head.append(path)
        if len(self._head) >= INLINE_LIMIT:
            head, self._head = self._head, None
            for held in head:
                yield from self._queue(held)

    def finish(self) -> Iterator[Scanned]:
        """Every scan still to come."""
        if self._head is not None:
            head, self._head = self._head, []
            yield from _scan_chunk([str(path) for path in head])
            return
        if self._chunk:
            self._running.add(submit(_scan_chunk, self._chunk))
            self._chunk = []
        while self._running:
            yield from self._collect(block=True)

    def cancel(self) -> None:
        for future in self._running:
            future.cancel()
        self._running.clear()

    def _queue(self, path: Path) -> Iterator[Scanned]:
        self._chunk.append(str(path))
        if len(self._chunk) < self._size:
            return
        self._running.add(submit(_scan_chunk, self._chunk))
        self._chunk, self._size = [], next(self._sizes)
        yield from self._collect(block=len(self._running) >= self._in_flight)

    def _collect(self, *, block: bool) -> Iterator[Scanned]:
        if block:
            finished, self._running = wait(self._running, return_when=FIRST_COMPLETED)
        else:
            finished = {future for future in self._running if future.done()}
            self._running -= finished
        for future in finished:
            yield from future.result()


def submit[T](fn: Callable[..., T], *args: Any, pool: str = READ_POOL) -> Future[T]:
    """Run a module-level function in a worker process of the named pool."""
    return _executor(pool).submit(fn, *args)


def results_as_completed[T](futures: list[Future[T]]) -> Iterator[T]:
    """Each future's result as it finishes; the rest are cancelled if the consumer stops."""
    try:
        for future in as_completed(futures):
            yield future.result()
    finally:
        for future in futures:
            future.cancel()


def warm_up() -> None:
    """Start the worker processes ahead of the first big scan (they take a moment to spawn)."""
    pool = _executor()
    for future in [pool.submit(_scan_chunk, []) for _ in range(worker_count())]:
        future.result()
