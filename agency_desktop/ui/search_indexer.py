"""Keeps the search index up to date with the open folder, in the background.

One update runs at a time (in a worker thread that hands the steps to worker
processes); asking again while one runs restarts it with the newest list of files
once the current step is done, so a busy folder never queues updates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ..search.index import SearchIndex
from .workers import Worker, WorkerPool

# The index is brought up to date this long after a scan that found changes: start-up
# and bursts of agent writes settle first, and one update covers them all.
INDEX_DELAY_MS = 3000


class SearchIndexer(QObject):
    progressed = Signal(int, int)  # files brought up to date, files that needed it
    updated = Signal()  # the index now holds every file it was last given
    failed = Signal(str)

    def __init__(
        self,
        workers: WorkerPool,
        index: SearchIndex,
        parent: QObject | None = None,
        *,
        store_paths: Callable[[], list[Path]] = list,
    ):
        super().__init__(parent)
        self.index = index
        self._workers = workers
        self._worker: Worker | None = None
        self._next: list[Path] | None = None
        self._rebuild = False
        self.enabled = True
        self._store_paths = store_paths  # what a scheduled update indexes
        self._changed = False
        self._delay = QTimer(self, singleShot=True, interval=INDEX_DELAY_MS)
        self._delay.timeout.connect(self._update_if_changed)

    # --- following the folder's scans

    def note_changes(self, changes: list[Any]) -> None:
        """A scan found new, changed or removed stores: the next scan's end updates the index."""
        if changes:
            self._changed = True

    def scan_finished(self) -> None:
        if self._changed:
            self._delay.start()

    def _update_if_changed(self) -> None:
        if self._changed:
            self._changed = False
            self.update(self._store_paths())

    def keep(self, keep: bool) -> None:
        """The user's choice: keep an index (brought up to date now), or none at all."""
        self.set_enabled(keep)
        if keep:
            self.update(self._store_paths())

    @property
    def busy(self) -> bool:
        return self._worker is not None

    @property
    def usable_index(self) -> SearchIndex | None:
        """The index searches may answer from (None when the user turned it off)."""
        return self.index if self.enabled else None

    def set_enabled(self, enabled: bool) -> None:
        """Off stops any update and deletes the index (it holds a copy of the text)."""
        self.enabled = enabled
        if not enabled:
            self._next = None
            self._rebuild = True  # the delete happens in the worker, after any update stops
            if self._worker is not None:
                self._worker.cancel()
            else:
                self.index.clear()

    def update(self, paths: list[Path]) -> None:
        if not self.enabled:
            return
        if self._worker is not None:
            self._next = list(paths)
            self._worker.cancel()
            return
        worker = Worker(self._run, list(paths), self._rebuild, controls=True)
        self._rebuild = False
        worker.signals.progress.connect(
            lambda done, total, _name: self.progressed.emit(done, total)
        )
        worker.signals.errored.connect(lambda exc: self.failed.emit(str(exc)))
        worker.signals.returned.connect(lambda _files: self.updated.emit())
        worker.signals.finished.connect(self._on_finished)
        self._worker = self._workers.start(worker)

    def rebuild(self, paths: list[Path]) -> None:
        """Throw the index away and build it again from the files."""
        self._rebuild = True
        self.update(paths)

    def _run(self, paths: list[Path], rebuild: bool, *, progress, cancel) -> int:  # type: ignore[no-untyped-def]
        if rebuild:
            self.index.clear()
        from ..search.folder import update_index  # multiprocessing: not needed at start-up

        return update_index(self.index, paths, progress=progress, cancel=cancel)

    def _on_finished(self) -> None:
        self._worker = None
        if not self.enabled:
            self.index.clear()
            return
        paths, self._next = self._next, None
        if paths is not None:
            self.update(paths)

    def stop(self) -> None:
        self._delay.stop()
        self._next = None
        if self._worker is not None:
            self._worker.cancel()
