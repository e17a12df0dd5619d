"""Run core functions off the GUI thread, with signals back to it.

Shaped after superqt's thread worker: a QRunnable whose QObject carries
started/progress/returned/errored/finished, and a cancel token the core checks.
Generator functions stream their results in batches (as Spyder's search does),
so a scan of ten thousand files does not flood the event loop.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..util.logs import describe_exception, log
from ..util.progress import CancelToken, OperationCancelled
from .gil import worker_running
from .lifetime import stop_when_destroyed

BATCH_INTERVAL_S = 0.05
WORKER_NICENESS = 10
BATCH_MAX = 512
# The first batch goes sooner and smaller: what shows first is what makes a window feel fast.
FIRST_BATCH_INTERVAL_S = 0.01
FIRST_BATCH_MAX = 100
FIRST_BATCH_PAUSE_S = 0.005


def yield_to_gui_thread() -> None:
    """Lower this worker thread's scheduling priority (Linux: nice is per thread).

    On a two-core machine a busy worker and the GUI thread compete for a core; the
    event loop should win, so painting never waits behind a backup or a scan.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            if os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < WORKER_NICENESS:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)


class WorkerSignals(QObject):
    started = Signal()
    progress = Signal(int, int, str)
    yielded = Signal(list)  # a batch of items from a generator function
    returned = Signal(object)
    errored = Signal(object)  # the exception; its traceback text is in .worker_traceback
    cancelled = Signal()
    finished = Signal()
    _progress_waiting = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._latest: tuple[int, int, str] | None = None
        # Queued: emitted from the worker's thread, delivered on this object's (the GUI's).
        self._progress_waiting.connect(self._deliver_progress)

    def post_progress(self, done: int, total: int, message: str) -> None:
        """From the worker: a report replaces one not yet delivered, so however fast an
        operation reports (a folder backup: every store), one event at a time waits in
        the GUI's queue, and it carries the latest report."""
        with self._lock:
            waiting = self._latest is not None
            self._latest = (done, total, message)
        if not waiting:
            self._progress_waiting.emit()

    def _deliver_progress(self) -> None:
        with self._lock:
            latest, self._latest = self._latest, None
        if latest is not None:
            self.progress.emit(*latest)


class Worker(QRunnable):
    """Runs `fn(*args, **kwargs)` in a thread pool.

    With `controls=True` the function also receives `progress=` and `cancel=`
    keyword arguments, the convention of every operation in `agency_desktop.ops`.
    """

    def __init__(
        self, fn: Callable[..., Any], *args: Any, controls: bool = False, **kwargs: Any
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the pool must not delete us while Python holds a reference
        self.signals = WorkerSignals()
        self.cancel_token = CancelToken()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        if controls:
            self._kwargs.update(progress=self._progress, cancel=self.cancel_token)

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def is_cancelled(self) -> bool:
        return self.cancel_token.cancelled

    def _progress(self, done: int, total: int, message: str) -> None:
        self.signals.post_progress(done, total, message)

    def run(self) -> None:
        yield_to_gui_thread()
        with worker_running():
            self._run()

    def _run(self) -> None:
        signals = self.signals
        signals.started.emit()
        try:
            result = self._fn(*self._args, **self._kwargs)
            if inspect.isgenerator(result):
                result = self._drain(result)
        except OperationCancelled:
            signals.cancelled.emit()
        except Exception as exc:  # reported to the GUI, never lost in a thread
            exc.worker_traceback = traceback.format_exc()  # type: ignore[attr-defined]
            name = getattr(self._fn, "__qualname__", repr(self._fn))
            log.warning(
                "%s failed\n%s", name, describe_exception(type(exc), exc, exc.__traceback__)
            )
            signals.errored.emit(exc)
        else:
            if self.is_cancelled:
                signals.cancelled.emit()
            else:
                signals.returned.emit(result)
        finally:
            signals.finished.emit()

    def _drain(self, generator: Any) -> Any:
        batch: list[Any] = []
        last = time.monotonic()
        sent = 0
        interval = FIRST_BATCH_INTERVAL_S
        try:
            for item in generator:
                batch.append(item)
                now = time.monotonic()
                # The FIRST_BATCH_MAX-th item goes out as soon as it comes: a screenful
                # waits for no batch interval.
                most = FIRST_BATCH_MAX - sent if sent < FIRST_BATCH_MAX else BATCH_MAX
                if len(batch) >= most or now - last >= interval:
                    self.signals.yielded.emit(batch)
                    if not sent:
                        # Let the GUI thread take the GIL for the first rows at once, not
                        # after this thread's switch interval (5 ms) of producing more.
                        time.sleep(FIRST_BATCH_PAUSE_S)
                    sent += len(batch)
                    batch, last, interval = [], now, BATCH_INTERVAL_S
                if self.is_cancelled:
                    generator.close()
                    return None
        finally:
            if batch:
                self.signals.yielded.emit(batch)
        return None


class WorkerPool(QObject):
    """Keeps every running worker referenced until it finishes, and can stop them all:
    on shutdown(), or as it is destroyed (its threads would otherwise run on, reporting
    to objects that are gone)."""

    def __init__(self, parent: QObject | None = None, max_threads: int | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        if max_threads:
            self._pool.setMaxThreadCount(max_threads)
        self._running: set[Worker] = set()
        self._closed = False
        stop_when_destroyed(self, functools.partial(_stop_for_good, self._pool, self._running))

    def start(self, worker: Worker) -> Worker:
        """Runs `worker`; after shutdown() it is cancelled instead and never runs.

        A timer or a queued signal of a pane can still fire between the window's
        shutdown and its destruction: what it starts then would outlive the window.
        """
        if self._closed:
            worker.cancel()
            return worker
        self._running.add(worker)
        worker.signals.finished.connect(lambda: self._running.discard(worker))
        self._pool.start(worker)
        return worker

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker:
        return self.start(Worker(fn, *args, **kwargs))

    @property
    def active(self) -> int:
        """Threads still running a worker (queued finished signals aside)."""
        return int(self._pool.activeThreadCount())

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait; True when every thread has stopped. Final."""
        self._closed = True
        return _stop_all(self._pool, self._running, timeout_ms)


def _stop_all(pool: QThreadPool, running: set[Worker], timeout_ms: int) -> bool:
    for worker in list(running):
        worker.cancel()
    return bool(pool.waitForDone(timeout_ms))


def _stop_for_good(pool: QThreadPool, running: set[Worker]) -> None:
    """The pool is being destroyed: stop its workers, and drop what they sent that is
    still queued (deleting a sender drops its queued calls), so none of it reaches
    objects that are being destroyed with the pool."""
    _stop_all(pool, running, -1)
    for worker in running:
        shiboken6.delete(worker.signals)
    running.clear()
