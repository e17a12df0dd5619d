"""Quick turns at the GIL for the GUI thread while it fills a model or a worker runs.

Many PySide6 calls into Qt let go of the GIL (`QAbstractItemModel.index` and
`setItemData` among them), and every call from Qt into Python (a delegate's paint, a
slot) must take it. A thread that waits for the GIL waits a whole switch interval
(5 ms) to take it from a thread that is running Python: filling 24 rows of the
session list, some 200 such calls, took 30 to 50 ms while the folder scanner ran,
against 1.5 ms on its own (the "GIL carousel"), and the window stalled 90 ms while a
folder backup prepared its 10,000 jobs. So while the GUI thread fills a model the
interval is 0.2 ms, and while any worker thread runs it is 0.5 ms. A thread running
Python alone is never asked to switch, so a short interval costs only when threads
compete; with no worker running, the default interval is back.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

GUI_SWITCH_INTERVAL_S = 0.0002
WORKING_SWITCH_INTERVAL_S = 0.0005


@dataclass
class _Turns:
    filling: int = 0  # GUI-thread slots filling a model now
    working: int = 0  # worker threads running now
    default: float = sys.getswitchinterval()

    def apply(self) -> None:
        interval = self.default
        if self.working:
            interval = min(interval, WORKING_SWITCH_INTERVAL_S)
        if self.filling:
            interval = min(interval, GUI_SWITCH_INTERVAL_S)
        sys.setswitchinterval(interval)


_turns = _Turns()
_lock = threading.Lock()


@contextlib.contextmanager
def _counted(field: str) -> Iterator[None]:
    with _lock:
        setattr(_turns, field, getattr(_turns, field) + 1)
        _turns.apply()
    try:
        yield
    finally:
        with _lock:
            setattr(_turns, field, getattr(_turns, field) - 1)
            _turns.apply()


def gui_turns() -> contextlib.AbstractContextManager[None]:
    """Around a GUI-thread slot that fills a model."""
    return _counted("filling")


def worker_running() -> contextlib.AbstractContextManager[None]:
    """Around a worker thread's run: the GUI thread's turns come quickly meanwhile."""
    return _counted("working")


def with_gui_turns[**P, R](slot: Callable[P, R]) -> Callable[P, R]:
    """A slot that fills a model: it runs with gui_turns."""

    @functools.wraps(slot)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with gui_turns():
            return slot(*args, **kwargs)

    return run
