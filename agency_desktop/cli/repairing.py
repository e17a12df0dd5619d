"""`agency-sessions repair`: the store doctor's repairs, shown first, after a backup."""

from __future__ import annotations

import argparse

from ..ops.repair import RepairReport, plan_repair, run_repair
from ..stores.doctor import FindingKind
from ..util.formatting import counted
from .output import EXIT_FAILED, EXIT_OK, confirm, err, out, progress_bar, result


def cmd_repair(args: argparse.Namespace) -> int:
    kinds = [FindingKind(kind) for kind in args.kind] if args.kind else None
    sessions = [args.session] if args.session else None
    plan = plan_repair(args.db, kinds, sessions)
    if not args.json:
        _describe(plan.describe(), [f"{f.kind}: session {f.session_id}" for f in plan.left])
    if args.dry_run or plan.empty:
        report = RepairReport(plan)
    else:
        if not args.yes and not confirm("Repair these now? A backup is kept first."):
            err.print("nothing changed")
            return EXIT_FAILED
        with progress_bar("repairing") as progress:
            report = run_repair(plan, progress=progress)
    return result(args, report.as_dict(), lambda: _summarise(report, args.dry_run), EXIT_OK)


def _describe(steps: list[str], left: list[str]) -> None:
    if not steps:
        out.print("nothing to repair")
    for line in steps:
        out.print(f"will: {line}", markup=False)
    for line in left:
        out.print(f"left as it is (no repair exists): {line}", markup=False)


def _summarise(report: RepairReport, dry_run: bool) -> None:
    if dry_run or report.backup is None:
        out.print("nothing was changed")
        return
    out.print(
        f"repaired {counted(len(report.repaired), 'finding')}; read back through the SDK"
        f" on a copy first. Backup: {report.backup}",
        markup=False,
    )
