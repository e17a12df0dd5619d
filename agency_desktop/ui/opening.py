"""How a window is given stores: its open dialogs, dropped files and the first run's demo.

Checking files and writing the demo folder touch the disk, so they run in workers; the
window gets the outcome as signals and decides what to show.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from ..stores.rescan import scan_files
from ..stores.scan_cache import ScanCache
from .workers import Worker, WorkerPool

STORE_FILTER = "Session stores (*.db *.sqlite *.sqlite3 *.db3);;All files (*)"


def dropped_paths(mime: QMimeData) -> list[str]:
    """The local files and folders in a drag; URLs of other schemes are not ours to open."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


class StoreOpener(QObject):
    """Dialogs and workers that end in a folder or checked files for the window to show."""

    folderChosen = Signal(str)
    filesChosen = Signal(list)
    filesChecked = Signal(list)  # [(StoreScan, Signature | None)], in the order given
    demoReady = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QWidget, workers: WorkerPool, cache: ScanCache | None) -> None:
        super().__init__(parent)
        self._parent = parent
        self._workers = workers
        self._cache = cache

    def choose_folder(self, start: Path | None) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self._parent, "Open a folder of session stores", str(start or Path.home())
        )
        if chosen:
            self.folderChosen.emit(chosen)

    def choose_files(self, start: Path | None) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(
            self._parent, "Open session stores", str(start or Path.home()), STORE_FILTER
        )
        if chosen:
            self.filesChosen.emit(chosen)

    def check_files(self, files: list[Path]) -> None:
        """Reads each file once in a worker: a store's sessions, or why it is not one."""
        worker = Worker(scan_files, files, self._cache)
        worker.signals.returned.connect(self.filesChecked.emit)
        worker.signals.errored.connect(lambda exc: self.failed.emit(f"Could not open: {exc}"))
        self._workers.start(worker)

    def prepare_demo(self) -> None:
        """Writes the demo folder with the real SDK (first run only), then offers it."""
        from ..ops.demo import ensure_demo_folder  # imports the SDK: only on this path

        worker = Worker(ensure_demo_folder)
        worker.signals.returned.connect(lambda folder: self.demoReady.emit(str(folder)))
        worker.signals.errored.connect(
            lambda exc: self.failed.emit(f"Could not write the demo folder: {exc}")
        )
        self._workers.start(worker)
