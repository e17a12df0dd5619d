"""The worker processes the core reads with: whether to use them, and their pools.

The core is also a library, called from scripts without a `__main__` guard, from
`python -`, a REPL, a notebook or a thread: its workers start without the caller's
main module and exit with their parent (worker_start.py), so they are used by default
wherever the work splits, with the same answers as reading in one process.

`set_enabled(False)` (or `AGENCY_DESKTOP_WORKER_PROCESSES=0`) keeps all the work in
the calling process: a long session is then counted in one pass. Where processes
cannot start at all (no `sys.executable`, a sandbox), the work is done in-process.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

# multiprocessing and concurrent.futures.process are imported when the first pool starts:
# together they cost ~20 ms, and the app's start-up and small folders need neither.

ENV = "AGENCY_DESKTOP_WORKER_PROCESSES"
_OFF = {"0", "off", "no", "false"}
READ_POOL = "read"
BACKGROUND_POOL = "background"

MAX_LOST_POOLS = 2  # pools lost to dead workers before this process stops starting them


@dataclass
class _State:
    setting: bool | None = None  # the caller's choice, over the environment's
    unavailable: str | None = None  # why worker processes cannot run here, once we know
    lost_pools: int = 0


_state = _State()
_pools: dict[str, ProcessPoolExecutor] = {}
_pool_lock = threading.Lock()
_log = logging.getLogger("agency_desktop.workers")


def set_enabled(enabled: bool | None) -> None:
    """Use worker processes for long sessions and big folders (True), never (False), or
    as the environment says (None: on unless AGENCY_DESKTOP_WORKER_PROCESSES=0)."""
    _state.setting = enabled


def enabled() -> bool:
    """Whether this process may hand work to worker processes now."""
    if _inside_worker() or not sys.executable or _state.unavailable is not None:
        return False  # a pool inside a worker would multiply the processes
    if _state.setting is not None:
        return _state.setting
    return os.environ.get(ENV, "").strip().lower() not in _OFF


def _inside_worker() -> bool:
    mp = sys.modules.get("multiprocessing")
    return mp is not None and mp.parent_process() is not None  # a worker has imported it


def worker_count() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def executor(name: str = READ_POOL) -> ProcessPoolExecutor:
    """The named pool of this process, started on first use."""
    with _pool_lock:
        pool = _pools.get(name)
        if pool is None:
            from concurrent.futures import ProcessPoolExecutor

            from .worker_start import WorkerContext, prepare_worker

            pool = ProcessPoolExecutor(
                max_workers=worker_count(), mp_context=WorkerContext(), initializer=prepare_worker
            )
            atexit.unregister(_at_exit)  # once, however often pools start again
            atexit.register(_at_exit)
            _pools[name] = pool
        return pool


def shutdown() -> None:
    """Stop every worker process of this process; pools start again on next use."""
    with _pool_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


def _at_exit() -> None:
    # Work still asked for while the interpreter exits (a window's threads, say, until
    # their owner stops them) is done in-process: no pool starts again now.
    _state.unavailable = "the interpreter is exiting"
    shutdown()


def give_up(error: BaseException, name: str = READ_POOL) -> None:
    """A pool could not start or lost a worker: its work is done in the calling process.

    A lost worker (killed, out of memory) costs its pool, which starts afresh on next
    use; processes that cannot start, or keep dying, are not tried again in this process.
    """
    from concurrent.futures import BrokenExecutor

    if isinstance(error, BrokenExecutor):
        _state.lost_pools += 1
        with _pool_lock:
            pool = _pools.pop(name, None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if _state.lost_pools < MAX_LOST_POOLS:
            _log.warning("a worker process was lost (%s); its work is done here", error)
            return
    elif not isinstance(error, OSError):
        return  # e.g. submitted while the interpreter shuts down: this call only
    _state.unavailable = f"{type(error).__name__}: {error}"
    _log.warning("worker processes are not available (%s); reading in-process", _state.unavailable)
