"""SIGTERM and SIGINT (a logout, `kill`, Ctrl+C in a terminal) close the window as its
close button would: settings saved, threads and worker processes stopped, exit status 0.

Python runs a signal handler only when it next runs bytecode, and Qt's event loop may
sleep in C++ for as long as nothing happens; so the signal also wakes the loop, through
a pipe given to `signal.set_wakeup_fd` and watched by a QSocketNotifier.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class TerminationWatch(QObject):
    """While it lives, the signals call `close` once, from the event loop."""

    def __init__(self, close: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._close = close
        self._read, write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(write, False)
        self._write = write
        self._previous_fd = signal.set_wakeup_fd(write)
        self._previous = {number: signal.signal(number, self._on_signal) for number in SIGNALS}
        self._notifier = QSocketNotifier(self._read, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_woken)
        self._asked = False

    def _on_signal(self, _number: int, _frame: object) -> None:
        self._asked = True

    def _on_woken(self) -> None:
        try:
            while os.read(self._read, 64):
                pass
        except BlockingIOError:
            pass
        if self._asked:
            self._asked = False
            self._close()

    def release(self) -> None:
        """Give the signals back to what handled them before."""
        signal.set_wakeup_fd(self._previous_fd)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._notifier.setEnabled(False)
        os.close(self._read)
        os.close(self._write)


def watch_for_termination(close: Callable[[], object], parent: QObject) -> TerminationWatch | None:
    """None where there is nothing to watch (Windows delivers no SIGTERM to a GUI app)."""
    if sys.platform == "win32":
        return None
    return TerminationWatch(close, parent)
