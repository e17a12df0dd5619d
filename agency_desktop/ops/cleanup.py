"""Remove sessions whose last activity is older than a cut-off.

`plan_cleanup` decides, `run_cleanup` carries out exactly that plan: the dry
run and the real run therefore agree by construction. A file whose sessions
all go is moved to the system trash (with its -wal/-shm); a session inside a
file that keeps others is deleted in one transaction after a backup of the file.
Anything that changed between plan and run is skipped, never removed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..stores.base import StoreChangedError, StoreNow
from ..stores.errors import StoreError
from ..stores.listing import (
    read_store_sessions,
    require_directory,
    scan_directory,
    side_files,
    store_size,
)
from ..stores.readonly import translate_errors
from ..stores.records import SessionInfo
from ..stores.sqlite_file import SQLiteFileStore
from ..stores.sqlite_writes import open_for_writing
from ..util.errors import InputError
from ..util.paths import backup_dir as default_backup_dir
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .auto_backup import automatic_backup

Trash = Callable[[list[str]], None]


@dataclass(frozen=True)
class FileRemoval:
    path: Path
    size_bytes: int
    sessions: tuple[SessionInfo, ...]


@dataclass(frozen=True)
class CleanupPlan:
    directory: Path
    cutoff: datetime
    files: tuple[FileRemoval, ...]
    sessions: tuple[SessionInfo, ...]

    @property
    def session_count(self) -> int:
        return len(self.sessions) + sum(len(f.sessions) for f in self.files)

    @property
    def message_count(self) -> int:
        every = [*self.sessions, *(s for f in self.files for s in f.sessions)]
        return sum(s.message_count for s in every)

    @property
    def file_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)


@dataclass
class CleanupReport:
    plan: CleanupPlan
    dry_run: bool
    trashed_files: list[Path] = field(default_factory=list)
    deleted_files: list[Path] = field(default_factory=list)
    deleted_sessions: list[SessionInfo] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.plan.directory),
            "cutoff": self.plan.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "files": [
                {
                    "path": str(f.path),
                    "size_bytes": f.size_bytes,
                    "sessions": [s.session_id for s in f.sessions],
                }
                for f in self.plan.files
            ],
            "sessions": [
                {
                    "path": str(s.db_path),
                    "session_id": s.session_id,
                    "message_count": s.message_count,
                }
                for s in self.plan.sessions
            ],
            "trashed_files": [str(p) for p in self.trashed_files],
            "deleted_files": [str(p) for p in self.deleted_files],
            "deleted_sessions": [
                {"path": str(s.db_path), "session_id": s.session_id} for s in self.deleted_sessions
            ],
            "backups": [str(p) for p in self.backups],
            "skipped": [
                {"path": str(p), "session_id": sid, "reason": why} for p, sid, why in self.skipped
            ],
        }


def plan_cleanup(
    directory: str | os.PathLike[str],
    older_than_days: float,
    *,
    recursive: bool = False,
    now: datetime | None = None,
) -> CleanupPlan:
    if older_than_days < 0:
        raise InputError("older_than_days must be 0 or more")
    root = require_directory(directory)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    files: list[FileRemoval] = []
    partial: list[SessionInfo] = []
    for scan in scan_directory(root, recursive):
        old = [s for s in scan.sessions if s.updated_at is not None and s.updated_at < cutoff]
        if not old:
            continue
        if len(old) == len(scan.sessions):
            files.append(FileRemoval(scan.path, store_size(scan.path), tuple(old)))
        else:
            partial.extend(old)
    return CleanupPlan(root, cutoff, tuple(files), tuple(partial))


def plan_for_sessions(sessions: list[SessionInfo]) -> CleanupPlan:
    """A plan that removes exactly these sessions (a file whose sessions all go, as a file).

    The cut-off sits just after the latest activity among them, so any session that
    sees new activity before the run counts as changed and is skipped.
    """
    if not sessions:
        raise InputError("no sessions to remove")
    times = [s.updated_at for s in sessions if s.updated_at is not None]
    cutoff = (max(times) if times else datetime.now(UTC)) + timedelta(microseconds=1)
    files: list[FileRemoval] = []
    partial: list[SessionInfo] = []
    by_file: dict[Path, list[SessionInfo]] = defaultdict(list)
    for info in sessions:
        by_file[info.db_path].append(info)
    for path, chosen in by_file.items():
        try:
            everything = read_store_sessions(path)
        except StoreError:
            continue  # unreadable now: nothing can be removed from it safely
        if len(everything) == len(chosen):
            files.append(FileRemoval(path, store_size(path), tuple(chosen)))
        else:
            partial.extend(chosen)
    folder = Path(os.path.commonpath([str(p.parent) for p in by_file]))
    return CleanupPlan(folder, cutoff, tuple(files), tuple(partial))


def send_to_trash(paths: list[str]) -> None:
    from send2trash import send2trash

    send2trash(paths)


def run_cleanup(
    plan: CleanupPlan,
    *,
    backup_dir: str | os.PathLike[str] | None = None,
    auto_backup: bool = True,
    trash: Trash | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> CleanupReport:
    """Remove exactly what the plan lists; a file or session that changed since is skipped.

    With `auto_backup` (the default) a store is backed up into `backup_dir` before
    sessions are deleted from it; without, they are deleted as they are, and a file
    that cannot go to the system trash is left in place rather than deleted unsaved.
    """
    report = CleanupReport(plan, dry_run=False)
    trash = trash or send_to_trash  # looked up now, so tests can replace the system trash
    backups = None
    if auto_backup:
        backups = Path(backup_dir) if backup_dir is not None else default_backup_dir()
    reporter = Reporter(progress, cancel)
    by_file: dict[Path, list[SessionInfo]] = defaultdict(list)
    for info in plan.sessions:
        by_file[info.db_path].append(info)
    steps = len(plan.files) + len(by_file)
    for done, removal in enumerate(plan.files):
        reporter(done, steps, str(removal.path))
        with _skip_on_failure(report, removal.path, ""):
            _remove_file(removal, backups, trash, report)
    for done, (path, infos) in enumerate(by_file.items(), len(plan.files)):
        reporter(done, steps, str(path))
        with _skip_on_failure(report, path, ", ".join(i.session_id for i in infos)):
            _remove_sessions(path, infos, plan.cutoff, backups, report)
    reporter(steps, steps, "done")
    return report


@contextlib.contextmanager
def _skip_on_failure(report: CleanupReport, path: Path, sessions: str) -> Iterator[None]:
    """One file that cannot be handled (locked, damaged, unwritable) must not stop the rest."""
    try:
        with translate_errors(path, os_errors=False):
            yield
    except (StoreError, OSError) as exc:
        report.skipped.append((path, sessions, str(exc)))


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the main file, so no part of the store lives only in a side file."""
    with contextlib.suppress(StoreError, sqlite3.Error):
        conn = open_for_writing(path)
        try:
            conn.execute("PRAGMA busy_timeout = 250")  # a store in use is skipped, not waited for
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()


def _unchanged(
    planned: Sequence[SessionInfo], current: Sequence[SessionInfo], cutoff: datetime
) -> str | None:
    """Why the file no longer matches the plan, or None when it still does."""
    now = {(s.sessions_table, s.messages_table, s.session_id): s for s in current}
    for info in planned:
        seen = now.get((info.sessions_table, info.messages_table, info.session_id))
        if seen is None:
            return "the session is gone already"
        if (
            seen.updated_at is None
            or seen.updated_at >= cutoff
            or seen.message_count != info.message_count
        ):
            return "the session changed since the preview"
    return None


def _remove_file(
    removal: FileRemoval, backups: Path | None, trash: Trash, report: CleanupReport
) -> None:
    try:
        current = read_store_sessions(removal.path)
    except StoreError as exc:
        report.skipped.append((removal.path, "", str(exc)))
        return
    reason = _unchanged(removal.sessions, current, report.plan.cutoff)
    if reason is None and len(current) != len(removal.sessions):
        reason = "a new session appeared in the file since the preview"
    if reason:
        report.skipped.append((removal.path, "", reason))
        return
    _checkpoint(removal.path)
    wal = removal.path.with_name(removal.path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        # A WAL that a TRUNCATE checkpoint could not empty has a reader or writer attached.
        report.skipped.append((removal.path, "", "the store is in use by another program"))
        return
    members = [str(p) for p in (removal.path, *side_files(removal.path)) if p.exists()]
    try:
        trash(members)
    except OSError:
        if (
            not removal.path.exists()
        ):  # the store went to the trash; a checkpointed side file did not
            for member in members:
                Path(member).unlink(missing_ok=True)
            report.trashed_files.append(removal.path)
            return
        # No trash on this system or filesystem: keep a backup, then delete.
        if backups is None:
            reason = "it cannot go to the system trash here, and automatic backups are off"
            report.skipped.append((removal.path, "", reason))
            return
        report.backups.append(automatic_backup(removal.path, backups))
        for member in members:
            Path(member).unlink(missing_ok=True)
        report.deleted_files.append(removal.path)
        return
    report.trashed_files.append(removal.path)


def _remove_sessions(
    path: Path,
    infos: list[SessionInfo],
    cutoff: datetime,
    backups: Path | None,
    report: CleanupReport,
) -> None:
    try:
        reason = _unchanged(infos, read_store_sessions(path), cutoff)
    except StoreError as exc:
        reason = str(exc)
    if reason:
        report.skipped.extend((path, info.session_id, reason) for info in infos)
        return
    if backups is not None:
        report.backups.append(automatic_backup(path, backups))

    def still_as_planned(now: StoreNow) -> str | None:
        # Checked again under the write lock: an agent may have written since the backup.
        current = [seen for seen in map(now.info, infos) if seen is not None]
        return _unchanged(infos, current, cutoff)

    try:
        SQLiteFileStore(path).delete_sessions(infos, guard=still_as_planned)
    except StoreChangedError as exc:
        reason = str(exc)
    if reason:
        report.skipped.extend((path, info.session_id, reason) for info in infos)
    else:
        report.deleted_sessions.extend(infos)


def cleanup_test_sessions(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete the session stores under a test folder (other files stay), then empty folders."""
    root = Path(directory)
    if not root.is_dir():
        return []
    removed = []
    for scan in scan_directory(root, recursive=True):
        if scan.problem is None:
            for member in (scan.path, *side_files(scan.path)):
                member.unlink(missing_ok=True)
            removed.append(scan.path)
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: len(entry[0]), reverse=True):
        if not any(Path(folder).iterdir()):
            Path(folder).rmdir()
    return removed
