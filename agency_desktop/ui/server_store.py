"""A server store open in the window: its sessions listed, and listed again on Refresh.

Any kind of store the registry claims by URL (PostgreSQL, Redis) is read the same way,
through the store seam: `sessions()` in a worker, never on the GUI thread, so a server
that is down costs its connect timeout in a thread and a notice naming its host and
port, never a frozen window. The sessions come as `StoreScan`s keyed like a file's (the
first batch at once, then all of them), so the session list, the feed and the views take
them as they take a file's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..stores.listing import StoreScan
from ..stores.records import SessionInfo
from ..stores.registry import open_store
from ..util.formatting import counted
from ..util.progress import OperationCancelled
from ..util.urls import redact_text
from .server_locations import remember, without_password
from .workers import Worker, WorkerPool


def list_server(url: str, key: Path) -> Iterator[SessionInfo]:
    """Runs in a worker: every session of the store at `url`, keyed by `key` for the views,
    as the store gives them (a server's first page comes at once, the rest after it)."""
    for info in open_store(url).sessions():
        yield replace(info, db_path=key)


def probe_server(url: str) -> str:
    """Runs in a worker: what "Test connection" says when the store answers."""
    found = sum(1 for _ in open_store(url).sessions())
    return f"Connected: {counted(found, 'session')} found."


def error_text(error: BaseException, url: str) -> str:
    """An error as the user reads it, never with the URL's password (the core's errors
    mask it already; a driver's message might not)."""
    return redact_text(str(error) or type(error).__name__, url)


def masked[R](url: str, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """`fn(*args, **kwargs)` in a worker, its failure told with `error_text` (a driver's
    message may carry the URL as typed); a cancel stays a cancel."""
    try:
        return fn(*args, **kwargs)
    except OperationCancelled:
        raise
    except Exception as error:
        raise RuntimeError(error_text(error, url)) from error


class ServerStore(QObject):
    """The one server store the window shows, or none."""

    listed = Signal(object)  # a StoreScan: the server's sessions
    failed = Signal(str)  # why they could not be listed, host and port named
    busyChanged = Signal(bool)

    def __init__(self, workers: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workers = workers
        self._url: str | None = None  # as typed, with its password: memory only
        self.key: Path | None = None
        self._worker: Worker | None = None

    @property
    def is_open(self) -> bool:
        return self._url is not None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    @property
    def shown(self) -> str:
        """The URL as the title, the status bar and the recent list show it: no password."""
        return without_password(self._url) if self._url is not None else ""

    def open(self, url: str) -> Path:
        """Start listing the store at `url`; returns the key its sessions are listed by."""
        self.close()
        self._url, self.key = url, remember(url)
        self.refresh()
        return self.key

    def refresh(self) -> None:
        """List the sessions again (a listing under way is dropped for the new one)."""
        if self._url is None or self.key is None:
            return
        self._drop_worker()
        worker = Worker(list_server, self._url, self.key)
        found: list[SessionInfo] = []
        worker.signals.yielded.connect(lambda batch, w=worker: self._on_batch(w, found, batch))
        worker.signals.returned.connect(lambda _, w=worker: self._on_listed(w, found))
        worker.signals.errored.connect(lambda exc, w=worker: self._on_failed(w, exc))
        worker.signals.finished.connect(lambda w=worker: self._on_finished(w))
        self._worker = worker
        self.busyChanged.emit(True)
        self._workers.start(worker)

    def close(self) -> None:
        self._drop_worker()
        self._url = self.key = None

    def _drop_worker(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
            self.busyChanged.emit(False)

    def _on_batch(self, worker: Worker, found: list[SessionInfo], batch: list[SessionInfo]) -> None:
        """The first batch is shown at once (a screenful); later ones wait for the whole."""
        first = not found
        found.extend(batch)
        if first and worker is self._worker and self.key is not None:
            self.listed.emit(StoreScan(self.key, tuple(found)))

    def _on_listed(self, worker: Worker, found: list[SessionInfo]) -> None:
        if worker is self._worker and self.key is not None:
            self.listed.emit(StoreScan(self.key, tuple(found)))

    def _on_failed(self, worker: Worker, error: BaseException) -> None:
        if worker is self._worker and self._url is not None:
            self.failed.emit(error_text(error, self._url))

    def _on_finished(self, worker: Worker) -> None:
        if worker is self._worker:
            self._worker = None
            self.busyChanged.emit(False)
