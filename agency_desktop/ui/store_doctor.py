"""Session > Check Store and Check Folder: the store doctor run in a worker, its
findings in a dialog (nothing is changed; repairs are not offered yet)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from ..stores.health import StoreHealth, check_store
from .dialogs.findings import FindingsDialog
from .workers import Worker, WorkerPool


def check_stores(paths: list[Path]) -> list[StoreHealth]:
    """Runs in a worker: each store read once, read-only."""
    return [check_store(path) for path in paths]


class StoreDoctor(QObject):
    def __init__(
        self,
        parent: QWidget,
        workers: WorkerPool,
        store_paths: Callable[[], list[Path]],
        current_store: Callable[[], Path | None],
    ) -> None:
        super().__init__(parent)
        self._parent, self._workers = parent, workers
        self._store_paths, self._current_store = store_paths, current_store
        self.dialog: FindingsDialog | None = None

    def check_current(self) -> None:
        path = self._current_store()
        if path is not None:
            self._run([path])

    def check_folder(self) -> None:
        self._run(self._store_paths())

    def _run(self, paths: list[Path]) -> None:
        dialog = self.dialog = FindingsDialog(len(paths), self._parent)
        dialog.open()
        worker = Worker(check_stores, paths)
        worker.signals.returned.connect(dialog.show_results)
        worker.signals.errored.connect(lambda error: dialog.show_error(str(error)))
        self._workers.start(worker)
