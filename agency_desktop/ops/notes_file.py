"""The notes file itself: its schema, opening it, and the statements NoteBook builds on.

Each note is a row of `notes`, keyed by the session's identity; `places` records where
(store path, session id) it was seen, so a listing matches its rows without reading a store.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..stores.records import SessionInfo
from ..util.errors import PlainMessage
from .notes_records import (
    Bookmark,
    Place,
    SessionNotes,
    created_key,
    now_text,
    parse_when,
    place_key,
)

BUSY_TIMEOUT_S = 10.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    created TEXT NOT NULL,       -- the session's created_at (UTC, ISO); '' if unknown
    first_digest TEXT NOT NULL,  -- item_digest of its first item; '' if it has none
    title TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    starred INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    UNIQUE (session_id, created, first_digest)
);
CREATE TABLE IF NOT EXISTS places (
    path TEXT NOT NULL,
    session_id TEXT NOT NULL,
    note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (path, session_id)
);
CREATE INDEX IF NOT EXISTS places_by_note ON places (note_id);
CREATE TABLE IF NOT EXISTS tags (
    note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    key TEXT NOT NULL,  -- casefolded: "Bug" and "bug" are one tag
    tag TEXT NOT NULL,
    PRIMARY KEY (note_id, key)
);
CREATE TABLE IF NOT EXISTS bookmarks (
    note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    row_id INTEGER NOT NULL,
    position INTEGER NOT NULL,  -- 0-based place in the session: a copy keeps it, not the id
    digest TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (note_id, row_id)
);
"""
NOTES_QUERY = """
SELECT n.id, n.session_id, n.created, n.first_digest, n.title, n.note, n.starred, n.updated_at,
  (SELECT json_group_array(tag) FROM (SELECT tag FROM tags WHERE note_id = n.id ORDER BY key)),
  (SELECT count(*) FROM bookmarks WHERE note_id = n.id),
  (SELECT json_group_array(json_array(path, session_id)) FROM (SELECT path, session_id
     FROM places WHERE note_id = n.id ORDER BY seen_at DESC, rowid DESC))
FROM notes n"""


class NotesFileError(PlainMessage, OSError):
    """The notes file exists but SQLite cannot use it (damaged, or not SQLite)."""

    def __init__(self, path: Path, error: sqlite3.Error) -> None:
        super().__init__(f"{path}: the notes file cannot be used ({error}); move it aside")


@dataclass(frozen=True)
class Known:
    """A note as read, with its identity."""

    note_id: int
    created: str
    first_digest: str
    notes: SessionNotes


def read_known(row: tuple[Any, ...]) -> Known:
    note_id, session_id, created, digest, title, note, starred, updated, tags, mark_count, seen = (
        row
    )
    places = tuple(Place(Path(path), sid) for path, sid in json.loads(seen))
    notes = SessionNotes(
        session_id,
        title,
        tuple(json.loads(tags)),
        bool(starred),
        note,
        mark_count,
        parse_when(updated),
        places,
    )
    return Known(note_id, created, digest, notes)


_CREATING = threading.Lock()  # two connections switching a new file to WAL at once: one fails


def open_notes(path: Path) -> sqlite3.Connection:
    """A connection to the notes file, created readable by its owner only (notes are private)."""
    with _CREATING:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        conn.isolation_level = None
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.executescript(SCHEMA)
            # A change counter that starts from the clock: a file deleted and made again
            # never repeats a number a window saw before.
            start = time.time_ns() // 1000
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('changes', ?)", (start,))
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise NotesFileError(path, exc) from None
        return conn


def placed(
    conn: sqlite3.Connection, info: SessionInfo, session_id: str | None = None
) -> int | None:
    """The note filed for this place, if the session there is still the one it was (the
    same created_at). `session_id`: the id it was filed under, when not the info's own."""
    row = conn.execute(
        "SELECT p.note_id FROM places p JOIN notes n ON n.id = p.note_id"
        " WHERE p.path = ? AND p.session_id = ? AND n.created = ?",
        (place_key(info.db_path), session_id or info.session_id, created_key(info)),
    ).fetchone()
    return int(row[0]) if row else None


def adopt(conn: sqlite3.Connection, info: SessionInfo, identity: tuple[str, str]) -> int:
    """The note of this identity (a copy seen elsewhere), or a new one; filed at this place."""
    created, digest = identity
    row = conn.execute(
        "SELECT id FROM notes WHERE session_id = ? AND created = ? AND first_digest = ?",
        (info.session_id, created, digest),
    ).fetchone()
    if row:
        note_id = int(row[0])
    else:
        cursor = conn.execute(
            "INSERT INTO notes (session_id, created, first_digest, updated_at) VALUES (?, ?, ?, ?)",
            (info.session_id, created, digest, now_text()),
        )
        note_id = int(cursor.lastrowid or 0)
    set_place(conn, info.db_path, info.session_id, note_id)
    return note_id


def set_place(
    conn: sqlite3.Connection, path: str | os.PathLike[str], session_id: str, note_id: int
) -> None:
    conn.execute(
        "INSERT INTO places VALUES (?, ?, ?, ?) ON CONFLICT (path, session_id)"
        " DO UPDATE SET note_id = excluded.note_id, seen_at = excluded.seen_at",
        (place_key(path), session_id, note_id, now_text()),
    )


def forget_if_empty(conn: sqlite3.Connection, note_id: int) -> None:
    conn.execute(
        "DELETE FROM notes WHERE id = ? AND title = '' AND note = '' AND NOT starred"
        " AND NOT EXISTS (SELECT 1 FROM tags WHERE note_id = notes.id)"
        " AND NOT EXISTS (SELECT 1 FROM bookmarks WHERE note_id = notes.id)",
        (note_id,),
    )


def read_marks(conn: sqlite3.Connection, note_id: int) -> list[Bookmark]:
    rows = conn.execute(
        "SELECT row_id, label, position, digest, created_at FROM bookmarks"
        " WHERE note_id = ? ORDER BY row_id",
        (note_id,),
    )
    return [Bookmark(r, label, p, d, parse_when(c)) for r, label, p, d, c in rows]


def replace_marks(conn: sqlite3.Connection, note_id: int, marks: list[Bookmark]) -> None:
    conn.execute("DELETE FROM bookmarks WHERE note_id = ?", (note_id,))
    for m in marks:
        created = m.created_at.isoformat() if m.created_at else now_text()
        conn.execute(
            "INSERT OR IGNORE INTO bookmarks VALUES (?, ?, ?, ?, ?, ?)",
            (note_id, m.row_id, m.position, m.digest, m.label, created),
        )
