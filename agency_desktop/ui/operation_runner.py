"""Runs one data-changing operation at a time in a worker, with progress and Cancel.

The operation is any function of `agency_desktop.ops` (they all take `progress=`
and `cancel=`); its result is turned into a one-line summary for the notice bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ..util.logs import log
from .widgets.progress_strip import ProgressStrip
from .workers import Worker, WorkerPool

Summary = Callable[[Any], str]


class OperationRunner(QObject):
    started = Signal(str)
    succeeded = Signal(str, object)  # summary, result
    failed = Signal(str)
    cancelled = Signal(str)
    finished = Signal()

    def __init__(
        self, workers: WorkerPool, strip: ProgressStrip, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self._strip = strip
        self._worker: Worker | None = None
        self._summary: Summary = str
        self._title = ""
        self._outcome: tuple[Any, tuple[Any, ...]] | None = None
        self._spent: tuple[Any, ...] | None = None  # the last outcome, until freed
        strip.cancelRequested.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def run(
        self, title: str, fn: Callable[..., Any], *args: Any, summary: Summary = str, **kwargs: Any
    ) -> bool:
        """Start `fn(*args, progress=..., cancel=..., **kwargs)`; False if one is already running."""
        if self._worker is not None:
            return False
        worker = Worker(fn, *args, controls=True, **kwargs)
        self._worker, self._summary, self._title = worker, summary, title
        worker.signals.progress.connect(self._strip.update_progress)
        worker.signals.returned.connect(self._on_returned)
        worker.signals.errored.connect(self._on_errored)
        worker.signals.cancelled.connect(self._on_cancelled)
        worker.signals.finished.connect(self._on_finished)
        self._strip.start(title)
        log.info("%s: started", title)
        self.started.emit(title)
        self._workers.start(worker)
        return True

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    # The outcome is announced from `finished`, once the runner is free again, so a
    # listener may start the next operation straight from the success signal.

    def _on_returned(self, result: Any) -> None:
        try:
            text = self._summary(result)
        except Exception as exc:  # a summary bug must not hide that the work succeeded
            text = f"{self._title}: done ({exc})"
        log.info("%s: done", self._title)
        self._outcome = (self.succeeded, (text, result))

    def _on_errored(self, error: Exception) -> None:
        self._outcome = (self.failed, (f"{self._title} failed: {error}",))

    def _on_cancelled(self) -> None:
        log.info("%s: cancelled", self._title)
        message = f"{self._title} cancelled; anything not finished was left as it was."
        self._outcome = (self.cancelled, (message,))

    def _on_finished(self) -> None:
        self._worker = None
        self._strip.finish()
        outcome, self._outcome = self._outcome, None
        if outcome is not None:
            signal, args = outcome
            signal.emit(*args)
            # Freed in a later turn of the event loop, not in this one: freeing a folder
            # backup's 10,000 results takes 12 ms of its own.
            self._spent = args
            QTimer.singleShot(0, self, self._forget_spent)
        self.finished.emit()

    def _forget_spent(self) -> None:
        self._spent = None
