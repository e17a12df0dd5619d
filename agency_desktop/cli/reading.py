"""Commands that only read: list, stats, show, search, check. None of them changes a store."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..ops.export import described_source
from ..ops.notes import SessionNotes
from ..stores.branches import BranchInfo
from ..stores.doctor import Finding
from ..stores.health import check_directory
from ..stores.items import ItemKind, parse_item
from ..stores.listing import iter_candidate_files, scan_directory
from ..stores.records import SessionInfo, StoreProblem
from ..stores.registry import names_a_folder, open_store
from ..stores.transcript import render_transcript
from ..util.formatting import counted, fork_text, human_size
from ..util.urls import is_url, redact_url
from .annotating import listing_notes
from .output import EXIT_FAILED, EXIT_OK, UsageError, err, out, print_json, progress_bar, when


def cmd_list(args: argparse.Namespace) -> int:
    """A folder's sessions (the demo folder's when none is given), or one store's (a file,
    or a server's by URL: shown with its password masked)."""
    location = _folder_or_demo(args.directory)
    shown = redact_url(location)
    if names_a_folder(location):
        folder = Path(location)
        scans = list(scan_directory(folder, args.recursive))
        sessions = [info for scan in scans for info in scan.sessions]
        problems = [scan.problem for scan in scans if scan.problem]
        stores = len(scans) - len(problems)
    else:
        store = open_store(location)
        sessions, problems, stores = list(store.sessions()), [], 1
        folder = Path(location).parent
    # the user's own titles and tags, kept by the app (for files: notes know no servers yet)
    notes = listing_notes(sessions) if not any(s.location for s in sessions) else {}
    if args.json:
        print_json(
            {
                "directory": shown,
                "sessions": [
                    {**s.as_dict(), "notes": _as_dict(notes.get((s.db_path, s.session_id)))}
                    for s in sessions
                ],
                "problems": [p.as_dict() for p in problems],
            }
        )
        return EXIT_OK
    _print_sessions(shown, folder, sessions, notes)
    out.print(f"{counted(len(sessions), 'session')} in {counted(stores, 'store')}")
    _print_problems(shown, problems)
    return EXIT_OK


def _as_dict(notes: SessionNotes | None) -> dict[str, Any] | None:
    return notes.as_dict() if notes is not None else None


def _print_sessions(
    title: str,
    folder: Path,
    sessions: list[SessionInfo],
    notes: dict[tuple[Path, str], SessionNotes],
) -> None:
    """The sessions, newest first; with a title and tags column when any has notes."""
    table = Table(title=f"Sessions in {escape(title)}", title_justify="left")
    on_server = bool(sessions) and all(s.location for s in sessions)
    for name, justify in (
        ("session", "left"),
        ("table" if on_server else "file", "left"),
        ("items", "right"),
        ("size", "right"),
        ("created", "left"),
        ("last activity", "left"),
        ("kind", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    if notes:
        table.add_column("title")
        table.add_column("tags")
    oldest = datetime.min.replace(tzinfo=UTC)
    for s in sorted(sessions, key=lambda s: s.updated_at or oldest, reverse=True):
        noted = notes.get((s.db_path, s.session_id))
        table.add_row(
            s.session_id,
            _place(s, folder),
            str(s.message_count),
            "-" if s.location else human_size(s.size_bytes),  # a server's: no one session's
            when(s.created_at),
            when(s.updated_at),
            str(s.kind),
            *(_noted_cells(s, noted) if notes else ()),
        )
    out.print(table)


def _place(info: SessionInfo, folder: Path) -> str:
    """Where the session is: its file (relative to the folder listed), or on a server its
    messages table."""
    if info.location:
        return info.messages_table
    path = info.db_path
    return str(path.relative_to(folder) if path.is_relative_to(folder) else path)


def _noted_cells(info: SessionInfo, notes: SessionNotes | None) -> tuple[Text, Text]:
    """The title (the user's, starred with ★, else the first message's) and the tags, as
    Text: words like "[/b]" are the user's, never markup."""
    if notes is None:
        return Text(info.title), Text()
    star = "★ " if notes.starred else ""
    return Text(star + (notes.title or info.title)), Text(", ".join(notes.tags))


def _print_problems(location: str | Path, problems: list[StoreProblem]) -> None:
    if problems:
        err.print(
            f"{counted(len(problems), 'file')} skipped (see `agency-sessions check {location}`):"
        )
        for problem in problems:
            err.print(f"  {problem.message}", markup=False)


def _folder_or_demo(directory: str | None) -> str:
    if directory:
        return directory
    from ..ops.demo import ensure_demo_folder

    folder = ensure_demo_folder()
    err.print(f"(no folder given: showing the demo folder {folder})")
    return str(folder)


def cmd_search(args: argparse.Namespace) -> int:
    from ..search.folder import search_files, update_index
    from ..search.index import SearchIndex
    from ..search.records import SearchFilter, SearchHit
    from ..search.text import Query

    query = Query.parse(" ".join(args.query))
    if query.empty:
        raise UsageError("the query has no words to look for")
    search_filter = SearchFilter(
        kinds=frozenset({ItemKind(args.kind)}) if args.kind else None,
        tool=args.tool,
        since=args.since,
        until=args.until + timedelta(days=1) if args.until else None,
        session_id=args.session,
    )
    if is_url(args.directory):
        return _search_server(args, query, search_filter)
    folder = Path(args.directory)
    paths = sorted(iter_candidate_files(folder, args.recursive))
    index = None if args.no_index else SearchIndex()
    if index is not None and args.update_index:
        with progress_bar("Indexing") as progress:
            update_index(index, paths, progress=progress)
    results = list(search_files(paths, query, search_filter, index, args.limit))
    hits = [r for r in results if isinstance(r, SearchHit)]
    unsearchable = [r for r in results if not isinstance(r, SearchHit)]
    if args.json:
        print_json(
            {
                "hits": [_hit_dict(hit) for hit in hits],
                "unsearchable": [{"path": str(s.path), "message": s.message} for s in unsearchable],
            }
        )
    else:
        _print_hits(folder, hits)
    for problem in unsearchable:
        err.print(f"  skipped {problem.message}", markup=False)
    return EXIT_OK


def _search_server(args: argparse.Namespace, query: Any, search_filter: Any) -> int:
    """A server store is read, never indexed: --update-index and --no-index change nothing."""
    from ..search.server import search_store

    store = open_store(args.directory)
    shown = getattr(store, "shown", args.directory)
    hits = search_store(store, query, search_filter, args.limit)
    if args.json:
        print_json({"hits": [_hit_dict(hit, shown) for hit in hits], "unsearchable": []})
    else:
        _print_hits(Path(), hits, title=shown)
    return EXIT_OK


def _hit_dict(hit: Any, location: str | None = None) -> dict[str, Any]:
    where = {"location": location} if location else {"db_path": str(hit.path)}
    return {
        **where,
        "messages_table": hit.messages_table,
        "session_id": hit.session_id,
        "row_id": hit.row_id,
        "created_at": hit.created_at.isoformat() if hit.created_at else None,
        "kind": str(hit.kind),
        "tool": hit.tool,
        "snippet": hit.snippet,
    }


def _print_hits(folder: Path, hits: list[Any], title: str | None = None) -> None:
    """A table of hits; `title`, a server store's location (its tables stand for files)."""
    table = Table(title=f"Matches in {title or folder}", title_justify="left")
    for name in ("session", "table" if title else "file", "item", "time", "kind", "match"):
        table.add_column(name, justify="right" if name == "item" else "left")
    for hit in sorted(hits, key=lambda h: (str(h.path), h.session_id, h.row_id)):
        if title:
            file_name = hit.messages_table
        elif hit.path.is_relative_to(folder):
            file_name = str(hit.path.relative_to(folder))
        else:
            file_name = str(hit.path)
        table.add_row(
            hit.session_id, file_name, str(hit.row_id), when(hit.created_at),
            hit.kind.label, hit.snippet,
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(hits)} matches")


def cmd_stats(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    stats = store.stats(args.session)
    branches: list[BranchInfo] = []
    if args.session:
        with store.reader(args.session) as reader:
            branches = reader.branches()
    if args.json:
        document = stats.as_dict()
        if args.session:
            document["branch_details"] = [branch.as_dict() for branch in branches]
        print_json(document)
        return EXIT_OK
    scope = (
        f"session {args.session}" if args.session else f"{counted(stats.session_count, 'session')}"
    )
    out.print(f"[bold]{escape(redact_url(args.db))}[/bold] ({scope})")
    rows = [
        ("items", stats.message_count),
        ("user turns", stats.user_turns),
        ("store size", human_size(stats.size_bytes)),
        ("item data", human_size(stats.data_bytes)),
        ("created", when(stats.created_at)),
        ("last activity", when(stats.updated_at)),
        ("unreadable rows", stats.invalid_json_rows),
    ]
    if expires := getattr(stats, "expires_at", None):  # a Redis session with a TTL
        rows.insert(6, ("expires", when(expires)))
    rows += [(f"  {kind.label}", stats.by_kind[kind]) for kind in stats.by_kind]
    rows += [(f"  tool {name}", count) for name, count in stats.tool_calls.most_common()]
    if usage := stats.token_usage:
        rows += [
            ("requests", usage.requests),
            ("input tokens", usage.input_tokens),
            ("output tokens", usage.output_tokens),
            ("total tokens", usage.total_tokens),
        ]
    if not branches:
        rows += [(f"  branch {name}", count) for name, count in (stats.branches or {}).items()]
    table = Table(show_header=False, box=None)
    for label, value in rows:
        table.add_row(label, str(value))
    out.print(table)
    if len(branches) > 1:
        out.print(branch_table(branches))
    return EXIT_OK


def branch_table(branches: list[BranchInfo]) -> Table:
    """Per branch: its items, turns and tokens, and where it leaves main."""
    table = Table("branch", "items", "user turns", "tokens", "forks from main", box=None)
    for branch in branches:
        fork = "-" if branch.is_main else fork_text(branch.fork_turn, branch.shared_items)
        tokens = "-" if branch.tokens is None else f"{branch.tokens:,}"
        table.add_row(branch.branch_id, str(branch.items), str(branch.user_turns), tokens, fork)
    return table


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args.db).reader(args.session, branch=args.branch) as reader:
        if args.json:
            items = reader.iter_items()
            print_json([json.loads(text) if _is_json(text) else text for _, _, text in items])
            return EXIT_OK
        chunks = render_transcript(args.session, described_source(reader), reader.iter_items())
        if out.is_terminal:
            out.print(Markdown("".join(chunks)))
        else:
            for chunk in chunks:
                sys.stdout.write(chunk)
    return EXIT_OK


def _is_json(text: str) -> bool:
    return parse_item(text)[1]


def _print_finding(finding: Finding) -> None:
    where = f"session {finding.session_id}" if finding.session_id is not None else "no session id"
    out.print(
        f"       {finding.kind}: {where}, {counted(finding.rows, 'row')}: {finding.explanation}."
        f" Repair: {finding.repair}." + (f" SDK: {finding.sdk_issue}" if finding.sdk_issue else "")
    )


def cmd_check(args: argparse.Namespace) -> int:
    results = check_directory(args.directory, args.recursive)
    if args.json:
        print_json([r.as_dict() for r in results])
    else:
        for r in results:
            if r.problem:
                out.print(f"[red]BAD[/red]  {r.problem.message}")
            elif r.integrity != "ok":
                out.print(f"[yellow]WARN[/yellow] {r.path}: integrity: {r.integrity}")
            elif not r.ok:
                out.print(f"[yellow]WARN[/yellow] {r.path}: {counted(len(r.findings), 'finding')}")
            else:
                out.print(
                    f"[green]OK[/green]   {r.path}: {counted(r.sessions, 'session')}, {counted(r.messages, 'item')}"
                )
            for finding in r.findings:
                _print_finding(finding)
        bad = sum(not r.ok for r in results)
        out.print(f"{counted(len(results), 'file')} checked, {bad} with problems")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
