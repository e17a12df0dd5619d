"""Run one operation in a process of its own, to be killed with SIGKILL part way.

`python -m tests.reliability.killable OPERATION WHEN ARG...`, WHEN being:
- N: print KILL_POINT and wait at the Nth progress report, for the test to kill it
  there (0: never);
- after:SECONDS: kill itself that long after the operation starts, wherever it is.
If the operation ends first, it prints DONE. The operations are the app's own,
called as the app calls them.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _backup(source: str, target: str) -> None:
    from agency_desktop.ops.backup import backup_store

    backup_store(Path(source), Path(target), progress=_progress)


def _export(source: str, session_id: str, target: str) -> None:
    from agency_desktop.ops.export import export_session

    export_session(Path(source), session_id, "jsonl", Path(target), progress=_progress)


def _export_html(source: str, session_id: str, target: str) -> None:
    from agency_desktop.ops.export import export_session

    export_session(Path(source), session_id, "html", Path(target), progress=_progress)


def _backup_server(url: str, target: str) -> None:
    from agency_desktop.ops.server_backup import backup_server_store

    backup_server_store(url, target, progress=_progress)


def _import(items: str, target: str, session_id: str) -> None:
    from agency_desktop.ops.importing import import_items

    import_items(Path(items), Path(target), session_id, progress=_progress)


def _copy(source: str, session_id: str, target: str) -> None:
    from agency_desktop.ops.migrate import copy_session

    copy_session(Path(source), session_id, Path(target), progress=_progress)


def _migrate(source: str, session_id: str, target: str) -> None:
    import asyncio
    import json

    from agents import SQLiteSession

    from agency_desktop.ops.migrate import migrate_session_to_file
    from agency_desktop.stores.paging import SessionReader

    with SessionReader(Path(source), session_id) as reader:
        items = [json.loads(text) for _, _, text in reader.iter_items()]
    memory = SQLiteSession(session_id)
    asyncio.run(memory.add_items(items))
    migrate_session_to_file(memory, Path(target), progress=_progress)


def _cleanup(store: str, session_id: str, backups: str) -> None:
    from agency_desktop.ops.cleanup import plan_for_sessions, run_cleanup
    from agency_desktop.stores.listing import read_store_sessions

    doomed = [s for s in read_store_sessions(Path(store)) if s.session_id == session_id]
    run_cleanup(plan_for_sessions(doomed), backup_dir=Path(backups), progress=_progress)


def _backup_folder(source: str, target: str) -> None:
    from agency_desktop.ops.folder_backup import backup_many
    from agency_desktop.stores.listing import iter_candidate_files

    stores = list(iter_candidate_files(Path(source)))
    backup_many(stores, Path(target), root=Path(source), progress=_progress)


OPERATIONS: dict[str, Callable[..., Any]] = {
    "backup-folder": _backup_folder,
    "backup": _backup,
    "export": _export,
    "export-html": _export_html,
    "backup-server": _backup_server,
    "import": _import,
    "copy": _copy,
    "migrate": _migrate,
    "cleanup": _cleanup,
}
_state = {"reports": 0, "kill_at": 0}


def _progress(done: int, total: int, message: str) -> None:
    _state["reports"] += 1
    if _state["reports"] == _state["kill_at"]:
        print("KILL_POINT", flush=True)
        time.sleep(120)  # the test kills us here


def _kill_after(seconds: float) -> None:
    def kill() -> None:
        time.sleep(seconds)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=kill, daemon=True).start()


if __name__ == "__main__":
    operation, when, *args = sys.argv[1:]
    if when.startswith("after:"):
        _kill_after(float(when.removeprefix("after:")))
    else:
        _state["kill_at"] = int(when)
    OPERATIONS[operation](*args)
    print("DONE", flush=True)
    os._exit(0)  # before a pending self-kill fires
