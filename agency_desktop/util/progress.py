"""Progress reporting and cooperative cancellation for long operations."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import PlainMessage

# done, total (0 when unknown), a short description of the current step
ProgressCallback = Callable[[int, int, str], None]


class OperationCancelled(PlainMessage, Exception):
    """Raised inside an operation when its cancel token is set; nothing was changed."""


class CancelToken:
    """A flag another thread sets to stop an operation at its next checkpoint."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise OperationCancelled("cancelled")


class Reporter:
    """Bundles the optional callback and token so operations call one object."""

    def __init__(
        self, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
    ) -> None:
        self._progress = progress
        self._cancel = cancel

    def __call__(self, done: int, total: int, message: str = "") -> None:
        self.check()
        if self._progress is not None:
            self._progress(done, total, message)

    def check(self) -> None:
        if self._cancel is not None:
            self._cancel.raise_if_cancelled()
