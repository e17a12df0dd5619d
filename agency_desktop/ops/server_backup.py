"""A server store's sessions backed up into one local SQLite file, in the SDK's own layout.

What a team copies off its PostgreSQL or Redis server before a clean-up, or to look at a
session offline: the file opens with `SQLiteSession(session_id, path)` as the SDK made
it. Each session is read from one snapshot of the server (`Store.read_session`) and
written in one transaction that checks its count and digest before it commits; the
file is built under a temporary name, checked by SQLite and then renamed, so a backup
stopped or killed mid-way leaves no file under the name asked for.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..stores.registry import open_store
from ..stores.schema import discover_layout
from ..stores.sqlite_file import SQLiteFileStore
from ..stores.sqlite_writes import add_session
from ..util.errors import InputError
from ..util.paths import backup_dir
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .atomic import naming_target, publish, quick_check, staged
from .auto_backup import KEEP_PER_STORE, prune_backups
from .backup import resolve_backup_path
from .store_writer import create_store

SDK_TABLES = ("agent_sessions", "agent_messages")  # SQLiteSession's own names


@dataclass(frozen=True)
class ServerBackup:
    source: str  # the server store's location, its password masked
    path: Path
    session_count: int
    message_count: int
    size_bytes: int
    seconds: float


def backup_server_store(
    location: str,
    destination: str | os.PathLike[str],
    *,
    session_ids: Sequence[str] | None = None,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ServerBackup:
    """Back up the sessions `session_ids` (default: every one) of the server store at
    `location` into a new SQLite file at `destination` (a folder: a timestamped file in
    it). Replaces an existing file only with `overwrite`."""
    started = time.monotonic()
    store = open_store(location)
    if isinstance(store, SQLiteFileStore):
        raise InputError(f"{location}: a store file; back it up with backup_store")
    shown = getattr(store, "shown", location)
    target = resolve_backup_path(Path(f"{server_folder_name(shown)}-backup.db"), destination)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target}: already exists (pass overwrite to replace it)")
    report = Reporter(progress, cancel)
    ids = list(session_ids) if session_ids is not None else [s.session_id for s in store.sessions()]
    target.parent.mkdir(parents=True, exist_ok=True)
    messages = 0
    with staged(target) as temporary, naming_target(target):
        create_store(temporary, ids[0] if ids else "backup", *SDK_TABLES, advanced=False)
        conn = sqlite3.connect(temporary, isolation_level=None)
        try:
            pair = discover_layout(conn).pairs[0]
            for done, session_id in enumerate(ids):
                report(done, len(ids), session_id)
                data = store.read_session(session_id)
                add_session(conn, pair, data, session_id, label=target, replace=False)
                messages += len(data.messages)
        finally:
            conn.close()
        report(len(ids), len(ids), "checking")
        quick_check(temporary)
        report.check()  # a cancel that came with the last session still leaves nothing
        publish(temporary, target, overwrite=overwrite)
    seconds = time.monotonic() - started
    return ServerBackup(shown, target, len(ids), messages, target.stat().st_size, seconds)


def automatic_server_backup(
    location: str,
    session_ids: Sequence[str],
    root: Path | None = None,
    *,
    keep: int = KEEP_PER_STORE,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """The backup taken before sessions on a server are deleted or replaced: the sessions
    into <root>/<host_port_database>/ (root: the app's backups folder), a file the SDK's
    SQLiteSession opens; only the newest `keep` are kept, as for files (`auto_backup.py`)."""
    shown = getattr(open_store(location), "shown", location)
    folder = (root or backup_dir()) / server_folder_name(shown)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    done = backup_server_store(
        location,
        folder / f"backup-{stamp}.db",
        session_ids=session_ids,
        progress=progress,
        cancel=cancel,
    )
    prune_backups(folder, keep)
    return done.path


def server_folder_name(shown: str) -> str:
    """host_port_database of a URL: its scheme, user, password and options left out."""
    rest = shown.split("://", 1)[-1].split("?", 1)[0]
    where = rest.rpartition("@")[2]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", where).strip("_") or "server"
