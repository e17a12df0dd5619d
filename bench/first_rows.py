"""F1: from opening a folder until the window's session list holds its first 100 sessions.

Run in its own process (`python -m bench.first_rows FOLDER REPEAT`): the real window,
its scanner and its session list model, offscreen. Timed from `open_folder` until the
model holds 100 sessions, in two ways: the folder seen before (the scan cache in the
app's cache folder answers for unchanged files) and the folder seen for the first time
(an empty scan cache each time, so every file is read). The baseline, in the same
process and alternating with ours, is a full `os.scandir` of the folder. Prints one
JSON line of medians in ms.

`python -m bench.first_rows --fresh FOLDER` times one more way, once per process: a new
process builds the window (no worker process started yet) and opens a folder it has
never seen, timed from building the window; prints that and its own scandir.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIRST = 100
DEADLINE_S = 60.0
SETTLE_S = 0.3


def _spin_until(done: Callable[[], bool]) -> None:
    """Runs the event loop until `done()`: asleep between events, as the app's loop is
    (a loop spinning in Python would take the GIL from the scanner thread)."""
    from PySide6.QtCore import QEventLoop, QTimer

    if done():
        return
    loop = QEventLoop()
    deadline = time.monotonic() + DEADLINE_S
    expired: list[bool] = []

    def check() -> None:
        if time.monotonic() > deadline:
            expired.append(True)
            loop.quit()
        elif done():
            loop.quit()

    poll = QTimer(interval=1)
    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    if expired:
        raise TimeoutError("the window did not get there in time")


def _time_to_first(window: Any, folder: Path, started: float | None = None) -> float:
    """ms from open_folder (or `started`) until the model holds FIRST sessions; the scan
    is then stopped."""
    reached: list[float] = []
    started = time.perf_counter() if started is None else started
    window.open_folder(folder)
    model = window.session_model  # a new one for each folder; rows come in later turns

    from agency_desktop.ui.models.session_list import Column

    # Items: a cell every session has (Tokens, the last column, is blank for a plain store).
    last_cell = (FIRST - 1, int(Column.ITEMS))

    def check(*_: object) -> None:
        # Rows are inserted blank, then filled: the 100th counts once its last cell is.
        # (Every file of F1 holds one readable session, so rows are sessions.)
        if not reached and model.rowCount() >= FIRST and model.index(*last_cell).data():
            reached.append(time.perf_counter())

    model.dataChanged.connect(check)
    _spin_until(lambda: bool(reached))
    model.dataChanged.disconnect(check)
    window.scanner.stop()
    _settle(window)
    return (reached[0] - started) * 1000


def _settle(window: Any) -> None:
    """Until the window is idle: what the last open set going (the first session's page and
    stats) must not run into the next measurement."""
    _spin_until(lambda: window.workers.active == 0)
    quiet_until = time.monotonic() + SETTLE_S
    _spin_until(lambda: time.monotonic() > quiet_until)


def _scandir_ms(folder: Path) -> float:
    started = time.perf_counter()
    with os.scandir(folder) as entries:
        for _ in entries:
            pass
    return (time.perf_counter() - started) * 1000


def measure(folder: Path, repeat: int) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from agency_desktop.stores import parallel
    from agency_desktop.stores.scan_cache import ScanCache
    from agency_desktop.ui.main_window import MainWindow

    app = QApplication([])
    scratch = Path(tempfile.mkdtemp(prefix="first-rows-"))
    window = MainWindow(
        settings=QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat), restore=False
    )
    window.indexer.enabled = False  # the search index would build in the background
    window.show()
    parallel.warm_up()  # a running app has its reading processes started already
    seen_cache = ScanCache(scratch / "seen.sqlite3")
    window.scanner.cache = seen_cache
    window.open_folder(folder)  # seen once, to the end: the cache now holds every file
    _spin_until(lambda: not window.scanner.busy)
    times: dict[str, list[float]] = {"seen": [], "new": [], "scandir": []}
    for number in range(repeat + 1):  # the first round is a warm-up and is not counted
        window.scanner.cache = seen_cache
        seen = _time_to_first(window, folder)
        window.scanner.cache = ScanCache(scratch / f"new-{number}.sqlite3")
        new = _time_to_first(window, folder)
        scandir = _scandir_ms(folder)
        if number:
            times["seen"].append(seen)
            times["new"].append(new)
            times["scandir"].append(scandir)
    window.close()
    del app
    return {key: statistics.median(values) for key, values in times.items()}


def measure_fresh(folder: Path) -> dict[str, float]:
    """ms from building the window in this new process until it lists FIRST sessions."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from agency_desktop.stores.scan_cache import ScanCache
    from agency_desktop.ui.main_window import MainWindow

    app = QApplication([])
    scratch = Path(tempfile.mkdtemp(prefix="first-rows-fresh-"))
    settings = QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat)
    started = time.perf_counter()
    window = MainWindow(settings=settings, restore=False)
    window.indexer.enabled = False
    window.scanner.cache = ScanCache(scratch / "new.sqlite3")
    window.show()
    ours = _time_to_first(window, folder, started)
    scandir = _scandir_ms(folder)
    window.close()
    del app
    return {"fresh": ours, "scandir": scandir}


if __name__ == "__main__":
    if sys.argv[1] == "--fresh":
        print(json.dumps(measure_fresh(Path(sys.argv[2]))))
    else:
        print(json.dumps(measure(Path(sys.argv[1]), int(sys.argv[2]))))
