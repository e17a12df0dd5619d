"""Quick turns at the GIL for the GUI thread while it fills a model.

Many PySide6 calls into Qt let go of the GIL (`QAbstractItemModel.index` and
`setItemData` among them), and a thread that let go of it waits a whole switch
interval (5 ms) to take it back from a thread that is running Python: filling 24
rows of the session list, some 200 such calls, took 30 to 50 ms while the folder
scanner ran, against 1.5 ms on its own (the "GIL carousel"). While the GUI thread
fills a model the interval is 0.2 ms, so it gets the GIL back almost at once; outside
those moments the default interval keeps the background threads' switching cheap.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator

GUI_SWITCH_INTERVAL_S = 0.0002


@contextlib.contextmanager
def gui_turns() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, GUI_SWITCH_INTERVAL_S))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def with_gui_turns[**P, R](slot: Callable[P, R]) -> Callable[P, R]:
    """A slot that fills a model: it runs with gui_turns."""

    @functools.wraps(slot)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with gui_turns():
            return slot(*args, **kwargs)

    return run
