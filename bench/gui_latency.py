"""Event-loop stalls of the real window while it works on F1, F2 and F3.

Run in its own process (`python -m bench.gui_latency F1 F2_STORE F3`): a heartbeat
QTimer ticks every 5 ms and the longest gap between ticks is the longest the GUI
thread was busy. The same heartbeat on the idle window is the baseline. Phases:
F1 scanned until its first session is on screen; F1 backed up (every store, by the
worker processes, progress shown); F2 opened until its first rows
and stats are shown, then its last row; F2 backed up; F3 opened and searched
through without an index (every file read by the worker processes); F3's search
index built in the background for INDEX_S (it takes about a minute in all). The
app's data and cache folders are the caller's (`AGENCY_DESKTOP_DATA_DIR`).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HEARTBEAT_MS = 5
DEADLINE_S = 300.0
INDEX_S = 10.0
SEARCH_WORD = "weather"  # in about one item in four: results keep arriving


class Heartbeat:
    """A 5 ms timer on the GUI thread; the longest gap between its ticks is the longest
    the thread was busy. A gap still open when a phase ends counts for that phase."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self._gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer(interval=HEARTBEAT_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self._gaps.append((now - self._last) * 1000 - HEARTBEAT_MS)
        self._last = now

    def run_until(self, done: Callable[[], bool]) -> float:
        """Run the event loop until `done()`; the longest gap meanwhile (ms)."""
        from PySide6.QtCore import QEventLoop, QTimer

        self._gaps.clear()
        deadline = time.monotonic() + DEADLINE_S
        loop = QEventLoop()
        checker = QTimer(interval=20)
        checker.timeout.connect(lambda: (done() or time.monotonic() > deadline) and loop.quit())
        checker.start()
        loop.exec()
        checker.stop()
        self._tick()  # the gap up to now belongs to this phase
        return max(self._gaps)

    def stop(self) -> None:
        self._timer.stop()


def _settled(window: Any) -> bool:
    """The scan is over, every result is listed, and the first session is on screen."""
    return (
        not window.scanner.busy
        and not window.feed.pending
        and window.session_model.rowCount() > 0
        and _session_shown(window)
    )


def _session_shown(window: Any, store: Path | None = None) -> bool:
    if store is not None and window.message_model.db_path != store.resolve():
        return False
    return (
        window.message_model.rowCount() > 0
        and window.stats.stats is not None
        and window.detail.detail is not None
    )


def measure(f1: Path, store: Path, f3: Path) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from agency_desktop.ui.app import tune_garbage_collector
    from agency_desktop.ui.main_window import MainWindow

    app = QApplication([])
    app.setApplicationName("gui-latency")
    scratch = Path(tempfile.mkdtemp(prefix="gui-latency-"))
    window: Any = MainWindow(
        settings=QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat), restore=False
    )
    window.indexer.enabled = False  # until its own phase
    window.show()
    tune_garbage_collector()  # as the app does at start-up
    heartbeat = Heartbeat()
    result: dict[str, float] = {}
    idle_until = time.monotonic() + 1.0
    result["idle_ms"] = heartbeat.run_until(lambda: time.monotonic() > idle_until)
    window.open_folder(f1)
    result["scan_ms"] = heartbeat.run_until(lambda: _settled(window))
    ended: list[bool] = []  # not a look into the folder: a glob of 10,000 names stalls
    window.runner.succeeded.connect(lambda *_: ended.append(True))
    window.runner.failed.connect(lambda *_: ended.append(True))
    window.operations.do_backup(list(window.scanner.store_paths), scratch / "f1", root=f1)
    result["folder_backup_ms"] = heartbeat.run_until(lambda: bool(ended))
    window.open_files([store])
    opened = heartbeat.run_until(lambda: _session_shown(window, store))
    jumped: list[bool] = []
    window.message_model.jumpedToEnd.connect(lambda: jumped.append(True))
    window.messages.jump_to_end()
    result["open_ms"] = max(opened, heartbeat.run_until(lambda: bool(jumped)))
    window.operations.do_backup([store], scratch / "backup")
    result["backup_ms"] = heartbeat.run_until(
        lambda: not window.runner.busy and (scratch / "backup").exists()
    )
    window.open_folder(f3)
    heartbeat.run_until(lambda: _settled(window))
    window.show_search()
    window.search_panel.query.setText(SEARCH_WORD)
    window.search_panel.search()
    result["search_ms"] = heartbeat.run_until(lambda: not window.search_panel.searching)
    window.indexer.enabled = True
    window.indexer.update(window.scanner.store_paths)
    index_until = time.monotonic() + INDEX_S
    result["index_ms"] = heartbeat.run_until(lambda: time.monotonic() > index_until)
    window.indexer.stop()
    heartbeat.stop()
    window.close()
    return result


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))))
