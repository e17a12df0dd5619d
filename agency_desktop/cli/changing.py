"""Commands that write: backups, clean-up, migration and import, export, archives, restore,
vacuum. Each prints one result (JSON with --json) and leaves nothing half-written."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from ..ops.archive import backup_archive
from ..ops.backup import BackupResult, backup_store
from ..ops.cleanup import CleanupPlan, CleanupReport, plan_cleanup, run_cleanup
from ..ops.export import ExportSummary, export_many, export_session, folder_sessions
from ..ops.folder_backup import BackupSummary, backup_many
from ..ops.importing import import_items
from ..ops.maintenance import find_empty_stores, remove_empty_stores, vacuum_store
from ..ops.migrate import copy_session
from ..ops.restore import RestoreReport, plan_restore, run_restore
from ..ops.server_backup import backup_server_store
from ..ops.server_cleanup import ServerCleanupReport, plan_server_cleanup, run_server_cleanup
from ..stores.listing import iter_candidate_files
from ..stores.sqlite_file import is_url
from ..util.formatting import counted, human_size
from ..util.urls import redact_url
from .annotating import export_notes
from .output import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    confirm,
    err,
    out,
    print_json,
    progress_bar,
    result,
    say,
    skipped,
    when,
)


def as_data(value: Any) -> Any:
    """A result dataclass as plain JSON-ready data (paths and dates become text on output)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


# --- backup and clean-up


def cmd_backup(args: argparse.Namespace) -> int:
    if is_url(args.source):
        return _backup_server(args)
    if args.session:
        raise UsageError("--session is for a server store: a file's backup copies all of it")
    source, destination = Path(args.source), Path(args.destination)
    with progress_bar(f"backing up {source.name}") as progress:
        if source.is_dir():
            stores = list(iter_candidate_files(source, args.recursive))
            summary = backup_many(
                stores, destination, root=source, overwrite=args.overwrite, progress=progress
            )
        else:
            one = backup_store(source, destination, overwrite=args.overwrite, progress=progress)
            summary = BackupSummary(destination, [one], [], one.seconds)
    failed = [{"path": str(path), "reason": why} for path, why in summary.failures]
    data = {"backups": [_backup_dict(r) for r in summary.results], "failures": failed}

    def text() -> None:
        for r in summary.results:
            out.print(
                f"{r.source} -> {r.path} ({human_size(r.size_bytes)}, {r.seconds:.2f} s, verified)",
                markup=False,
            )
        for path, why in summary.failures:
            skipped(f"skipped {path}: {why}")

    return result(args, data, text, EXIT_FAILED if summary.failures else EXIT_OK)


def _backup_server(args: argparse.Namespace) -> int:
    with progress_bar("backing up") as progress:
        done = backup_server_store(
            args.source,
            args.destination,
            session_ids=args.session,
            overwrite=args.overwrite,
            progress=progress,
        )
    data = {**as_data(done), "path": str(done.path)}
    return result(
        args,
        data,
        say(
            f"{done.source} -> {done.path} ({counted(done.session_count, 'session')},"
            f" {counted(done.message_count, 'item')}, {human_size(done.size_bytes)},"
            f" {done.seconds:.2f} s, verified)"
        ),
    )


def _backup_dict(r: BackupResult) -> dict[str, Any]:
    return {
        "source": str(r.source),
        "backup": str(r.path),
        "size_bytes": r.size_bytes,
        "seconds": round(r.seconds, 3),
    }


def _describe_plan(plan: CleanupPlan) -> None:
    out.print(f"Sessions in {plan.directory} with no activity since {when(plan.cutoff)}:")
    for removal in plan.files:
        ids = ", ".join(s.session_id for s in removal.sessions)
        out.print(
            f"  move to trash  {removal.path}  ({human_size(removal.size_bytes)}; sessions: {ids})",
            markup=False,
        )
    for info in plan.sessions:
        out.print(
            f"  delete session {info.session_id!r} ({counted(info.message_count, 'item')}) from {info.db_path}",
            markup=False,
        )
    out.print(
        f"{counted(plan.session_count, 'session')}, {counted(plan.message_count, 'item')}, "
        f"{counted(len(plan.files), 'file')} ({human_size(plan.file_bytes)})"
    )


def cmd_cleanup(args: argparse.Namespace) -> int:
    if is_url(args.directory):
        return _cleanup_server(args)
    plan = plan_cleanup(args.directory, args.older_than, recursive=args.recursive)
    if not args.json:
        _describe_plan(plan)
    if args.dry_run or plan.session_count == 0:
        report = CleanupReport(plan, dry_run=True)
    else:
        backup = "no backup is taken" if args.no_backup else "a backup is kept first"
        if not args.yes and not confirm(f"Remove these now? Files go to the trash; {backup}."):
            err.print("nothing removed")
            return EXIT_FAILED
        with progress_bar("cleaning up") as progress:
            report = run_cleanup(plan, auto_backup=not args.no_backup, progress=progress)
    status = EXIT_FAILED if report.skipped else EXIT_OK
    return result(args, report.as_dict(), lambda: _summarise_cleanup(report), status)


def _summarise_cleanup(report: CleanupReport) -> None:
    if report.dry_run:
        out.print("dry run: nothing was changed")
        return
    for path in report.trashed_files:
        out.print(f"moved to trash: {path}", markup=False)
    for path in report.deleted_files:
        out.print(f"deleted (no trash available; a backup was kept): {path}", markup=False)
    for info in report.deleted_sessions:
        out.print(f"deleted session {info.session_id!r} from {info.db_path}", markup=False)
    for path in report.backups:
        out.print(f"backup: {path}", markup=False)
    for path, session_id, reason in report.skipped:
        skipped(f"skipped {path} {session_id}: {reason}")
    if report.trashed_files:
        out.print(
            "Restore trashed files from your system's trash; restore sessions from the backups above."
        )


def _cleanup_server(args: argparse.Namespace) -> int:
    """A server store's old sessions: the same preview, a local backup, one transaction."""
    if args.recursive:
        raise UsageError("--recursive is for a folder: a server store has no subfolders")
    plan = plan_server_cleanup(args.directory, args.older_than)
    if not args.json:
        out.print(f"Sessions in {plan.shown} with no activity since {when(plan.cutoff)}:")
        for info in plan.sessions:
            items = counted(info.message_count, "item")
            out.print(f"  delete session {info.session_id!r} ({items})", markup=False)
        out.print(
            f"{counted(plan.session_count, 'session')}, {counted(plan.message_count, 'item')}"
        )
    if args.dry_run or plan.session_count == 0:
        report = ServerCleanupReport(plan, dry_run=True)
    else:
        backup = "no backup is taken" if args.no_backup else "a local backup is kept first"
        if not args.yes and not confirm(f"Delete these from the server now? {backup}."):
            err.print("nothing removed")
            return EXIT_FAILED
        with progress_bar("cleaning up") as progress:
            report = run_server_cleanup(plan, auto_backup=not args.no_backup, progress=progress)
    status = EXIT_FAILED if report.skipped else EXIT_OK
    return result(args, report.as_dict(), lambda: _summarise_server_cleanup(report), status)


def _summarise_server_cleanup(report: ServerCleanupReport) -> None:
    if report.dry_run:
        out.print("dry run: nothing was changed")
        return
    for info in report.deleted_sessions:
        out.print(f"deleted session {info.session_id!r} from {report.plan.shown}", markup=False)
    if report.backup:
        out.print(f"backup: {report.backup} (opens with the SDK's SQLiteSession)", markup=False)
    for session_id, reason in report.skipped:
        skipped(f"skipped {session_id}: {reason}")


def cmd_remove_empty(args: argparse.Namespace) -> int:
    empty = find_empty_stores(args.directory, args.recursive)
    if not args.json:
        for path in empty:
            out.print(f"empty store: {path}", markup=False)
    moved: list[Path] = []
    left: list[tuple[Path, str]] = []
    if empty and not args.dry_run:
        if not args.yes and not confirm("Move these to the trash?"):
            return EXIT_FAILED
        moved, left = remove_empty_stores(empty)
    data = {
        "empty": [str(p) for p in empty],
        "dry_run": args.dry_run,
        "moved_to_trash": [str(p) for p in moved],
        "skipped": [{"path": str(p), "reason": why} for p, why in left],
    }

    def text() -> None:
        for path in moved:
            out.print(f"moved to trash: {path}", markup=False)
        for path, why in left:
            skipped(f"skipped {path}: {why}")

    return result(args, data, text, EXIT_FAILED if left else EXIT_OK)


def cmd_vacuum(args: argparse.Namespace) -> int:
    with progress_bar("vacuuming") as progress:
        done = vacuum_store(args.db, progress=progress)
    before, after = human_size(done.bytes_before), human_size(done.bytes_after)
    data = {**as_data(done), "reclaimed": done.reclaimed}
    return result(args, data, say(f"{done.path}: {before} -> {after}"))


# --- migrate, import, export


def cmd_migrate(args: argparse.Namespace) -> int:
    source = args.source  # a file, or a server store's URL (a Path would mangle its //)
    importing = not is_url(source) and Path(source).suffix.lower() in (".json", ".jsonl")
    if importing and is_url(args.target):
        raise UsageError("an export is imported into a store file; migrate that to the server")
    with progress_bar("migrating") as progress:
        if importing:
            written = import_items(
                Path(source), args.target, args.session, overwrite=args.overwrite, progress=progress
            )
        else:
            written = copy_session(
                source,
                args.session,
                args.target,
                new_session_id=args.new_id,
                overwrite=args.overwrite,
                create_tables=args.create_tables,
                progress=progress,
            )
    verb = "replaced" if written.replaced_session else "wrote"
    data = {**as_data(written), "path": written.shown}
    return result(
        args,
        data,
        say(
            f"{verb} session {written.session_id!r} ({counted(written.message_count, 'item')})"
            f" in {written.shown} (verified)"
        ),
    )


def cmd_export(args: argparse.Namespace) -> int:
    notes = export_notes(args.db, args.session) if args.with_notes else None
    if args.output in (None, "-"):
        if args.json:
            raise UsageError("--json needs -o FILE: without it the export itself is the output")
        export_session(
            args.db, args.session, args.format, sys.stdout, branch=args.branch, notes=notes
        )
        return EXIT_OK
    with progress_bar("exporting") as progress:
        count = export_session(
            args.db,
            args.session,
            args.format,
            args.output,
            overwrite=args.overwrite,
            progress=progress,
            branch=args.branch,
            notes=notes,
        )
    data = {
        "db_path": redact_url(args.db),
        "session_id": args.session,
        "branch": args.branch,
        "format": str(args.format),
        "output": str(args.output),
        "item_count": count,
    }
    return result(
        args, data, lambda: err.print(f"exported {counted(count, 'item')} to {args.output}")
    )


def cmd_export_all(args: argparse.Namespace) -> int:
    with progress_bar("exporting") as progress:
        summary: ExportSummary = export_many(
            folder_sessions(args.directory, args.recursive),
            Path(args.folder),
            args.format,
            overwrite=args.overwrite,
            progress=progress,
        )

    def text() -> None:
        out.print(
            f"exported {counted(len(summary.exported), 'session')} ({counted(summary.item_count, 'item')})"
            f" to {args.folder}",
            markup=False,
        )
        for failure in summary.failures:
            skipped(f"not exported: {failure.db_path} {failure.session_id}: {failure.message}")

    status = EXIT_FAILED if summary.failures else EXIT_OK
    return result(args, as_data(summary), text, status)


# --- archives and restore


def cmd_archive(args: argparse.Namespace) -> int:
    folder = Path(args.directory)
    with progress_bar("archiving") as progress:
        done = backup_archive(
            list(iter_candidate_files(folder, args.recursive)),
            Path(args.archive),
            root=folder,
            progress=progress,
        )

    def text() -> None:
        out.print(
            f"archived {counted(len(done.entries), 'store')} into {done.path}"
            f" ({human_size(done.size_bytes)}), checksums verified",
            markup=False,
        )
        for path, why in done.failures:
            skipped(f"not archived: {path}: {why}")

    return result(args, as_data(done), text, EXIT_FAILED if done.failures else EXIT_OK)


def cmd_restore(args: argparse.Namespace) -> int:
    plan = plan_restore(Path(args.source), Path(args.folder))
    if not args.json:
        for item in plan.items:
            out.print(f"{item.action:18} {item.name}", markup=False)
        for name, why in plan.problems:
            skipped(f"cannot restore {name}: {why}")
    if args.dry_run:
        return result(args, {"dry_run": True, "plan": as_data(plan)}, lambda: None)
    with progress_bar("restoring") as progress:
        report = run_restore(plan, conflict=args.conflict, progress=progress)
    status = EXIT_FAILED if report.failed else EXIT_OK
    data = {"dry_run": False, **as_data(report)}
    return result(args, data, lambda: _summarise_restore(report), status)


def _summarise_restore(report: RestoreReport) -> None:
    for restored in report.restored:
        kept = f" (previous copy kept: {restored.backup})" if restored.backup else ""
        out.print(f"restored {restored.path}{kept}", markup=False)
    for item, why in report.skipped:
        out.print(f"skipped {item.name}: {why}", markup=False)
    for item, why in report.failed:
        skipped(f"failed {item.name}: {why}")


def cmd_demo(args: argparse.Namespace) -> int:
    from ..ops.demo import ensure_demo_folder

    folder = ensure_demo_folder()
    if args.json:
        print_json({"folder": str(folder)})
    else:
        sys.stdout.write(f"{folder}\n")
    return EXIT_OK
