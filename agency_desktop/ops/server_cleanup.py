"""Remove a server store's sessions whose last activity is older than a cut-off.

As for folders (`cleanup.py`): `plan_server_cleanup` decides and is the preview,
`run_server_cleanup` carries out exactly that plan. A server has no trash, so the
sessions are first backed up into one local file in the app's backups folder (the SDK's
SQLiteSession opens it), and only then deleted, all in one transaction. A session that
changed since the preview (new items, gone) is left as it is and reported.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..stores.base import Store, StoreChangedError, StoreNow
from ..stores.records import SessionInfo
from ..stores.registry import open_store
from ..util.errors import InputError
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .cleanup import _unchanged as changed_since
from .server_backup import automatic_server_backup


@dataclass(frozen=True)
class ServerCleanupPlan:
    location: str  # the store's URL as given (it opens the store): never shown
    shown: str  # the same, its password masked
    cutoff: datetime
    sessions: tuple[SessionInfo, ...]

    @property
    def session_count(self) -> int:
        return len(self.sessions)

    @property
    def message_count(self) -> int:
        return sum(s.message_count for s in self.sessions)


@dataclass
class ServerCleanupReport:
    plan: ServerCleanupPlan
    dry_run: bool
    deleted_sessions: list[SessionInfo] = field(default_factory=list)
    items_deleted: int = 0
    backup: Path | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (session id, reason)

    def as_dict(self) -> dict[str, Any]:
        return {
            "store": self.plan.shown,
            "cutoff": self.plan.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "sessions": [
                {
                    "session_id": s.session_id,
                    "message_count": s.message_count,
                    "updated_at": s.updated_at.isoformat() if s.updated_at else None,
                }
                for s in self.plan.sessions
            ],
            "deleted_sessions": [s.session_id for s in self.deleted_sessions],
            "items_deleted": self.items_deleted,
            "backup": str(self.backup) if self.backup else None,
            "skipped": [{"session_id": sid, "reason": why} for sid, why in self.skipped],
        }


def plan_server_cleanup(
    location: str, older_than_days: float, *, now: datetime | None = None
) -> ServerCleanupPlan:
    """The sessions of the server store at `location` with no activity since the cut-off."""
    if older_than_days < 0:
        raise InputError("older_than_days must be 0 or more")
    store = deleting_from(location)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    old = tuple(s for s in store.sessions() if s.updated_at is not None and s.updated_at < cutoff)
    return ServerCleanupPlan(location, getattr(store, "shown", location), cutoff, old)


def plan_server_sessions(location: str, sessions: Sequence[SessionInfo]) -> ServerCleanupPlan:
    """A plan that deletes exactly these sessions of the server store at `location`.

    As `cleanup.plan_for_sessions`: the cut-off sits just after the latest activity among
    them, so a session with new activity before the run counts as changed and is kept.
    """
    if not sessions:
        raise InputError("no sessions to delete")
    times = [s.updated_at for s in sessions if s.updated_at is not None]
    cutoff = (max(times) if times else datetime.now(UTC)) + timedelta(microseconds=1)
    store = deleting_from(location)
    return ServerCleanupPlan(location, getattr(store, "shown", location), cutoff, tuple(sessions))


def deleting_from(location: str) -> Store:
    """The store, if sessions can be deleted from it (by this account): said before any
    preview, copy or backup."""
    store = open_store(location)
    if not store.writable:
        shown = getattr(store, "shown", location)
        raise InputError(
            f"{shown}: deleting sessions on a {store.label} server is not supported yet"
        )
    store.check_can_delete()
    return store


def run_server_cleanup(
    plan: ServerCleanupPlan,
    *,
    backup_dir: str | os.PathLike[str] | None = None,
    auto_backup: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ServerCleanupReport:
    """Back up, then delete exactly the plan's sessions that are still as planned.

    The backup is taken (and checked: written, verified, renamed) before anything is
    deleted; a cancel before the delete leaves the server as it was, the backup kept."""
    report = ServerCleanupReport(plan, dry_run=False)
    reporter = Reporter(progress, cancel)
    store = open_store(plan.location)
    reporter(0, 3, "checking")
    doomed = _still_planned(plan, list(store.sessions()), report)
    if not doomed:
        reporter(3, 3, "done")
        return report
    if auto_backup:
        reporter(1, 3, "backing up")
        root = Path(backup_dir) if backup_dir is not None else None
        ids = [s.session_id for s in doomed]
        report.backup = automatic_server_backup(plan.location, ids, root, cancel=cancel)
    reporter(2, 3, "deleting")

    def still_as_planned(now: StoreNow) -> str | None:
        # Checked again inside the deleting transaction: an agent may have written since.
        current = [seen for seen in map(now.info, doomed) if seen is not None]
        return changed_since(doomed, current, plan.cutoff)

    try:
        report.items_deleted = store.delete_sessions(doomed, guard=still_as_planned)
    except StoreChangedError as exc:
        report.skipped.extend((s.session_id, str(exc)) for s in doomed)
    else:
        report.deleted_sessions.extend(doomed)
    reporter(3, 3, "done")
    return report


def _still_planned(
    plan: ServerCleanupPlan, current: list[SessionInfo], report: ServerCleanupReport
) -> list[SessionInfo]:
    """The plan's sessions as the store lists them now; the others go to `skipped`."""
    kept = []
    for info in plan.sessions:
        reason = changed_since([info], current, plan.cutoff)
        if reason is None:
            kept.append(info)
        else:
            report.skipped.append((info.session_id, reason))
    return kept
