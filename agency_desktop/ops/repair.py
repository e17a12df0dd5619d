"""Repair what the store doctor found, only when the user asks, after a backup.

`plan_repair` says exactly what will be done (the doctor's findings a repair exists
for); `run_repair` does exactly that plan: an automatic backup first, then a rehearsal
on a copy of the backup, read back through the SDK's own `AdvancedSQLiteSession`
(every hidden item returned, in order, turns numbered 1..n), and only then the same
repair in one transaction on the store, refused if the store changed since the plan.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..stores.base import StoreChangedError
from ..stores.doctor import REPAIRABLE_KINDS, Finding, FindingKind, diagnose
from ..stores.health import check_store
from ..stores.readonly import translate_errors
from ..stores.repairs import RepairCount, repair_session
from ..stores.schema import StoreLayout, TablePair, discover_layout, pair_holding
from ..stores.sqlite_writes import open_for_writing, rollback_quietly, writing_to
from ..util.errors import InputError
from ..util.formatting import counted
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .auto_backup import automatic_backup

REPAIRED_IN_A_TRANSACTION = (
    FindingKind.HIDDEN_HISTORY,
    FindingKind.MESSAGES_WITHOUT_SESSION,
    FindingKind.ORPHAN_STRUCTURE,
    FindingKind.ORPHAN_USAGE,
)
REPAIRABLE = REPAIRABLE_KINDS  # those, and a journal mode set back to WAL
# Orphan structure rows go first: they would otherwise keep stale numbers on main.
_ORDER = {
    kind: number
    for number, kind in enumerate(
        (
            FindingKind.ORPHAN_STRUCTURE,
            FindingKind.MESSAGES_WITHOUT_SESSION,
            FindingKind.HIDDEN_HISTORY,
            FindingKind.ORPHAN_USAGE,
            FindingKind.NOT_WAL,
        )
    )
}


class RepairVerificationError(OSError):
    """The rehearsal on a copy did not read back as it should; the store was not touched."""


@dataclass(frozen=True)
class RepairPlan:
    path: Path
    steps: tuple[Finding, ...]  # what will be repaired, in the order it will be
    left: tuple[Finding, ...]  # findings no repair exists for (shown, never touched)

    @property
    def empty(self) -> bool:
        return not self.steps

    def describe(self) -> list[str]:
        """One line per step, as the preview and the CLI show it."""
        return [_step_text(step) for step in self.steps]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "steps": [{**f.as_dict(), "will": _step_text(f)} for f in self.steps],
            "left": [f.as_dict() for f in self.left],
        }


@dataclass
class RepairReport:
    plan: RepairPlan
    backup: Path | None = None
    repaired: list[RepairCount] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.plan.as_dict(),
            "backup": str(self.backup) if self.backup else None,
            "repaired": [
                {"kind": str(c.kind), "session_id": c.session_id, "rows": c.rows}
                for c in self.repaired
            ],
        }


def _step_text(finding: Finding) -> str:
    session = f"session {finding.session_id!r}" if finding.session_id else "the store"
    if finding.kind is FindingKind.HIDDEN_HISTORY:
        return (
            f"{session}: add {counted(finding.rows, 'structure row')} so the SDK sees"
            " its older items again, and number the main branch's turns from the first item"
        )
    if finding.kind is FindingKind.MESSAGES_WITHOUT_SESSION:
        return f"{session}: add its session row, dated by its first and last items"
    if finding.kind is FindingKind.ORPHAN_STRUCTURE:
        return f"{session}: delete {counted(finding.rows, 'structure row')} of items that are gone"
    if finding.kind is FindingKind.ORPHAN_USAGE:
        return f"{session}: delete {counted(finding.rows, 'usage row')} of a session that is gone"
    return f"{session}: {finding.repair}"


def plan_repair(
    path: str | os.PathLike[str],
    kinds: Iterable[FindingKind] | None = None,
    sessions: Iterable[str] | None = None,
) -> RepairPlan:
    """What a repair of this store would do (reads only). `kinds` and `sessions` narrow it."""
    store = Path(path)
    health = check_store(store)
    if health.problem is not None:
        raise InputError(health.problem.message)
    wanted_kinds = set(kinds) if kinds is not None else REPAIRABLE
    wanted_sessions = set(sessions) if sessions is not None else None
    chosen = [
        f
        for f in health.findings
        if f.kind in wanted_kinds
        and (wanted_sessions is None or f.session_id is None or f.session_id in wanted_sessions)
    ]
    steps = sorted((f for f in chosen if f.kind in REPAIRABLE), key=_step_order)
    left = [f for f in chosen if f.kind not in REPAIRABLE and f.kind.is_problem]
    return RepairPlan(store, tuple(steps), tuple(left))


def _step_order(finding: Finding) -> tuple[int, str]:
    return _ORDER.get(finding.kind, len(_ORDER)), finding.session_id or ""


def run_repair(
    plan: RepairPlan,
    *,
    backup_root: Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> RepairReport:
    """Back up, rehearse on a copy and read it back through the SDK, then repair."""
    report = Reporter(progress, cancel)
    result = RepairReport(plan)
    if plan.empty:
        return result
    report(0, 3, "backing up")
    result.backup = automatic_backup(plan.path, backup_root)
    report(1, 3, "rehearsing on a copy")
    _rehearse(plan, result.backup)
    report(2, 3, "repairing")
    result.repaired = _repair_in_place(plan.path, plan)
    if progress is not None:
        progress(3, 3, "done")
    return result


def _rehearse(plan: RepairPlan, backup: Path) -> None:
    """The same repair on a copy, read back through the SDK before the store is touched."""
    from .sdk_reading import items_due_on_main, read_back_main_branch  # the SDK: when used

    with tempfile.TemporaryDirectory(prefix="agency-repair-") as folder:
        copy = Path(folder) / plan.path.name
        shutil.copyfile(backup, copy)
        hidden = [
            s.session_id
            for s in plan.steps
            if s.kind is FindingKind.HIDDEN_HISTORY and s.session_id is not None
        ]
        expected = {session_id: items_due_on_main(copy, session_id) for session_id in hidden}
        _repair_in_place(copy, plan)
        for session_id, items in expected.items():
            problem = read_back_main_branch(copy, session_id, items)
            if problem:
                raise RepairVerificationError(
                    f"the repair did not read back through the SDK ({problem});"
                    " the store was not changed",
                    str(plan.path),
                )


def _repair_in_place(path: Path, plan: RepairPlan) -> list[RepairCount]:
    """One transaction: the findings are read again first (the plan must still hold) and
    after (every repaired finding must be gone), else nothing is kept."""
    conn = open_for_writing(path)
    try:
        with translate_errors(path, os_errors=False), writing_to(path):
            conn.execute("BEGIN IMMEDIATE")
            try:
                counts = _repair_steps(conn, path, plan)
                conn.execute("COMMIT")
            except BaseException:
                rollback_quietly(conn)
                raise
            if any(step.kind is FindingKind.NOT_WAL for step in plan.steps):
                conn.execute("PRAGMA journal_mode = WAL")
                counts.append(RepairCount(FindingKind.NOT_WAL, "", 0))
    finally:
        conn.close()
    return counts


def _repair_steps(conn: sqlite3.Connection, path: Path, plan: RepairPlan) -> list[RepairCount]:
    layout = discover_layout(conn)
    now = _keyed(diagnose(conn, path, layout))
    steps = [s for s in plan.steps if s.kind in REPAIRED_IN_A_TRANSACTION]
    if any(now.get((s.kind, s.session_id)) != s.rows for s in steps):
        raise StoreChangedError(f"{path}: the store changed since the check; check it again")
    from .sdk_reading import SdkItemFacts  # the SDK, loaded when a repair runs

    counts = []
    with SdkItemFacts() as facts:
        for step in steps:
            session_id = step.session_id or ""
            pair = _pair_for(conn, layout, step.kind, session_id)
            rows = repair_session(conn, pair, step.kind, session_id, facts)
            counts.append(RepairCount(step.kind, session_id, rows))
    after = _keyed(diagnose(conn, path, layout))
    still = [s for s in steps if (s.kind, s.session_id) in after]
    if still:
        raise RepairVerificationError(f"the repair left {still[0].kind} behind", str(path))
    return counts


def _keyed(findings: list[Finding]) -> dict[tuple[FindingKind, str | None], int]:
    return {(f.kind, f.session_id): f.rows for f in findings}


def _pair_for(
    conn: sqlite3.Connection, layout: StoreLayout, kind: FindingKind, session_id: str
) -> TablePair:
    """The tables a finding is in: the session's own pair, else the pair that owns the
    structure or usage table (an orphan's session has no rows left to find it by)."""
    holding = pair_holding(conn, layout, session_id)
    if holding is not None and kind in (
        FindingKind.HIDDEN_HISTORY,
        FindingKind.MESSAGES_WITHOUT_SESSION,
    ):
        return holding
    owners = [
        p
        for p in layout.pairs
        if (p.has_usage if kind is FindingKind.ORPHAN_USAGE else p.is_advanced)
    ]
    if holding is not None and (holding in owners or not owners):
        return holding
    if not owners:
        raise StoreChangedError(f"session {session_id!r} is no longer in the store")
    return owners[0]


def plan_repairs(findings: Iterable[Finding]) -> list[RepairPlan]:
    """One plan per store, for the findings a user picked (read again from each store)."""
    chosen: dict[Path, list[Finding]] = {}
    for finding in findings:
        if finding.kind in REPAIRABLE:
            chosen.setdefault(finding.path, []).append(finding)
    plans = []
    for path, picked in chosen.items():
        sessions = {f.session_id for f in picked}
        plan = plan_repair(path, {f.kind for f in picked})
        steps = tuple(s for s in plan.steps if s.session_id in sessions)
        plans.append(RepairPlan(path, steps, ()))
    return [plan for plan in plans if not plan.empty]


def repair_stores(
    plans: list[RepairPlan],
    *,
    backup_root: Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> list[RepairReport]:
    """Each plan in turn; a cancel stops between stores (each store is all or nothing)."""
    report = Reporter(progress, cancel)
    done = []
    for number, plan in enumerate(plans):
        report(number, len(plans), plan.path.name)
        done.append(run_repair(plan, backup_root=backup_root, cancel=cancel))
    if progress is not None:
        progress(len(plans), len(plans), "done")
    return done
