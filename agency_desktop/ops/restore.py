"""Put backed-up stores back into a folder, without ever losing the files already there.

`plan_restore` compares each backed-up store with the file of the same name in
the folder; `run_restore` carries out that plan under a conflict policy. Every
file is written by `backup_store` (temporary name, quick_check, rename), so a
failure or cancel never leaves a partial store, and a file that is replaced is
first backed up — unless it looks in use, in which case it is left alone.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal, get_args

from ..stores.errors import StoreError
from ..stores.listing import iter_candidate_files, read_store_sessions, side_files
from ..stores.readonly import has_sqlite_header
from ..stores.records import SessionInfo, latest
from ..util.errors import InputError
from ..util.paths import backup_dir as default_backup_dir
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .archive_format import ZIP_READ_ERRORS, file_sha256, read_manifest, stream_sha256
from .atomic import remove_quietly
from .backup import backup_store

Conflict = Literal["skip", "keep_both", "replace"]
CONFLICT_POLICIES: tuple[str, ...] = get_args(Conflict)
BEFORE_RESTORE = "before-restore"


class RestoreAction(enum.StrEnum):
    """How a backed-up store relates to the file of the same name in the folder."""

    NEW = "new"  # nothing of that name in the folder
    IDENTICAL = "identical"  # same bytes: nothing to do
    OLDER_IN_BACKUP = "older_in_backup"  # the folder's file is at least as recent: ask first
    NEWER_IN_BACKUP = "newer_in_backup"


@dataclass(frozen=True)
class RestoreItem:
    """One store in the backup. `member` is set when `source` is an archive."""

    name: str
    source: Path
    member: str | None
    target: Path
    action: RestoreAction
    backup_last_activity: datetime | None
    current_last_activity: datetime | None
    sha256: str | None = None  # of the backed-up copy, when known (always for archive members)
    note: str = ""

    @property
    def backup_label(self) -> str:
        return f"{self.source} : {self.member}" if self.member else str(self.source)


@dataclass(frozen=True)
class RestorePlan:
    source: Path
    folder: Path
    items: tuple[RestoreItem, ...]
    problems: tuple[tuple[str, str], ...] = ()  # (backup file or member, why it is left out)

    @property
    def conflicts(self) -> tuple[RestoreItem, ...]:
        """Items whose target exists with other content: these need a conflict policy."""
        return tuple(
            item
            for item in self.items
            if item.action in (RestoreAction.OLDER_IN_BACKUP, RestoreAction.NEWER_IN_BACKUP)
        )


@dataclass(frozen=True)
class RestoredFile:
    item: RestoreItem
    path: Path
    backup: Path | None = None  # the replaced file's backup, when one was replaced


@dataclass
class RestoreReport:
    plan: RestorePlan
    conflict: str
    restored: list[RestoredFile] = field(default_factory=list)
    skipped: list[tuple[RestoreItem, str]] = field(default_factory=list)
    failed: list[tuple[RestoreItem, str]] = field(default_factory=list)

    @property
    def backups(self) -> list[Path]:
        return [r.backup for r in self.restored if r.backup is not None]


@dataclass(frozen=True)
class _Backup:
    """A backed-up store before it is compared with the folder."""

    name: str
    source: Path
    member: str | None
    size_bytes: int
    sha256: str | None
    last_activity: datetime | None
    sessions: frozenset[str] | None = None  # session ids, when known without reading the copy


# --- planning ------------------------------------------------------------------------------


def plan_restore(source: Path, folder: Path) -> RestorePlan:
    """Decide, for each store in a backup folder, backup file or archive, what restoring means.

    Nothing is written. A file in a backup folder that is not a readable store
    is listed in `problems`; a single file that is neither a store nor an
    archive raises (StoreError, or ValueError for a non-SQLite, non-zip file).
    """
    source, folder = Path(source), Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder")
    if source.is_dir():
        backups, problems = _folder_backups(source)
    elif has_sqlite_header(source):
        backups, problems = [_file_backup(source, source.name)], []
    elif zipfile.is_zipfile(source):
        backups, problems = _archive_backups(source)
    elif not source.exists():
        raise FileNotFoundError(f"{source}: no such file or folder")
    else:
        raise InputError(f"{source}: not a session store, a folder of backups or a backup archive")
    items = tuple(_decide(backup, folder) for backup in backups)
    return RestorePlan(source, folder, items, tuple(problems))


def _file_backup(path: Path, name: str) -> _Backup:
    sessions = read_store_sessions(path)
    activity = latest(*(s.updated_at for s in sessions))
    return _Backup(name, path, None, path.stat().st_size, None, activity)


def _folder_backups(folder: Path) -> tuple[list[_Backup], list[tuple[str, str]]]:
    backups: list[_Backup] = []
    problems: list[tuple[str, str]] = []
    for path in iter_candidate_files(folder):
        try:
            backups.append(_file_backup(path, path.name))
        except StoreError as exc:
            problems.append((str(path), str(exc)))
    return backups, problems


def _archive_backups(archive_path: Path) -> tuple[list[_Backup], list[tuple[str, str]]]:
    """The manifest says what each member is; members are only unpacked by run_restore."""
    with zipfile.ZipFile(archive_path) as archive:
        entries = read_manifest(archive)
        members = set(archive.namelist())
    backups: list[_Backup] = []
    problems: list[tuple[str, str]] = []
    for entry in entries:
        if not is_safe_member_name(entry.name):
            problems.append((entry.name, "its name points outside the folder"))
        elif entry.name not in members:
            problems.append((entry.name, "listed in the manifest but not in the archive"))
        else:
            backups.append(
                _Backup(
                    entry.name,
                    archive_path,
                    entry.name,
                    entry.size_bytes,
                    entry.sha256,
                    entry.last_activity,
                    frozenset(entry.sessions),
                )
            )
    return backups, problems


def is_safe_member_name(name: str) -> bool:
    """A relative path that stays inside the folder (no '..', no drive, no absolute path)."""
    path = PurePosixPath(name)
    return bool(
        name
        and "\\" not in name
        and ":" not in name
        and not path.is_absolute()
        and ".." not in path.parts
    )


def _decide(backup: _Backup, folder: Path) -> RestoreItem:
    target = folder.joinpath(*PurePosixPath(backup.name).parts)
    if not os.path.lexists(target):
        return _item(backup, target, RestoreAction.NEW)
    current, note = _current_activity(target)
    if not in_use(target) and (_same_content(backup, target) or _same_sessions(backup, target)):
        return _item(backup, target, RestoreAction.IDENTICAL, current, note)
    if current is not None and (backup.last_activity is None or current >= backup.last_activity):
        return _item(backup, target, RestoreAction.OLDER_IN_BACKUP, current, note)
    return _item(backup, target, RestoreAction.NEWER_IN_BACKUP, current, note)


def _item(
    backup: _Backup,
    target: Path,
    action: RestoreAction,
    current: datetime | None = None,
    note: str = "",
) -> RestoreItem:
    return RestoreItem(
        name=backup.name,
        source=backup.source,
        member=backup.member,
        target=target,
        action=action,
        backup_last_activity=backup.last_activity,
        current_last_activity=current,
        sha256=backup.sha256,
        note=note,
    )


def _current_activity(target: Path) -> tuple[datetime | None, str]:
    try:
        sessions = read_store_sessions(target)
    except StoreError as exc:
        return None, f"the file in the folder cannot be read: {exc.kind.explanation}"
    return latest(*(s.updated_at for s in sessions)), ""


def _same_content(backup: _Backup, target: Path) -> bool:
    """Sizes first: hashing is only worth it when the sizes agree."""
    try:
        if target.stat().st_size != backup.size_bytes:
            return False
        expected = backup.sha256 or file_sha256(backup.source)
        return file_sha256(target) == expected
    except OSError:
        return False


def _same_sessions(backup: _Backup, target: Path) -> bool:
    """Same sessions with the same items: a backup is rarely byte-identical to its source
    (a WAL folded in, another journal mode), yet restoring it would change nothing."""
    try:
        now = read_store_sessions(target)
        if backup.member is not None:  # an archive: compare what its manifest recorded
            return backup.sessions == frozenset(
                s.session_id for s in now
            ) and backup.last_activity == latest(*(s.updated_at for s in now))
        then = read_store_sessions(backup.source)
    except StoreError:
        return False

    def fingerprint(infos: list[SessionInfo]) -> set[tuple[object, ...]]:
        return {(s.session_id, s.message_count, s.last_message_id, s.updated_at) for s in infos}

    return fingerprint(then) == fingerprint(now)


def in_use(store: Path) -> bool:
    """A -wal holding data or a -journal: a program may have the store open mid-write.

    Replacing such a file would lose what lives only in its side file, or pull
    the file from under an agent that is writing to it.
    """
    wal, _shm, journal = side_files(store)
    try:
        return (wal.exists() and wal.stat().st_size > 0) or journal.exists()
    except OSError:
        return True


# --- running -------------------------------------------------------------------------------


def run_restore(
    plan: RestorePlan,
    *,
    conflict: Conflict,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    backup_dir: Path | None = None,
) -> RestoreReport:
    """Restore new stores, skip identical ones, and apply `conflict` where a file exists.

    Whether a target exists is checked again now, so a file that appeared
    since the plan is never overwritten by a `new` item. One item that fails
    is reported and the rest go on; a cancel stops before the next item.
    """
    if conflict not in CONFLICT_POLICIES:
        raise InputError(f"conflict must be one of {', '.join(CONFLICT_POLICIES)}")
    backups = Path(backup_dir) if backup_dir is not None else default_backup_dir() / BEFORE_RESTORE
    report = RestoreReport(plan, conflict)
    reporter = Reporter(progress, cancel)
    total = len(plan.items)
    with _scratch_for(plan) as scratch:
        for done, item in enumerate(plan.items):
            reporter(done, total, item.name)
            try:
                _restore_one(item, report, scratch, backups, cancel)
            except (StoreError, ValueError, *ZIP_READ_ERRORS) as exc:
                report.failed.append((item, str(exc)))
    if progress is not None:  # no cancel check: everything is done
        progress(total, total, "done")
    return report


@contextlib.contextmanager
def _scratch_for(plan: RestorePlan) -> Iterator[Path | None]:
    """A folder to unpack archive members into, beside the targets (same disk, same space).

    Hidden and removed at the end, whatever happens; not made for a plan without archives.
    """
    if not any(item.member for item in plan.items):
        yield None
        return
    plan.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(
        prefix=".agency-restore-", suffix=".tmp", dir=plan.folder
    ) as scratch:
        yield Path(scratch)


def _restore_one(
    item: RestoreItem,
    report: RestoreReport,
    scratch: Path | None,
    backups: Path,
    cancel: CancelToken | None,
) -> None:
    exists = os.path.lexists(item.target)
    reason = _reason_to_skip(item, exists, report.conflict)
    if reason:
        report.skipped.append((item, reason))
        return
    with _backed_up_copy(item, scratch) as copy:
        if not exists:
            written = backup_store(copy, item.target, cancel=cancel).path
            report.restored.append(RestoredFile(item, written))
        elif report.conflict == "keep_both":
            written = backup_store(copy, keep_both_name(item.target), cancel=cancel).path
            report.restored.append(RestoredFile(item, written))
        else:
            _replace(item, copy, report, backups, cancel)


def _reason_to_skip(item: RestoreItem, exists: bool, conflict: str) -> str:
    if not exists:
        return ""
    if item.action is RestoreAction.IDENTICAL:
        return "the file in the folder is identical to the backup"
    if conflict == "skip":
        return "a different file of that name is in the folder"
    if conflict == "replace" and in_use(item.target):
        return "the file in the folder may be in use (it has a -wal with data or a -journal)"
    return ""


def _replace(
    item: RestoreItem,
    copy: Path,
    report: RestoreReport,
    backups: Path,
    cancel: CancelToken | None,
) -> None:
    """Back up the current file, then swap the restored copy in with one atomic rename.

    If the current file cannot be backed up (it is damaged, say) it is not
    replaced: keep_both restores beside it instead.
    """
    backups.mkdir(parents=True, exist_ok=True)
    saved = backup_store(item.target, backups, cancel=cancel).path
    try:
        backup_store(copy, item.target, overwrite=True, cancel=cancel)
    except FileExistsError as exc:
        if exc.errno != errno.EBUSY:
            raise
        # An agent opened the store between the check and the rename: leave it be.
        report.skipped.append((item, f"the file in the folder came into use ({exc.strerror})"))
        return
    report.restored.append(RestoredFile(item, item.target, saved))


def keep_both_name(target: Path) -> Path:
    """'plain (restored 2026-11-25 0930).db', with a counter if even that name is taken."""
    stamp = datetime.now().strftime("%Y-%m-%d %H%M")
    candidate = target.with_name(f"{target.stem} (restored {stamp}){target.suffix}")
    counter = 2
    while os.path.lexists(candidate):
        candidate = target.with_name(f"{target.stem} (restored {stamp}, {counter}){target.suffix}")
        counter += 1
    return candidate


@contextlib.contextmanager
def _backed_up_copy(item: RestoreItem, scratch: Path | None) -> Iterator[Path]:
    """The backed-up store as a file: itself, or an archive member unpacked and checked."""
    if item.member is None:
        yield item.source
        return
    assert scratch is not None, "a plan with archive members always gets a scratch folder"
    unpacked = scratch / f"{uuid.uuid4().hex}.db"
    try:
        _unpack(item, unpacked)
        yield unpacked
    finally:
        remove_quietly(unpacked)


def _unpack(item: RestoreItem, unpacked: Path) -> None:
    """Stream a member out, hashing it on the way; a mismatch with the manifest is an error."""
    assert item.member is not None
    with zipfile.ZipFile(item.source) as archive:
        try:
            member = archive.open(item.member)
        except KeyError:
            raise InputError(f"{item.member}: not in the archive {item.source}") from None
        with member, unpacked.open("xb") as sink:
            digest = stream_sha256(member, sink)
    if item.sha256 is not None and digest != item.sha256:
        raise InputError(f"{item.member}: its sha256 does not match the archive's manifest")
