"""`agency-sessions diff`: where two sessions differ, item by item. Only reads.

Exit status as diff(1)'s: 0 the sessions are the same, 1 they differ, 2 bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.text import Text

from ..stores.session_diff import DiffEntry, DiffOp, DiffSide, SessionDiff, diff_sessions
from ..util.formatting import counted
from .output import EXIT_FAILED, EXIT_OK, UsageError, out, print_json, progress_bar

# ASCII signs: a console on a Windows code page has no minus sign (U+2212).
_MARKS = {DiffOp.ADDED: "+", DiffOp.REMOVED: "-", DiffOp.CHANGED: "~", DiffOp.SAME: " "}
_STYLES = {DiffOp.ADDED: "green", DiffOp.REMOVED: "red", DiffOp.CHANGED: "yellow"}


def cmd_diff(args: argparse.Namespace) -> int:
    other = args.other_session or args.session
    if args.session == other and _same_file(args.a, args.b):
        raise UsageError(
            f"{args.a}: comparing session {args.session!r} with itself;"
            " give another store as B, or --other-session"
        )
    with progress_bar("Comparing") as progress:
        diff = diff_sessions(args.a, args.session, args.b, other, progress=progress)
    if args.json:
        print_json(diff.as_dict(include_same=args.all))
    else:
        _print_diff(diff, show_same=args.all)
    return EXIT_OK if diff.identical else EXIT_FAILED


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return a == b


def _print_diff(diff: SessionDiff, *, show_same: bool) -> None:
    for name, side in (("A", diff.a), ("B", diff.b)):
        out.print(_side_line(name, side), markup=False)
    out.print(diff.summary_line(), markup=False)
    for entry in diff.entries:
        if entry.op is DiffOp.SAME:
            if show_same:
                out.print(_run_line(entry), style="dim", markup=False)
        else:
            out.print(_entry_line(entry))


def _side_line(name: str, side: DiffSide) -> str:
    return f"{name}: {side.location}, session {side.session_id}, {counted(side.items, 'item')}"


def _position(value: int | None) -> str:
    return f"#{value:,}" if value is not None else ""


def _entry_line(entry: DiffEntry) -> Text:
    kind = entry.kind.label if entry.kind is not None else "item"
    call = f" {entry.call_id}" if entry.call_id else ""
    fields = f"  [{', '.join(entry.fields)}]" if entry.fields else ""
    return Text.assemble(
        (_MARKS[entry.op], _STYLES.get(entry.op, "")),
        f" {_position(entry.a_position):>8} {_position(entry.b_position):>8}  ",
        (f"{kind}{call}: ", "bold"),
        entry.summary,
        (fields, _STYLES.get(entry.op, "")),
    )


def _run_line(entry: DiffEntry) -> str:
    a_last = (entry.a_position or 0) + entry.count - 1
    b_last = (entry.b_position or 0) + entry.count - 1
    return (
        f"  … {entry.summary} (A {_position(entry.a_position)}-{a_last:,},"
        f" B {_position(entry.b_position)}-{b_last:,})"
    )
