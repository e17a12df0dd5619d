"""How a worker process starts (without the caller's main module) and how it ends
(with its parent, however the parent died).

Python's `spawn` start method runs the caller's main script again in every child:
a script without a `__main__` guard then starts its work again in each worker and
breaks the pool, `python -` breaks it too, and under the app's console script each
worker imported Qt. Our workers only run functions of this package, so they start
with a neutral `__main__` instead, and nothing of the caller's runs twice.

A worker killed with its parent (SIGKILL, the OOM killer, a crash) would otherwise
wait for work forever, reparented to init: each worker waits on its parent's
sentinel (a pipe on POSIX, the parent's process handle on Windows) in a thread of
its own and exits the moment it closes. When the last worker has gone, the
multiprocessing resource tracker sees its pipe close and exits too.

Imported when the first pool starts (multiprocessing costs ~20 ms to import), and by
every worker as it unpickles its Process object.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
import types
from multiprocessing.context import SpawnContext, SpawnProcess

PARENT_CHECK_S = 1.0
_start_lock = threading.Lock()  # one stand-in at a time, whichever thread starts a worker


class WorkerProcess(SpawnProcess):
    def start(self) -> None:
        # spawn's preparation data names the main module for the child to run again:
        # with a stand-in that has neither a file nor a spec in its place, it names none.
        # The stand-in is there only for the few milliseconds this process takes to start.
        stand_in = types.ModuleType("__main__")
        with _start_lock:
            main = sys.modules.get("__main__")
            sys.modules["__main__"] = stand_in
            try:
                super().start()
            finally:
                if main is not None:
                    sys.modules["__main__"] = main


class WorkerContext(SpawnContext):
    Process = WorkerProcess


def prepare_worker() -> None:
    """Runs first in every worker: exit with the parent, and yield the CPU to its GUI."""
    threading.Thread(target=exit_with_parent, name="parent-watch", daemon=True).start()
    # A worker makes rows and rendered items by the million, short-lived and without
    # cycles: at Python's default pace, young collections took a tenth of an export's time.
    gc.set_threshold(10_000, 50, 20)
    if hasattr(os, "nice"):
        # On two cores, three busy processes would otherwise leave the app's event loop
        # waiting for a turn.
        os.nice(10)


def exit_with_parent() -> None:
    """Returns only by ending this process, once its parent has gone."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    parent_pid = os.getppid()
    while True:
        # The sentinel closes when the parent dies. A child the parent forked by hand
        # may hold it open, so a POSIX worker also notices being handed to another
        # parent (init or a subreaper); on Windows the sentinel is the parent's handle.
        parent.join(PARENT_CHECK_S)
        if not parent.is_alive() or (sys.platform != "win32" and os.getppid() != parent_pid):
            os._exit(0)
