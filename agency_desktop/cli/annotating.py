"""Commands for the user's own notes on sessions: tag, note, title, star, bookmark, notes.

They read a store only to check that the session is there (and, for a bookmark, to find
the item); what they write goes into the app's notes file, never into the store.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ..ops.notes import Bookmark, NoteBook, NoteFilter, SessionNotes, find_session
from ..stores.listing import scan_directory, sessions_of
from ..stores.records import SessionInfo
from ..util.formatting import counted
from .output import UsageError, err, out, result, say

NOTE_PREVIEW_CHARS = 60


def _data(info: SessionInfo, notes: SessionNotes) -> dict[str, Any]:
    return {"db_path": str(info.db_path), "session_id": info.session_id, **notes.as_dict()}


def _text_argument(args: argparse.Namespace) -> str | None:
    """The new text ("" with --clear, standard input for "-"), or None to show the current."""
    text = args.text[0] if args.text else None  # a list of one (see the parser)
    if args.clear and text is not None:
        raise UsageError("give a new text or --clear, not both")
    if args.clear:
        return ""
    return sys.stdin.read() if text == "-" else text


def cmd_tag(args: argparse.Namespace) -> int:
    info = find_session(args.db, args.session)
    with NoteBook() as book:
        if args.add or args.remove:
            notes = book.edit(info, add_tags=args.add, remove_tags=args.remove)
        else:
            notes = book.get(info)
    return result(args, _data(info, notes), say("\n".join(notes.tags) or "(no tags)"))


def cmd_note(args: argparse.Namespace) -> int:
    return _text_field(args, "note")


def cmd_title(args: argparse.Namespace) -> int:
    return _text_field(args, "title")


def _text_field(args: argparse.Namespace, field: str) -> int:
    """Show, set or clear the note or the title."""
    info = find_session(args.db, args.session)
    text = _text_argument(args)
    with NoteBook() as book:
        if text is None:
            notes = book.get(info)
        else:
            notes = book.edit(info, title=text) if field == "title" else book.edit(info, note=text)
    value = str(getattr(notes, field))
    if text is None:
        message = value or f"(no {field})"
    else:
        message = f"{field} {'set' if value else 'cleared'} for session {info.session_id!r}"
    return result(args, _data(info, notes), say(message))


def cmd_star(args: argparse.Namespace) -> int:
    info = find_session(args.db, args.session)
    with NoteBook() as book:
        notes = book.edit(info, starred=not args.off)
    state = "starred" if notes.starred else "not starred"
    return result(args, _data(info, notes), say(f"session {info.session_id!r}: {state}"))


def cmd_bookmark(args: argparse.Namespace) -> int:
    if args.label is not None and args.item is None:
        raise UsageError("--label goes with --item ROW_ID")
    info = find_session(args.db, args.session)
    message = ""
    with NoteBook() as book:
        if args.item is not None:
            book.add_bookmark(info, args.item, args.label or "")
            message = f"bookmarked item {args.item} of session {info.session_id!r}"
        elif args.remove is not None:
            removed = book.remove_bookmark(info, args.remove)
            message = f"item {args.remove} {'unmarked' if removed else 'was not bookmarked'}"
        marks = book.locate_bookmarks(info)
        notes = book.get(info, reattach=False)
    data = {**_data(info, notes), "bookmarks": [m.as_dict() for m in marks]}
    listing = args.item is None and args.remove is None
    return result(args, data, (lambda: _print_marks(marks)) if listing else say(message))


def _print_marks(marks: list[Bookmark]) -> None:
    if not marks:
        out.print("(no bookmarks)")
        return
    table = Table("item", "label", box=None)
    for mark in marks:
        where = str(mark.row_id) if mark.found else f"{mark.row_id} (not found now)"
        table.add_row(where, Text(mark.label))  # the user's words: never markup
    out.print(table)


def cmd_notes(args: argparse.Namespace) -> int:
    """Every annotated session (of a folder, when one is given) the filters let through."""
    wanted = NoteFilter(tag=args.tag or "", starred=args.starred, text=args.text or "")
    rows: list[tuple[Path, str, SessionNotes]]
    with NoteBook() as book:
        if args.directory:
            sessions = sessions_of(scan_directory(args.directory, args.recursive))
            found = book.notes_for(sessions)
            rows = [
                (info.db_path, info.session_id, notes)
                for info in sessions
                if (notes := found.get((info.db_path, info.session_id))) and wanted.matches(notes)
            ]
        else:
            rows = [
                (n.places[0].path, n.places[0].session_id, n)
                for n in book.search(wanted)
                if n.places
            ]
    data = {
        "notes": [
            {"db_path": str(path), "session_id": sid, **notes.as_dict()}
            for path, sid, notes in rows
        ]
    }
    return result(args, data, lambda: _print_notes(rows))


def _print_notes(rows: list[tuple[Path, str, SessionNotes]]) -> None:
    table = Table("", "session", "file", "title", "tags", "note", "bookmarks")
    for path, session_id, notes in rows:
        note = notes.note.strip().splitlines()[0] if notes.note.strip() else ""
        if len(note) > NOTE_PREVIEW_CHARS:
            note = note[: NOTE_PREVIEW_CHARS - 1] + "…"
        star = "★" if notes.starred else ""
        marks = str(notes.bookmark_count or "")
        words = (session_id, str(path), notes.title, ", ".join(notes.tags), note)
        table.add_row(star, *(Text(w) for w in words), marks)  # never read as markup
    out.print(table)
    out.print(f"{counted(len(rows), 'annotated session')}")


# --- what other commands take from the notes


def listing_notes(sessions: list[SessionInfo]) -> dict[tuple[Path, str], SessionNotes]:
    """The notes `list` shows: extras, so a notes file that cannot be read is a warning."""
    try:
        with NoteBook() as book:
            return book.notes_for(sessions)
    except (OSError, sqlite3.Error) as exc:
        err.print(f"(notes not shown: {exc})", markup=False)
        return {}


def export_notes(db: str, session_id: str) -> dict[str, Any]:
    """The session's notes as `export --with-notes` writes them."""
    info = find_session(db, session_id)
    with NoteBook() as book:
        return book.for_export(info)
