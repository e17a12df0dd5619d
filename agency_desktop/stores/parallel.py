"""Read many stores in worker processes.

Scanning is mostly Python work per file; done in a thread it holds the GIL that
the GUI thread needs for every call into a Python model, and it can use only one
core. Worker processes (worker_processes.py) avoid both. Small batches are read in
the calling thread: starting a process costs more. Where worker processes are off
or cannot start, everything is read in the calling thread, with the same results.
"""

from __future__ import annotations

import collections
import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, as_completed, wait
from pathlib import Path
from typing import Any

from ..util import worker_processes
from .listing import StoreScan, scan_store
from .signatures import Signature, file_signature, is_settled, signature_size

# The first files are read here as they are listed: they show before a worker process
# could even start (and starting them would slow these down on two cores), and a folder
# of fewer files than this starts none.
INLINE_LIMIT = 120
# Files per task: small at first, so the first results show at once, then larger,
# so a big folder does not pay a round trip per handful of files.
CHUNKS = (8, 8, 16, 16, 32, 32, 64)
IN_FLIGHT_PER_WORKER = 3  # chunks queued per worker: enough that none waits for the next

# Reading for the user (listing, searching) and building the search index in the
# background get pools of their own, so a search never queues behind index steps.
READ_POOL = worker_processes.READ_POOL
BACKGROUND_POOL = worker_processes.BACKGROUND_POOL
worker_count = worker_processes.worker_count
shutdown = worker_processes.shutdown

Scanned = tuple[StoreScan, Signature | None, bool]  # the scan, its signature, settled then


def _scan_chunk(paths: list[str]) -> list[Scanned]:
    """Each file's scan with its signature, taken just before it is read (so a change
    during the read still shows as a change next time), and whether the files had been
    still long enough then for a cache to trust that signature (signatures.is_settled)."""
    scanned = []
    for name in paths:
        signature = file_signature(name)  # the string: a Path's first use parses it
        settled = signature is not None and is_settled(signature)
        size = None if signature is None else signature_size(signature)
        scanned.append((scan_store(Path(name), size), signature, settled))
    return scanned


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
    enough that no worker waits for its next chunk. Files are read here, one by one as
    they come, until the folder proves big (INLINE_LIMIT paths) and the workers are up:
    the first results never wait for processes to start.
    """

    def __init__(self) -> None:
        self._seen = 0
        self._starting: list[Future[Any]] | None = None  # the workers' first (empty) tasks
        self._pooled = False
        self._chunk: list[str] = []
        self._sizes = itertools.chain(CHUNKS, itertools.repeat(CHUNKS[-1]))
        self._size = next(self._sizes)
        self._running: set[Future[list[Scanned]]] = set()
        self._in_flight = IN_FLIGHT_PER_WORKER * worker_count()

    def add(self, path: Path) -> Iterator[Scanned]:
        """Queue one path; yields whatever scans have finished meanwhile."""
        self._seen += 1
        if self._seen == INLINE_LIMIT and worker_processes.enabled():
            self._starting = start_workers()
        if self._use_pool():
            yield from self._queue(path)
        else:
            yield from _scan_chunk([str(path)])

    def finish(self) -> Iterator[Scanned]:
        """Every scan still to come."""
        if self._chunk:
            self._running.add(submit(_scan_chunk, self._chunk))
            self._chunk = []
        while self._running:
            yield from self._collect(block=True)

    def cancel(self) -> None:
        for future in self._running:
            future.cancel()
        self._running.clear()

    def _use_pool(self) -> bool:
        if not self._pooled and self._starting is not None:
            self._pooled = all(future.done() for future in self._starting)
        return self._pooled

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
            yield from outcome(future)


# What each pooled call was and where it went, to run it here should its worker be lost.
_calls: weakref.WeakKeyDictionary[Future[Any], tuple[str, Callable[..., Any], tuple[Any, ...]]]
_calls = weakref.WeakKeyDictionary()


def submit[T](fn: Callable[..., T], *args: Any, pool: str = READ_POOL) -> Future[T]:
    """Run a module-level function in a worker process of the named pool.

    Where no worker process may or can be started, it runs here and now instead, and
    the future is already done: callers read results with `outcome`.
    """
    if worker_processes.enabled():
        try:
            future = worker_processes.executor(pool).submit(fn, *args)
        except (OSError, BrokenExecutor, RuntimeError) as exc:
            # No processes here (a sandbox, no /dev/shm, an interpreter shutting down).
            worker_processes.give_up(exc, pool)
        else:
            _calls[future] = (pool, fn, args)
            return future
    return _done(fn, *args)


def _done[T](fn: Callable[..., T], *args: Any) -> Future[T]:
    future: Future[T] = Future()
    try:
        future.set_result(fn(*args))
    except Exception as exc:  # the caller meets it in outcome(), as from a worker
        future.set_exception(exc)
    return future


def outcome[T](future: Future[T]) -> T:
    """A submitted call's result; worked out here if its worker process was lost."""
    try:
        return future.result()
    except BrokenExecutor as exc:
        pool, fn, args = _calls.pop(future)
        worker_processes.give_up(exc, pool)
        return fn(*args)  # type: ignore[no-any-return]


def results_as_completed[T](futures: list[Future[T]]) -> Iterator[T]:
    """Each future's result as it finishes; the rest are cancelled if the consumer stops."""
    try:
        for future in as_completed(futures):
            yield outcome(future)
    finally:
        for future in futures:
            future.cancel()


def start_workers() -> list[Future[Any]]:
    """Start the reading processes without waiting: the futures are done once the pool
    answers (a worker is up; on two cores the other is a moment behind)."""
    return [submit(_scan_chunk, []) for _ in range(worker_count())]


def warm_up() -> None:
    """Start the worker processes ahead of the first big scan and wait until they are up."""
    for future in start_workers():
        outcome(future)


def map_ordered[T, R](
    fn: Callable[..., list[R]],
    chunks: Iterable[list[T]],
    *args: Any,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[list[R]]:
    """`fn(chunk, *args)` for each chunk in the worker processes, results in the order given.

    A few chunks per worker are in flight, so memory stays bounded. Once `stop()` says so
    no chunk is handed out: chunks not started are dropped, and those already running
    are waited for and yielded (a chunk that changed files must be accounted for).
    """
    running: collections.deque[Future[list[R]]] = collections.deque()
    limit = IN_FLIGHT_PER_WORKER * worker_count()
    try:
        for chunk in chunks:
            if stop():
                break
            running.append(submit(fn, chunk, *args))
            if len(running) >= limit:
                yield outcome(running.popleft())
        while running:
            future = running.popleft()
            if not (stop() and future.cancel()):
                yield outcome(future)
    finally:
        for future in running:  # the consumer stopped early: what never started, never will
            future.cancel()


def chunked[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
