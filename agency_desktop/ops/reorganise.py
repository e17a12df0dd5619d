"""Reorganise sessions between stores: move, rename, merge several stores, split one.

Every step builds on `copy_session` (verified, all-or-nothing). A source is only
changed after its copy has been verified, inside one transaction that first
checks the source still holds exactly what was copied, and after a backup.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ..stores.base import Store, StoreChangedError, StoreNow
from ..stores.errors import SessionNotFoundError, StoreError
from ..stores.listing import read_store_sessions
from ..stores.schema import discover_layout, pair_holding, quote_identifier
from ..stores.sqlite_file import SQLiteFileStore
from ..stores.sqlite_writes import write_transaction
from ..util.errors import InputError
from ..util.progress import CancelToken, ProgressCallback, Reporter
from ..util.urls import is_url
from .auto_backup import automatic_backup
from .migrate import copy_session
from .notes import follow_move, follow_rename
from .server_backup import automatic_server_backup
from .server_cleanup import deleting_from
from .store_writer import WriteResult


class SourceChangedError(StoreChangedError):
    """The source gained or lost items between the copy and the removal: nothing was removed."""


@dataclass
class BatchReport:
    """Outcome of an operation over many sessions: what was written, and what failed why."""

    written: list[WriteResult] = field(default_factory=list)
    failures: list[tuple[Path, str, str]] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)

    @property
    def message_count(self) -> int:
        return sum(result.message_count for result in self.written)


def move_session(
    source_db: str | os.PathLike[str],
    session_id: str,
    target_db: str | os.PathLike[str],
    *,
    new_session_id: str | None = None,
    backups: Path | None = None,
    auto_backup: bool = True,
    create_tables: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[WriteResult, Path | None]:
    """Copy a session into another store, then remove it from the source.

    Returns the copy's result and the backup of the source taken before the removal
    (None when `auto_backup` is off). `create_tables` is for a server target with none of
    the SDK's tables yet (`copy_session`): a move there needs them made as a copy does.
    A server's session (`source_db` a URL) is backed up into the app's backups folder
    (a server has no trash), and the account's right to delete it is asked before the copy.
    """
    server = is_url(str(source_db))
    store = deleting_from(str(source_db)) if server else SQLiteFileStore(Path(source_db))
    data = store.read_session(session_id)
    result = copy_session(
        source_db,
        session_id,
        target_db,
        new_session_id=new_session_id,
        create_tables=create_tables,
        progress=progress,
        cancel=cancel,
    )
    Reporter(progress, cancel).check()
    saved = None
    if auto_backup:
        saved = (
            automatic_server_backup(str(source_db), [session_id], backups)
            if server
            else automatic_backup(Path(source_db), backups)
        )
    _remove_if_unchanged(store, session_id, (len(data.messages), data.digest()))
    if not server:
        follow_move(source_db, session_id, result.path, result.session_id)  # the user's notes
    return result, saved


def _remove_if_unchanged(store: Store, session_id: str, expected: tuple[int, str]) -> None:
    """Delete the session from `store` in one transaction, if it still holds exactly what
    was copied; else SourceChangedError, nothing deleted."""
    shown = getattr(store, "shown", store.location)

    def unchanged(now: StoreNow) -> str | None:
        if now.info(session_id) is None:
            raise SessionNotFoundError(shown, session_id)
        if now.digest(session_id) == expected:
            return None
        return (
            f"{shown}: session {session_id!r} changed while it was being moved;"
            " the copy was kept and the source left as it is"
        )

    try:
        store.delete_sessions([session_id], guard=unchanged)
    except StoreChangedError as exc:
        raise SourceChangedError(str(exc)) from exc


def rename_session(
    db_path: str | os.PathLike[str],
    session_id: str,
    new_session_id: str,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> int:
    """Give a session a new id, in every table that refers to it, in one transaction.

    Returns the number of items renamed. A cancel before the commit changes nothing.
    """
    path = Path(db_path)
    if not new_session_id or new_session_id == session_id:
        raise InputError("give a new, different session id")
    report = Reporter(progress, cancel)
    report(0, 1, session_id)
    with write_transaction(path) as conn:
        changed = _rename_rows(conn, path, session_id, new_session_id)
        report.check()  # still inside the transaction: a cancel rolls it back
    follow_rename(path, session_id, new_session_id)  # the user's notes
    if progress is not None:
        progress(1, 1, "done")
    return changed


def _rename_rows(conn: sqlite3.Connection, path: Path, old: str, new: str) -> int:
    layout = discover_layout(conn)
    pair = pair_holding(conn, layout, old)
    if pair is None:
        raise SessionNotFoundError(path, old)
    if pair_holding(conn, layout, new) is not None:
        raise InputError(f"{path}: a session {new!r} exists already")
    changed = 0
    for table in (pair.sessions_table, pair.messages_table, *pair.dependent_tables):
        cursor = conn.execute(
            f"UPDATE {quote_identifier(table)} SET session_id = ? WHERE session_id = ?", (new, old)
        )
        changed += cursor.rowcount if table == pair.messages_table else 0
    return changed


def merge_stores(
    sources: list[Path],
    target: Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> BatchReport:
    """Copy every session of several stores into one (sources stay as they are).

    A session id the target already holds is copied as `<id>@<source file stem>`,
    so nothing is ever replaced.
    """
    report = BatchReport()
    reporter = Reporter(progress, cancel)
    jobs = _sessions_of(sources, report)
    for done, (store, session_id) in enumerate(jobs):
        reporter(done, len(jobs), f"{store.name}: {session_id}")
        new_id = _free_id(target, session_id, store) if target.exists() else None
        _copy_into(report, store, session_id, target, new_id)
    reporter(len(jobs), len(jobs), "done")
    return report


def split_store(
    source: Path,
    folder: Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> BatchReport:
    """One new store per session of `source`, named `<stem>--<session id>.db` (source kept)."""
    report = BatchReport()
    reporter = Reporter(progress, cancel)
    jobs = _sessions_of([source], report)
    for done, (store, session_id) in enumerate(jobs):
        reporter(done, len(jobs), session_id)
        _copy_into(report, store, session_id, folder / split_name(store, session_id), None)
    reporter(len(jobs), len(jobs), "done")
    return report


def split_name(store: Path, session_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._@+=-]+", "_", session_id).strip("._") or "session"
    return f"{store.stem}--{safe[:120]}.db"


def _sessions_of(stores: list[Path], report: BatchReport) -> list[tuple[Path, str]]:
    jobs = []
    for store in stores:
        try:
            jobs += [(store, info.session_id) for info in read_store_sessions(store)]
        except StoreError as exc:
            report.failures.append((store, "", str(exc)))
    return jobs


def _free_id(target: Path, session_id: str, source: Path) -> str | None:
    try:
        taken = {info.session_id for info in read_store_sessions(target)}
    except StoreError:
        return None  # the copy itself will report what is wrong with the target
    if session_id not in taken:
        return None
    candidate, counter = f"{session_id}@{source.stem}", 2
    while candidate in taken:
        candidate, counter = f"{session_id}@{source.stem}-{counter}", counter + 1
    return candidate


def _copy_into(
    report: BatchReport, store: Path, session_id: str, target: Path, new_id: str | None
) -> None:
    try:
        report.written.append(copy_session(store, session_id, target, new_session_id=new_id))
    except (StoreError, SessionNotFoundError, ValueError, OSError) as exc:
        report.failures.append((store, session_id, str(exc)))
