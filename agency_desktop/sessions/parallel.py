"""Read many stores in worker processes.

Scanning is mostly Python work per file; done in a thread it holds the GIL that
the GUI thread needs for every call into a Python model, and it can use only one
core. Worker processes (spawned, so they never inherit Qt's threads) avoid both.
Small batches are read in the calling thread: starting a process costs more.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from .listing import Signature, StoreScan, file_signature, scan_store

INLINE_LIMIT = 48  # fewer files than this are read without the pool
# Files per task: small at first, so the first results show at once, then larger,
# so a big folder does not pay a round trip per handful of files.
CHUNKS = (4, 8, 16, 32, 64)

# Reading for the user (listing, searching) and building the search index in the
# background get pools of their own, so a search never queues behind index steps.
READ_POOL = "read"
BACKGROUND_POOL = "background"
_pools: dict[str, ProcessPoolExecutor] = {}
_pool_lock = threading.Lock()


def _scan_chunk(paths: list[str]) -> list[tuple[StoreScan, Signature | None]]:
    """Each file's scan with its signature, taken just before it is read (so a change
    during the read still shows as a change next time)."""
    scanned = []
    for name in paths:
        path = Path(name)
        signature = file_signature(path)
        scanned.append((scan_store(path), signature))
    return scanned


def _lower_priority() -> None:
    """Workers yield the CPU to the app's GUI thread: on two cores, three busy processes
    would otherwise leave the event loop waiting for a turn."""
    if hasattr(os, "nice"):
        os.nice(10)


def may_start_workers() -> bool:
    """False inside a worker process: a pool of its own there would multiply the processes."""
    return multiprocessing.parent_process() is None


def worker_count() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _executor(name: str = READ_POOL) -> ProcessPoolExecutor:
    """The named pool of this process, started on first use."""
    with _pool_lock:
        pool = _pools.get(name)
        if pool is None:
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
    source = iter(paths)
    head = list(itertools.islice(source, INLINE_LIMIT))
    if len(head) < INLINE_LIMIT:
        yield from _scan_chunk([str(path) for path in head])
        return
    futures: list[Future[list[tuple[StoreScan, Signature | None]]]] = []
    try:
        for chunk in _chunks(itertools.chain(head, source)):
            futures.append(submit(_scan_chunk, chunk))
            for future in [f for f in futures if f.done()]:
                futures.remove(future)
                yield from future.result()
        for scanned in results_as_completed(futures):
            yield from scanned
    finally:
        for future in futures:
            future.cancel()  # the consumer stopped early (a cancelled scan)


def _chunks(paths: Iterator[Path]) -> Iterator[list[str]]:
    sizes = itertools.chain(CHUNKS, itertools.repeat(CHUNKS[-1]))
    while chunk := [str(path) for path in itertools.islice(paths, next(sizes))]:
        yield chunk


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
