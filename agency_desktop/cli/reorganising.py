"""Commands that move sessions between stores: move, rename, merge, split."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..ops.reorganise import BatchReport, merge_stores, move_session, rename_session, split_store
from ..util.formatting import counted
from .changing import as_data
from .output import EXIT_FAILED, EXIT_OK, out, progress_bar, result, say, skipped


def _batch(args: argparse.Namespace, report: BatchReport) -> int:
    data = {
        "written": [
            {"target": str(r.path), "session_id": r.session_id, "message_count": r.message_count}
            for r in report.written
        ],
        "failures": [
            {"path": str(p), "session_id": s, "reason": why} for p, s, why in report.failures
        ],
    }

    def text() -> None:
        for r in report.written:
            out.print(
                f"wrote {r.session_id!r} ({counted(r.message_count, 'item')}) to {r.path} (verified)",
                markup=False,
            )
        for path, session, why in report.failures:
            skipped(f"not written: {path} {session}: {why}")

    return result(args, data, text, EXIT_FAILED if report.failures else EXIT_OK)


def cmd_move(args: argparse.Namespace) -> int:
    with progress_bar("moving") as progress:
        written, backup = move_session(
            args.source,
            args.session,
            args.target,
            new_session_id=args.new_id,
            auto_backup=not args.no_backup,
            create_tables=args.create_tables,
            progress=progress,
        )
    saved = f"the source was backed up to {backup} first" if backup else "no backup was taken"
    data = {**as_data(written), "path": written.shown, "source": str(args.source), "backup": backup}
    return result(
        args,
        data,
        say(
            f"moved {written.session_id!r} ({counted(written.message_count, 'item')})"
            f" to {written.shown}; {saved}"
        ),
    )


def cmd_rename(args: argparse.Namespace) -> int:
    with progress_bar("renaming") as progress:
        count = rename_session(args.db, args.session, args.to, progress=progress)
    data = {
        "db_path": str(args.db),
        "session_id": args.session,
        "new_id": args.to,
        "message_count": count,
    }
    return result(
        args, data, say(f"renamed {args.session!r} to {args.to!r} ({counted(count, 'item')})")
    )


def cmd_merge(args: argparse.Namespace) -> int:
    with progress_bar("merging") as progress:
        report = merge_stores([Path(s) for s in args.sources], Path(args.target), progress=progress)
    return _batch(args, report)


def cmd_split(args: argparse.Namespace) -> int:
    with progress_bar("splitting") as progress:
        report = split_store(Path(args.db), Path(args.folder), progress=progress)
    return _batch(args, report)
