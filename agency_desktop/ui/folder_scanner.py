"""Keeps the session list in step with a folder (or a set of files) on disk.

Scans run in a worker and stream results in batches; afterwards only files
whose size or mtime changed (or whose WAL did) are read again. A
QFileSystemWatcher catches files appearing and disappearing at once; a slow
timer catches agents appending to stores already listed, which changes no
directory entry. With a scan cache, files unchanged since the app last read them
(in an earlier run too) are shown from it without being read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from ..stores.errors import ProblemKind
from ..stores.listing import StoreScan, iter_candidate_files
from ..stores.rescan import Removed, rescan_changes
from ..stores.scan_cache import ScanCache
from ..stores.signatures import Signature
from .workers import Worker, WorkerPool

POLL_INTERVAL_MS = 3000
RETRY: Signature = (-2, -2, -2, -2, -2)  # matches no file: read again at the next pass
DEBOUNCE_MS = 250


def _changes(
    root: Path | None,
    files: list[Path],
    known: dict[Path, Signature],
    cache: ScanCache | None,
    reuse_cache: bool,
) -> Iterator[Any]:
    # Listed as the directory gives them, not sorted: the view sorts, and reading
    # starts with the first name instead of after the last.
    candidates = iter_candidate_files(root, ordered=False) if root is not None else iter(files)
    yield from rescan_changes(candidates, known, cache, root, reuse_cache=reuse_cache)


class FolderScanner(QObject):
    scanned = Signal(list)  # list[StoreScan] for new or changed files
    removed = Signal(list)  # list[Path]
    scanStarted = Signal()
    scanFinished = Signal()
    failed = Signal(str)

    def __init__(
        self, workers: WorkerPool, parent: QObject | None = None, cache: ScanCache | None = None
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self.cache = cache  # may be swapped between scans
        self._root: Path | None = None
        self._files: list[Path] = []
        self._known: dict[Path, Signature] = {}
        self._worker: Worker | None = None
        self._again = False
        self._full = False  # the next pass reads every file, trusting no cache
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_directory_changed)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.rescan)
        self._poll = QTimer(self, interval=POLL_INTERVAL_MS)
        self._poll.timeout.connect(self.rescan)

    @property
    def root(self) -> Path | None:
        return self._root

    @property
    def store_paths(self) -> list[Path]:
        return sorted(self._known, key=str)  # str order: comparing Paths is ~20 times slower

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def watch_folder(self, root: Path) -> None:
        self._start_watching(root, [], [str(root)])

    def watch_files(self, files: list[Path], known: dict[Path, Signature] | None = None) -> None:
        """Follow single stores; `known` are signatures of scans the caller has shown
        already, so those files are read again only once they change."""
        self._start_watching(None, files, sorted({str(f.parent) for f in files}), known or {})

    def _start_watching(
        self,
        root: Path | None,
        files: list[Path],
        directories: list[str],
        known: dict[Path, Signature] | None = None,
    ) -> None:
        watched = set(self._watcher.directories())
        self.stop(keep_watching=watched == set(directories))
        self._root, self._files, self._known = root, files, dict(known or {})
        self.rescan()  # cheap for files in `known`: only their signatures are checked
        missing = [d for d in directories if d not in self._watcher.directories()]
        if missing:  # a few ms for a big folder: after the scan has started
            self._watcher.addPaths([d for d in missing if Path(d).is_dir()])
        self._poll.start()

    def stop(self, *, keep_watching: bool = False) -> None:
        self._poll.stop()
        self._debounce.stop()
        if self._watcher.directories() and not keep_watching:
            self._watcher.removePaths(self._watcher.directories())
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def rescan(self, full: bool = False) -> None:
        """Read what changed; `full` (the user's Refresh) reads every file again, the scan
        cache included, and keeps what it reads there."""
        if full:
            self._known = {}
            self._full = True
        if self._worker is not None:
            self._again = True  # one more pass when the current one ends
            return
        if self._root is None and not self._files:
            return
        reuse, self._full = not self._full, False
        worker = Worker(
            _changes, self._root, list(self._files), dict(self._known), self.cache, reuse
        )
        worker.signals.yielded.connect(lambda batch, w=worker: self._on_batch(w, batch))
        worker.signals.errored.connect(lambda exc, w=worker: self._on_error(w, exc))
        worker.signals.finished.connect(lambda w=worker: self._on_finished(w))
        self._worker = worker
        self.scanStarted.emit()
        self._workers.start(worker)

    def _on_batch(self, worker: Worker, batch: list[Any]) -> None:
        if worker is not self._worker:
            return  # a scan of a folder we have left
        scans: list[StoreScan] = []
        gone: list[Path] = []
        for entry in batch:
            if isinstance(entry, Removed):
                self._known.pop(entry.path, None)
                gone.append(entry.path)
            else:
                scan, signature = entry
                if signature is None:
                    continue  # it went between being listed and being read
                busy = scan.problem is not None and scan.problem.kind is ProblemKind.LOCKED
                # A store busy with a writer is read again at the next pass even if its
                # writer gave up without changing it: it is known, but under no signature.
                self._known[scan.path] = RETRY if busy else signature
                scans.append(scan)
        if scans:
            self.scanned.emit(scans)
        if gone:
            self.removed.emit(gone)

    def _on_error(self, worker: Worker, error: Exception) -> None:
        if worker is self._worker:
            self.failed.emit(str(error))

    def _on_finished(self, worker: Worker) -> None:
        if worker is not self._worker:
            return
        self._worker = None
        self.scanFinished.emit()
        if self._again:
            self._again = False
            self.rescan()

    def _on_directory_changed(self, _path: str) -> None:
        self._debounce.start()
