"""Whatever runs beside the GUI thread is stopped by its owner, whichever way the owner goes.

A window may be closed, the application may quit, the window may be deleted (by
`deleteLater`, by Python dropping it, or by its parent going), or the interpreter may
exit with the window still open. A thread or timer still running when its QObject is
destroyed aborts the process ("QThread: Destroyed while thread is still running"), and
one destroyed from the wrong thread makes Qt warn; so each owner is stopped before that:

- `stop_on_quit(owner)`: `owner.shutdown()` when the application is about to quit and
  when the interpreter exits (before Python tears objects down in no particular order);
- `stop_when_destroyed(obj, stop)`: `stop()` as `obj` is destroyed, before its children
  are. `stop` must not use `obj`'s wrapper, which is no longer valid then. Each part
  that owns a thread (the message loader, every WorkerPool) stops it this way, so a
  window deleted by `deleteLater()` or under Python stops them too. (Not by overriding
  the window's `event()` to catch DeferredDelete: every event of the window would then
  wait for the GIL, and the first rows of a folder came 15-20 ms later.)
"""

from __future__ import annotations

import atexit
import weakref
from collections.abc import Callable
from typing import Protocol

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject


class Owner(Protocol):
    def shutdown(self) -> None: ...


_owners: weakref.WeakSet[Owner] = weakref.WeakSet()


def stop_on_quit(owner: QObject) -> None:
    """Call `owner.shutdown()` when the application quits or the interpreter exits."""
    _owners.add(owner)  # type: ignore[arg-type]
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(owner.shutdown)  # type: ignore[attr-defined]


def stop_when_destroyed(obj: QObject, stop: Callable[[], object]) -> None:
    """Call `stop()` as `obj` is destroyed, however that comes about."""
    obj.destroyed.connect(lambda *_: stop())


@atexit.register
def _shutdown_owners() -> None:
    # Exit handlers run before the interpreter tears its objects down in no particular
    # order: every owner is stopped here while Qt and the wrappers are still whole.
    for owner in list(_owners):
        if shiboken6.isValid(owner):
            owner.shutdown()
