"""`agency-sessions`: the headless command line over the same core as the desktop app.

Exit status: 0 success, 1 the operation failed or found problems, 2 bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import __version__
from .ops.archive import backup_archive
from .ops.backup import backup_store
from .ops.cleanup import CleanupPlan, CleanupReport, plan_cleanup, run_cleanup
from .ops.export import ExportFormat, export_many, export_session, folder_sessions, import_items
from .ops.maintenance import find_empty_stores, remove_empty_stores, vacuum_store
from .ops.migrate import copy_session
from .ops.reorganise import BatchReport, merge_stores, move_session, rename_session, split_store
from .ops.restore import plan_restore, run_restore
from .stores.errors import SessionNotFoundError, StoreError
from .stores.health import check_directory
from .stores.items import ItemKind, parse_item
from .stores.listing import iter_candidate_files, scan_directory
from .stores.paging import SessionReader
from .stores.stats import get_session_stats
from .stores.transcript import render_transcript
from .util.formatting import human_size
from .util.progress import ProgressCallback

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
MAX_DAYS = 36_500  # a century: older cut-offs overflow dates

out = Console(highlight=False, soft_wrap=True)
if not out.is_terminal:  # piped output: don't squeeze tables into 80 columns
    out.width = 200
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UsageError(Exception):
    """Bad input from the user: reported with exit status 2."""


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@contextmanager
def _progress(label: str) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not err.is_terminal:
        yield None
        return
    columns = (TextColumn(label), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int, _message: str) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


# ---------------------------------------------------------------------------- list, stats, show


def cmd_list(args: argparse.Namespace) -> int:
    folder = _folder_or_demo(args.directory)
    scans = list(scan_directory(folder, args.recursive))
    sessions = [info for scan in scans for info in scan.sessions]
    problems = [scan.problem for scan in scans if scan.problem]
    if args.json:
        _print_json(
            {
                "directory": str(folder),
                "sessions": [s.as_dict() for s in sessions],
                "problems": [p.as_dict() for p in problems],
            }
        )
        return EXIT_OK
    table = Table(title=f"Sessions in {folder}", title_justify="left")
    for name, justify in (
        ("session", "left"),
        ("file", "left"),
        ("items", "right"),
        ("size", "right"),
        ("created", "left"),
        ("last activity", "left"),
        ("kind", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in sorted(
        sessions, key=lambda s: s.updated_at or datetime.min.replace(tzinfo=UTC), reverse=True
    ):
        table.add_row(
            s.session_id,
            str(s.db_path.relative_to(folder)),
            str(s.message_count),
            human_size(s.size_bytes),
            _when(s.created_at),
            _when(s.updated_at),
            str(s.kind),
        )
    out.print(table)
    out.print(f"{len(sessions)} sessions in {len(scans) - len(problems)} stores")
    if problems:
        err.print(f"{len(problems)} files skipped (see `agency-sessions check {folder}`):")
        for problem in problems:
            err.print(f"  {problem.message}")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from .search.folder import search_files, update_index
    from .search.index import SearchIndex
    from .search.records import SearchFilter, SearchHit
    from .search.text import Query

    query = Query.parse(" ".join(args.query))
    if query.empty:
        raise UsageError("the query has no words to look for")
    folder = Path(args.directory)
    paths = sorted(iter_candidate_files(folder, args.recursive))
    index = None if args.no_index else SearchIndex()
    if index is not None and args.update_index:
        with _progress("Indexing") as progress:
            update_index(index, paths, progress=progress)
    search_filter = SearchFilter(
        kinds=frozenset({ItemKind(args.kind)}) if args.kind else None,
        tool=args.tool,
        since=args.since,
        until=args.until + timedelta(days=1) if args.until else None,
        session_id=args.session,
    )
    results = list(search_files(paths, query, search_filter, index, args.limit))
    hits = [r for r in results if isinstance(r, SearchHit)]
    skipped = [r for r in results if not isinstance(r, SearchHit)]
    if args.json:
        _print_json(
            {
                "hits": [_hit_dict(hit) for hit in hits],
                "unsearchable": [{"path": str(s.path), "message": s.message} for s in skipped],
            }
        )
    else:
        _print_hits(folder, hits)
    for problem in skipped:
        err.print(f"  skipped {problem.message}", markup=False)
    return EXIT_OK


def _hit_dict(hit: Any) -> dict[str, Any]:
    return {
        "db_path": str(hit.path),
        "messages_table": hit.messages_table,
        "session_id": hit.session_id,
        "row_id": hit.row_id,
        "created_at": hit.created_at.isoformat() if hit.created_at else None,
        "kind": str(hit.kind),
        "tool": hit.tool,
        "snippet": hit.snippet,
    }


def _print_hits(folder: Path, hits: list[Any]) -> None:
    table = Table(title=f"Matches in {folder}", title_justify="left")
    for name in ("session", "file", "item", "time", "kind", "match"):
        table.add_column(name, justify="right" if name == "item" else "left")
    for hit in sorted(hits, key=lambda h: (str(h.path), h.session_id, h.row_id)):
        file_name = (
            str(hit.path.relative_to(folder)) if hit.path.is_relative_to(folder) else str(hit.path)
        )
        table.add_row(
            hit.session_id, file_name, str(hit.row_id), _when(hit.created_at),
            hit.kind.label, hit.snippet,
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(hits)} matches")


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").astimezone()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _folder_or_demo(directory: str | None) -> Path:
    if directory:
        return Path(directory)
    from .ops.demo import ensure_demo_folder

    folder = ensure_demo_folder()
    err.print(f"(no folder given: showing the demo folder {folder})")
    return folder


def cmd_stats(args: argparse.Namespace) -> int:
    stats = get_session_stats(args.db, args.session)
    data = stats.as_dict()
    if args.json:
        _print_json(data)
        return EXIT_OK
    scope = f"session {args.session}" if args.session else f"{stats.session_count} sessions"
    out.print(f"[bold]{args.db}[/bold] ({scope})")
    rows = [
        ("items", stats.message_count),
        ("user turns", stats.user_turns),
        ("store size", human_size(stats.size_bytes)),
        ("item data", human_size(stats.data_bytes)),
        ("created", _when(stats.created_at)),
        ("last activity", _when(stats.updated_at)),
        ("unreadable rows", stats.invalid_json_rows),
    ]
    rows += [(f"  {kind.label}", stats.by_kind[kind]) for kind in stats.by_kind]
    rows += [(f"  tool {name}", count) for name, count in stats.tool_calls.most_common()]
    if stats.token_usage:
        usage = stats.token_usage
        rows += [
            ("requests", usage.requests),
            ("input tokens", usage.input_tokens),
            ("output tokens", usage.output_tokens),
            ("total tokens", usage.total_tokens),
        ]
    if stats.branches:
        rows += [(f"  branch {name}", count) for name, count in stats.branches.items()]
    table = Table(show_header=False, box=None)
    for label, value in rows:
        table.add_row(label, str(value))
    out.print(table)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    with SessionReader(args.db, args.session) as reader:
        chunks = render_transcript(args.session, str(args.db), reader.iter_items())
        if out.is_terminal and not args.json:
            out.print(Markdown("".join(chunks)))
        elif args.json:
            _print_json(
                [json.loads(text) if _is_json(text) else text for _, _, text in reader.iter_items()]
            )
        else:
            for chunk in chunks:
                sys.stdout.write(chunk)
    return EXIT_OK


def _is_json(text: str) -> bool:
    return parse_item(text)[1]


# ---------------------------------------------------------------------------- backup, cleanup


def cmd_backup(args: argparse.Namespace) -> int:
    source, destination = Path(args.source), Path(args.destination)
    sources = list(iter_candidate_files(source, args.recursive)) if source.is_dir() else [source]
    if source.is_dir():
        destination.mkdir(parents=True, exist_ok=True)
    results, failures = [], []
    for store in sources:
        target: Path = destination / store.relative_to(source) if source.is_dir() else destination
        if source.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with _progress(f"backing up {store.name}") as progress:
                results.append(
                    backup_store(store, target, overwrite=args.overwrite, progress=progress)
                )
        except (StoreError, FileExistsError) as exc:
            if not source.is_dir():
                raise
            failures.append(exc)  # one unreadable or existing file must not stop a folder backup
            err.print(f"skipped: {exc}", markup=False)
    if args.json:
        _print_json(
            [
                {
                    "source": str(r.source),
                    "backup": str(r.path),
                    "size_bytes": r.size_bytes,
                    "seconds": round(r.seconds, 3),
                }
                for r in results
            ]
        )
    else:
        for r in results:
            out.print(
                f"{r.source} -> {r.path} ({human_size(r.size_bytes)}, {r.seconds:.2f} s, verified)"
            )
    return EXIT_FAILED if failures else EXIT_OK


def _describe_plan(plan: CleanupPlan) -> None:
    out.print(f"Sessions in {plan.directory} with no activity since {_when(plan.cutoff)}:")
    for removal in plan.files:
        ids = ", ".join(s.session_id for s in removal.sessions)
        out.print(
            f"  move to trash  {removal.path}  ({human_size(removal.size_bytes)}; sessions: {ids})"
        )
    for info in plan.sessions:
        out.print(
            f"  delete session {info.session_id!r} ({info.message_count} items) from {info.db_path}"
        )
    out.print(
        f"{plan.session_count} sessions, {plan.message_count} items, "
        f"{len(plan.files)} files ({human_size(plan.file_bytes)})"
    )


def cmd_cleanup(args: argparse.Namespace) -> int:
    plan = plan_cleanup(args.directory, args.older_than, recursive=args.recursive)
    if not args.json:
        _describe_plan(plan)
    if args.dry_run or plan.session_count == 0:
        report = CleanupReport(plan, dry_run=True)
    else:
        backup = "no backup is taken" if args.no_backup else "a backup is kept first"
        if not args.yes and not _confirm(f"Remove these now? Files go to the trash; {backup}."):
            err.print("nothing removed")
            return EXIT_FAILED
        with _progress("cleaning up") as progress:
            report = run_cleanup(plan, auto_backup=not args.no_backup, progress=progress)
    if args.json:
        _print_json(report.as_dict())
    else:
        _summarise_cleanup(report)
    return EXIT_FAILED if report.skipped else EXIT_OK


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to remove anything without confirmation: pass --yes (or --dry-run)"
        )
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _summarise_cleanup(report: CleanupReport) -> None:
    if report.dry_run:
        out.print("dry run: nothing was changed")
        return
    for path in report.trashed_files:
        out.print(f"moved to trash: {path}")
    for path in report.deleted_files:
        out.print(f"deleted (no trash available; a backup was kept): {path}")
    for info in report.deleted_sessions:
        out.print(f"deleted session {info.session_id!r} from {info.db_path}")
    for path in report.backups:
        out.print(f"backup: {path}")
    for path, session_id, reason in report.skipped:
        err.print(f"skipped {path} {session_id}: {reason}")
    if report.trashed_files:
        out.print(
            "Restore trashed files from your system's trash; restore sessions from the backups above."
        )


# ---------------------------------------------------------------------------- migrate, export, check


def cmd_migrate(args: argparse.Namespace) -> int:
    source = Path(args.source)
    with _progress("migrating") as progress:
        if source.suffix.lower() in (".json", ".jsonl"):
            result = import_items(
                source, args.target, args.session, overwrite=args.overwrite, progress=progress
            )
        else:
            result = copy_session(
                source,
                args.session,
                args.target,
                new_session_id=args.new_id,
                overwrite=args.overwrite,
                progress=progress,
            )
    if args.json:
        _print_json(
            {
                "target": str(result.path),
                "session_id": result.session_id,
                "message_count": result.message_count,
                "created_file": result.created_file,
                "replaced_session": result.replaced_session,
            }
        )
    else:
        verb = "replaced" if result.replaced_session else "wrote"
        out.print(
            f"{verb} session {result.session_id!r} ({result.message_count} items) in {result.path} (verified)"
        )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    if args.output in (None, "-"):
        export_session(args.db, args.session, args.format, sys.stdout)
        return EXIT_OK
    with _progress("exporting") as progress:
        count = export_session(
            args.db,
            args.session,
            args.format,
            args.output,
            overwrite=args.overwrite,
            progress=progress,
        )
    err.print(f"exported {count} items to {args.output}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    results = check_directory(args.directory, args.recursive)
    if args.json:
        _print_json([r.as_dict() for r in results])
    else:
        for r in results:
            if r.problem:
                out.print(f"[red]BAD[/red]  {r.problem.message}")
            elif not r.ok:
                detail = (
                    f"integrity: {r.integrity}"
                    if r.integrity != "ok"
                    else f"{r.invalid_json_rows} rows are not valid JSON"
                )
                out.print(f"[yellow]WARN[/yellow] {r.path}: {detail}")
            else:
                out.print(
                    f"[green]OK[/green]   {r.path}: {r.sessions} sessions, {r.messages} items"
                )
        bad = sum(not r.ok for r in results)
        out.print(f"{len(results)} files checked, {bad} with problems")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def _print_batch(args: argparse.Namespace, report: BatchReport) -> int:
    if args.json:
        _print_json(
            {
                "written": [
                    {
                        "target": str(r.path),
                        "session_id": r.session_id,
                        "message_count": r.message_count,
                    }
                    for r in report.written
                ],
                "failures": [
                    {"path": str(p), "session_id": s, "reason": why}
                    for p, s, why in report.failures
                ],
            }
        )
    else:
        for r in report.written:
            out.print(f"wrote {r.session_id!r} ({r.message_count} items) to {r.path} (verified)")
        for path, session, why in report.failures:
            err.print(f"not written: {path} {session}: {why}", markup=False)
    return EXIT_FAILED if report.failures else EXIT_OK


def cmd_move(args: argparse.Namespace) -> int:
    with _progress("moving") as progress:
        result, backup = move_session(
            args.source,
            args.session,
            args.target,
            new_session_id=args.new_id,
            auto_backup=not args.no_backup,
            progress=progress,
        )
    saved = f"the source was backed up to {backup} first" if backup else "no backup was taken"
    out.print(
        f"moved {result.session_id!r} ({result.message_count} items) to {result.path}; {saved}"
    )
    return EXIT_OK


def cmd_rename(args: argparse.Namespace) -> int:
    count = rename_session(args.db, args.session, args.to)
    out.print(f"renamed {args.session!r} to {args.to!r} ({count} items)")
    return EXIT_OK


def cmd_merge(args: argparse.Namespace) -> int:
    with _progress("merging") as progress:
        report = merge_stores([Path(s) for s in args.sources], Path(args.target), progress=progress)
    return _print_batch(args, report)


def cmd_split(args: argparse.Namespace) -> int:
    with _progress("splitting") as progress:
        report = split_store(Path(args.db), Path(args.folder), progress=progress)
    return _print_batch(args, report)


def cmd_vacuum(args: argparse.Namespace) -> int:
    result = vacuum_store(args.db)
    out.print(
        f"{result.path}: {human_size(result.bytes_before)} -> {human_size(result.bytes_after)}"
    )
    return EXIT_OK


def cmd_remove_empty(args: argparse.Namespace) -> int:
    empty = find_empty_stores(args.directory, args.recursive)
    for path in empty:
        out.print(f"empty store: {path}")
    if not empty or args.dry_run:
        return EXIT_OK
    if not args.yes and not _confirm("Move these to the trash?"):
        return EXIT_FAILED
    moved, skipped = remove_empty_stores(empty)
    for path in moved:
        out.print(f"moved to trash: {path}")
    for path, why in skipped:
        err.print(f"skipped {path}: {why}", markup=False)
    return EXIT_FAILED if skipped else EXIT_OK


def cmd_export_all(args: argparse.Namespace) -> int:
    with _progress("exporting") as progress:
        summary = export_many(
            folder_sessions(args.directory, args.recursive),
            Path(args.folder),
            args.format,
            overwrite=args.overwrite,
            progress=progress,
        )
    out.print(
        f"exported {len(summary.exported)} sessions ({summary.item_count} items) to {args.folder}"
    )
    for failure in summary.failures:
        err.print(
            f"not exported: {failure.db_path} {failure.session_id}: {failure.message}", markup=False
        )
    return EXIT_FAILED if summary.failures else EXIT_OK


def cmd_archive(args: argparse.Namespace) -> int:
    folder = Path(args.directory)
    with _progress("archiving") as progress:
        result = backup_archive(
            list(iter_candidate_files(folder, args.recursive)),
            Path(args.archive),
            root=folder,
            progress=progress,
        )
    out.print(
        f"archived {len(result.entries)} stores into {result.path} ({human_size(result.size_bytes)}),"
        " checksums verified"
    )
    for path, why in result.failures:
        err.print(f"not archived: {path}: {why}", markup=False)
    return EXIT_FAILED if result.failures else EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    plan = plan_restore(Path(args.source), Path(args.folder))
    for item in plan.items:
        out.print(f"{item.action:18} {item.name}")
    for name, why in plan.problems:
        err.print(f"cannot restore {name}: {why}", markup=False)
    if args.dry_run:
        return EXIT_OK
    with _progress("restoring") as progress:
        report = run_restore(plan, conflict=args.conflict, progress=progress)
    for restored in report.restored:
        out.print(
            f"restored {restored.path}"
            + (f" (previous copy kept: {restored.backup})" if restored.backup else "")
        )
    for item, why in report.skipped:
        out.print(f"skipped {item.name}: {why}")
    for item, why in report.failed:
        err.print(f"failed {item.name}: {why}", markup=False)
    return EXIT_FAILED if report.failed else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from .ops.demo import ensure_demo_folder

    sys.stdout.write(f"{ensure_demo_folder()}\n")
    return EXIT_OK


# ---------------------------------------------------------------------------- parser and main


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not 0 <= value <= MAX_DAYS:  # also rejects nan and inf
        raise argparse.ArgumentTypeError(f"days must be between 0 and {MAX_DAYS}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    parser = argparse.ArgumentParser(
        prog="agency-sessions", description=__doc__.splitlines()[0], parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        command.set_defaults(handler=handler)
        return command

    _add_core_commands(add)
    _add_reorganising_commands(add)
    add("demo", cmd_demo, "write the demo folder if needed and print its path")
    return parser


AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _add_core_commands(add: AddCommand) -> None:
    p = add("list", cmd_list, "list the sessions in a folder of stores (the demo folder if none)")
    p.add_argument("directory", nargs="?")
    p.add_argument("-r", "--recursive", action="store_true")
    p = add("stats", cmd_stats, "counts, tools, activity and token usage of a store or session")
    p.add_argument("db")
    p.add_argument("--session")
    p = add("show", cmd_show, "print a session as a readable transcript")
    p.add_argument("db")
    p.add_argument("--session", required=True)
    p = add("backup", cmd_backup, "verified copy of a store, or of every store in a folder")
    p.add_argument("source")
    p.add_argument("destination", help="a file, or a folder for a timestamped copy")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("-r", "--recursive", action="store_true")
    p = add("cleanup", cmd_cleanup, "remove sessions with no activity for some days")
    p.add_argument("directory")
    p.add_argument("--older-than", type=_days, required=True, metavar="DAYS")
    p.add_argument(
        "--dry-run", action="store_true", help="show what would be removed; change nothing"
    )
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("-r", "--recursive", action="store_true")
    p.add_argument(
        "--no-backup",
        action="store_true",
        help="skip the automatic backup taken before anything is removed",
    )
    p = add(
        "migrate", cmd_migrate, "copy a session into another store, or import a JSON/JSONL export"
    )
    p.add_argument("source", help="a store, or a .json/.jsonl export")
    p.add_argument("target", help="the store to write (created if missing)")
    p.add_argument("--session", required=True, help="session to copy (for an import: the new id)")
    p.add_argument("--new-id", help="store the copy under this id")
    p.add_argument(
        "--overwrite", action="store_true", help="replace the session if the target has it"
    )
    p = add("export", cmd_export, "export a session as JSON, JSONL, Markdown or HTML")
    p.add_argument("db")
    p.add_argument("--session", required=True)
    p.add_argument("--format", choices=[f.value for f in ExportFormat], default="jsonl")
    p.add_argument("-o", "--output", help="file to write (standard output if omitted)")
    p.add_argument("--overwrite", action="store_true")
    p = add("search", cmd_search, "find items containing every word of a query, in a folder")
    p.add_argument("directory")
    p.add_argument("query", nargs="+", help="words; each must begin a word of the item")
    p.add_argument("-r", "--recursive", action="store_true")
    p.add_argument("--kind", choices=[str(kind) for kind in ItemKind])
    p.add_argument("--tool", help="only calls of this tool")
    p.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="from this day on")
    p.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="up to this day, included")
    p.add_argument("--session", help="only this session")
    p.add_argument("--limit", type=int, default=1000, help="most matches shown (default 1000)")
    p.add_argument(
        "--update-index",
        action="store_true",
        help="bring the app's search index up to date with the folder first",
    )
    p.add_argument("--no-index", action="store_true", help="read every file; ignore the index")
    p = add("check", cmd_check, "check the integrity of every store in a folder")
    p.add_argument("directory")
    p.add_argument("-r", "--recursive", action="store_true")


def _add_reorganising_commands(add: AddCommand) -> None:
    p = add("export-all", cmd_export_all, "export every session of a folder, one file each")
    p.add_argument("directory")
    p.add_argument("folder", help="where to write the files")
    p.add_argument("--format", choices=[f.value for f in ExportFormat], default="jsonl")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("-r", "--recursive", action="store_true")
    p = add("archive", cmd_archive, "back up every store of a folder into one verified zip")
    p.add_argument("directory")
    p.add_argument("archive")
    p.add_argument("-r", "--recursive", action="store_true")
    p = add("restore", cmd_restore, "restore a backup folder, file or archive into a folder")
    p.add_argument("source")
    p.add_argument("folder")
    p.add_argument(
        "--conflict",
        choices=["skip", "keep_both", "replace"],
        default="skip",
        help="for stores the folder already has with other content (default: skip)",
    )
    p.add_argument("--dry-run", action="store_true")
    p = add("move", cmd_move, "move a session to another store (copied, verified, then removed)")
    p.add_argument("source")
    p.add_argument("target")
    p.add_argument("--session", required=True)
    p.add_argument("--new-id")
    p.add_argument(
        "--no-backup",
        action="store_true",
        help="skip the automatic backup taken before anything is removed",
    )
    p = add("rename", cmd_rename, "give a session a new id")
    p.add_argument("db")
    p.add_argument("--session", required=True)
    p.add_argument("--to", required=True, metavar="NEW_ID")
    p = add("merge", cmd_merge, "copy every session of several stores into one")
    p.add_argument("target")
    p.add_argument("sources", nargs="+")
    p = add("split", cmd_split, "one new store per session of a store")
    p.add_argument("db")
    p.add_argument("folder")
    p = add("vacuum", cmd_vacuum, "reclaim the free space of a store")
    p.add_argument("db")
    p = add("remove-empty", cmd_remove_empty, "move stores that hold no session to the trash")
    p.add_argument("directory")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("-y", "--yes", action="store_true")
    p.add_argument("-r", "--recursive", action="store_true")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other Unix tools do, and
        # point stdout at devnull so the interpreter's final flush does not complain.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except (
        UsageError,
        StoreError,
        SessionNotFoundError,
        ValueError,
        FileNotFoundError,
        NotADirectoryError,
        FileExistsError,
    ) as exc:
        err.print(f"agency-sessions: error: {exc}", markup=False)
        return EXIT_BAD_INPUT
    except OSError as exc:  # disk full, permission denied, ...
        err.print(f"agency-sessions: error: {exc}", markup=False)
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.print("agency-sessions: interrupted; nothing was left half-written")
        return 130


if __name__ == "__main__":
    sys.exit(main())
