"""Event-loop stalls of the real window while it scans a folder and runs a backup.

Run in its own process (`python -m bench.gui_latency FOLDER STORE`): a heartbeat
QTimer ticks every 5 ms and the longest gap between ticks is the longest the GUI
thread was busy. The same heartbeat on the idle window is the baseline.
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


def _run_until(done: Callable[[], bool], gaps: list[float]) -> float:
    """Run the event loop until `done()`; returns the longest heartbeat gap meanwhile (ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    gaps.clear()
    deadline = time.monotonic() + DEADLINE_S
    loop = QEventLoop()
    checker = QTimer(interval=20)
    checker.timeout.connect(lambda: (done() or time.monotonic() > deadline) and loop.quit())
    checker.start()
    loop.exec()
    checker.stop()
    return max(gaps, default=0.0)


def _settled(window: object) -> bool:
    """The scan is over, every result is listed, and the first session is on screen."""
    w: Any = window
    return (
        not w.scanner.busy
        and not w._pending_scans
        and w.session_model.rowCount() > 0
        and w.stats.stats is not None
        and w.detail.detail is not None
    )


def measure(folder: Path, store: Path) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from agency_desktop.ui.app import tune_garbage_collector
    from agency_desktop.ui.main_window import MainWindow

    app = QApplication([])
    app.setApplicationName("gui-latency")
    scratch = Path(tempfile.mkdtemp(prefix="gui-latency-"))
    window = MainWindow(
        settings=QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat), restore=False
    )
    window.show()
    tune_garbage_collector()  # as the app does at start-up
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000 - HEARTBEAT_MS)
        last[0] = now

    heartbeat = QTimer(interval=HEARTBEAT_MS)
    heartbeat.timeout.connect(tick)
    heartbeat.start()
    idle_until = time.monotonic() + 1.0
    idle = _run_until(lambda: time.monotonic() > idle_until, gaps)
    window.open_folder(folder)
    scan = _run_until(lambda: _settled(window), gaps)
    window.operations.do_backup([store], scratch / "backup")
    backup = _run_until(lambda: not window.runner.busy and (scratch / "backup").exists(), gaps)
    heartbeat.stop()
    window.close()
    return {"idle_ms": idle, "scan_ms": scan, "backup_ms": backup}


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), Path(sys.argv[2]))))
