"""A user's script with the real window, ending in one of the ways a window can end.

Run as `python exit_scenarios.py MODE PATH` by tests/ui/test_clean_exit.py, which
checks that it exits with status 0 and prints nothing but the offscreen plugin's notes:

- exit: the first page is on screen, then the interpreter exits with the window open;
- delete-later: mid-load, `deleteLater()` and the loop runs on;
- delete: mid-load, the C++ window is deleted under Python (shiboken6.delete);
- quit: mid-scan, the application quits its event loop, then the interpreter exits.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from agency_desktop.ui.main_window import MainWindow

TIMEOUT_MS = 30_000


def run_until(done: Callable[[], bool], timeout_ms: int = TIMEOUT_MS) -> None:
    loop = QEventLoop()
    poll = QTimer(interval=5)
    poll.timeout.connect(lambda: done() and loop.quit())
    poll.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    poll.stop()
    if not done():
        sys.exit(f"timed out: {done}")


def main(mode: str, target: Path) -> None:
    app = QApplication([])
    window = MainWindow(restore=False)
    window.indexer.enabled = False
    if target.is_dir():
        window.open_folder(target)
    else:
        window.open_files([target])
    window.show()
    if mode == "exit":
        run_until(lambda: window.message_model.rowCount() > 0)
        return  # the interpreter exits with the window open, its threads running
    run_until(lambda: window.session_model.rowCount() > 0)
    if mode == "delete-later":
        window.deleteLater()
        run_until(lambda: not shiboken6.isValid(window))
    elif mode == "delete":
        shiboken6.delete(window)
    elif mode == "quit":
        assert window.scanner.busy, "the scan should still be running"
        QTimer.singleShot(0, app.quit)
        app.exec()
    else:
        sys.exit(f"unknown mode {mode}")
    settle = QEventLoop()
    QTimer.singleShot(300, settle.quit)  # whatever was still queued is delivered now
    settle.exec()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
