"""Notes of the user's own on sessions: a title, tags, a star, free text, and bookmarks on
items. They live in one SQLite file in the app's data folder and are never written into a
store (a store belongs to the agents that write it), so removing that folder removes them.

A note belongs to a session's identity: its id, when it was created and a digest of its
first item. A file copy keeps all three (a backup, a restore under another name, the app's
move), and the app's rename and move keep all but the id, which `follow_rename` and
`follow_move` bring along. Every place the session was seen, (store, session id), is kept
too: the list finds its rows' notes by place in one query without reading any store, and
only a session at a place never seen is matched by identity, reading its first item, after
which the place is added ("re-attached"). Copies of a session therefore share its notes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from ..stores.errors import SessionNotFoundError, StoreError
from ..stores.records import SessionInfo
from ..util.errors import InputError
from ..util.logs import log
from ..util.paths import data_dir
from .notes_file import (
    NOTES_QUERY,
    Known,
    NotesFileError,
    adopt,
    forget_if_empty,
    open_notes,
    placed,
    read_known,
    read_marks,
    replace_marks,
    set_place,
)
from .notes_records import (
    Bookmark,
    NoteFilter,
    Place,
    SessionNotes,
    created_key,
    find_session,
    first_item_digest,
    item_facts,
    locate,
    now_text,
    one_line,
    parse_when,
    place_key,
    tag_key,
)

__all__ = [
    "NOTES_FILE",
    "Bookmark",
    "NoteBook",
    "NoteFilter",
    "NotesFileError",
    "Place",
    "SessionNotes",
    "find_session",
    "follow_move",
    "follow_rename",
]

NOTES_FILE = "notes.sqlite3"
MAX_TITLE, MAX_TAG, MAX_LABEL, MAX_NOTE = 500, 100, 500, 1_000_000
_READ_ERRORS = (StoreError, SessionNotFoundError, OSError, sqlite3.Error)


class NoteBook:
    """The user's notes, in `notes.sqlite3` in the app's data folder (or `path`).

    Thread-safe: one connection, used under a lock; stores are read outside it. The file is
    opened on first use and only created by a write; `close()` (or `with`) when done.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / NOTES_FILE
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> NoteBook:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- the connection

    def _connection(self, *, create: bool) -> sqlite3.Connection | None:
        """The kept connection, or None while there is no file and none is wanted. A file
        removed under us (the data folder deleted) is let go, never written on unseen."""
        if self._conn is not None and not self.path.exists():
            self.close()
        if self._conn is None and (create or self.path.exists()):
            self._conn = open_notes(self.path)
        return self._conn

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        with self._lock:
            yield self._connection(create=False)

    @contextlib.contextmanager
    def _writing(self, *, counted: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction; `counted` ones move version() on (a place added does not)."""
        with self._lock:
            conn = self._connection(create=True)
            assert conn is not None
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                if counted:
                    conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'changes'")
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    def version(self) -> int:
        """A number that changes whenever anyone (another window, the CLI) changes a note:
        cheap enough to poll every second. Compare for inequality only."""
        with self._reading() as conn:
            if conn is None:
                return 0
            row = conn.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()
            return int(row[0]) if row else 0

    # --- reading

    def _all(self, where: str = "", params: tuple[Any, ...] = ()) -> list[Known]:
        with self._reading() as conn:
            if conn is None:
                return []
            return [read_known(row) for row in conn.execute(NOTES_QUERY + where, params)]

    def notes_for(
        self, sessions: Iterable[SessionInfo], *, reattach: bool = True
    ) -> dict[tuple[Path, str], SessionNotes]:
        """The notes of those of `sessions` that have any, keyed by (db_path, session_id).

        One query, however many sessions (the notes file holds only annotated sessions).
        A session at a place never seen is matched by identity, which reads its first
        item: pass reattach=False where no store may be read (the GUI thread).
        """
        known = self._all()
        by_place = {(os.fspath(p.path), p.session_id): k for k in known for p in k.notes.places}
        by_head: dict[tuple[str, str], list[Known]] = defaultdict(list)
        for k in known:
            by_head[k.notes.session_id, k.created].append(k)
        found: dict[tuple[Path, str], SessionNotes] = {}
        strays = []
        for info in sessions:
            hit = by_place.get((place_key(info.db_path), info.session_id))
            if hit is not None and hit.created == created_key(info):
                found[info.db_path, info.session_id] = hit.notes
            elif reattach and (info.session_id, created_key(info)) in by_head:
                strays.append(info)
        for info, hit in self._reattach(strays, by_head):
            found[info.db_path, info.session_id] = hit.notes
        return found

    def _reattach(
        self, strays: list[SessionInfo], by_head: dict[tuple[str, str], list[Known]]
    ) -> list[tuple[SessionInfo, Known]]:
        matched = []
        for info in strays:
            try:
                digest = first_item_digest(info)
            except _READ_ERRORS:
                continue  # unreadable now: it keeps no notes until it can be read
            candidates = by_head[info.session_id, created_key(info)]
            hit = next((k for k in candidates if k.first_digest == digest), None)
            if hit is not None:
                matched.append((info, hit))
        if matched:
            try:
                with self._writing(counted=False) as conn:
                    for info, hit in matched:
                        set_place(conn, info.db_path, info.session_id, hit.note_id)
            except sqlite3.Error as exc:  # a read-only data folder: matched all the same
                log.warning("notes: places not recorded: %s", exc)
        return matched

    def get(self, info: SessionInfo, *, reattach: bool = True) -> SessionNotes:
        """One session's notes (empty ones if it has none)."""
        found = self.notes_for([info], reattach=reattach)
        return found.get((info.db_path, info.session_id)) or SessionNotes(info.session_id)

    def search(self, note_filter: NoteFilter | None = None) -> list[SessionNotes]:
        """Every annotated session the filter lets through, most recently noted first."""
        wanted = note_filter or NoteFilter()
        notes = [k.notes for k in self._all(" ORDER BY n.updated_at DESC, n.id DESC")]
        return [n for n in notes if wanted.matches(n)]

    def tags(self) -> list[tuple[str, int]]:
        """Every tag in use with how many sessions carry it, by name (for a filter menu)."""
        with self._reading() as conn:
            if conn is None:
                return []
            query = "SELECT min(tag), count(*) FROM tags GROUP BY key ORDER BY key"
            return [(str(tag), int(count)) for tag, count in conn.execute(query)]

    # --- editing

    def edit(
        self,
        info: SessionInfo,
        *,
        title: str | None = None,
        note: str | None = None,
        starred: bool | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
    ) -> SessionNotes:
        """Change some of a session's notes in one transaction; returns them as they are now.

        "" clears the title or note; tags are removed, then added, each at most once. A
        session left with nothing noted is forgotten.
        """
        fields: dict[str, Any] = {}
        if title is not None:
            fields["title"] = one_line(title, MAX_TITLE, "title")
        if note is not None:
            if len(note) > MAX_NOTE:
                raise InputError(
                    f"the note is too long ({len(note)} characters; at most {MAX_NOTE})"
                )
            fields["note"] = note if note.strip() else ""
        if starred is not None:
            fields["starred"] = int(starred)
        adds = [one_line(t, MAX_TAG, "tag") for t in add_tags]
        drops = [tag_key(t) for t in remove_tags]
        if "" in adds:
            raise InputError("a tag cannot be empty")

        def apply(conn: sqlite3.Connection, note_id: int) -> None:
            for name, value in fields.items():  # names are ours, never the user's
                conn.execute(f"UPDATE notes SET {name} = ? WHERE id = ?", (value, note_id))
            for key in drops:
                conn.execute("DELETE FROM tags WHERE note_id = ? AND key = ?", (note_id, key))
            for tag in adds:
                conn.execute(
                    "INSERT INTO tags VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (note_id, tag_key(tag), tag),
                )

        return self._edit(info, apply)

    def _edit(
        self, info: SessionInfo, apply: Callable[[sqlite3.Connection, int], None]
    ) -> SessionNotes:
        with self._reading() as conn:
            known = conn is not None and placed(conn, info) is not None
        # The store is read before the write, and outside our lock: it may take a while.
        identity = None if known else (created_key(info), first_item_digest(info))
        with self._writing() as conn:
            note_id = placed(conn, info)
            if note_id is None:
                note_id = adopt(
                    conn, info, identity or (created_key(info), first_item_digest(info))
                )
            apply(conn, note_id)
            conn.execute("UPDATE notes SET updated_at = ? WHERE id = ?", (now_text(), note_id))
            forget_if_empty(conn, note_id)
            row = conn.execute(NOTES_QUERY + " WHERE n.id = ?", (note_id,)).fetchone()
        return read_known(row).notes if row else SessionNotes(info.session_id)

    # --- bookmarks

    def add_bookmark(self, info: SessionInfo, row_id: int, label: str = "") -> Bookmark:
        """Mark one item of the session (again: a new label); InputError if it has no such item."""
        label = one_line(label, MAX_LABEL, "label")
        position, digest = item_facts(info, row_id)
        now = now_text()

        def apply(conn: sqlite3.Connection, note_id: int) -> None:
            conn.execute(
                "INSERT INTO bookmarks VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (note_id, row_id)"
                " DO UPDATE SET position = excluded.position, digest = excluded.digest,"
                " label = excluded.label",
                (note_id, row_id, position, digest, label, now),
            )

        self._edit(info, apply)
        return Bookmark(row_id, label, position, digest, parse_when(now))

    def remove_bookmark(self, info: SessionInfo, row_id: int) -> bool:
        """Unmark an item; False if it was not marked."""
        removed = []

        def apply(conn: sqlite3.Connection, note_id: int) -> None:
            query = "DELETE FROM bookmarks WHERE note_id = ? AND row_id = ?"
            removed.append(conn.execute(query, (note_id, row_id)).rowcount > 0)

        self._edit(info, apply)
        return any(removed)

    def bookmarks(self, info: SessionInfo) -> list[Bookmark]:
        """The session's bookmarks as recorded, by row id (see locate_bookmarks)."""
        for attempt in range(2):
            with self._reading() as conn:
                note_id = placed(conn, info) if conn is not None else None
                if conn is not None and note_id is not None:
                    return read_marks(conn, note_id)
            if attempt == 0 and not self.get(info).bookmark_count:  # get() re-attaches
                break
        return []

    def locate_bookmarks(self, info: SessionInfo) -> list[Bookmark]:
        """The bookmarks with the row ids their items have in this store now (a copy made
        by merge or split numbers rows anew); reads the session up to the last one found."""
        marks = self.bookmarks(info)
        return locate(info, marks) if marks else []

    def for_export(self, info: SessionInfo) -> dict[str, Any]:
        """The session's notes as an export carries them (`export --with-notes`)."""
        notes = self.get(info)
        marks = self.locate_bookmarks(info) if notes.bookmark_count else []
        data = notes.as_dict()
        del data["bookmark_count"]
        return {**data, "bookmarks": [m.as_dict() for m in marks]}

    # --- the app's own renames and moves

    def follow(
        self,
        source: str | os.PathLike[str],
        old_id: str,
        target: str | os.PathLike[str],
        new_id: str,
    ) -> bool:
        """Carry a session's notes to its new id and store; False if it had none.

        The session is looked up at its new place first: what identifies it (created_at,
        first item) is what the rename or move kept."""
        if not self.path.exists():
            return False  # nothing to carry, and no notes file is made for it
        info = find_session(target, new_id)
        with self._reading() as conn:
            note_id = placed(conn, replace(info, db_path=Path(source)), old_id) if conn else None
        if note_id is None:
            note_id = self._by_identity(info, old_id)
        if note_id is None:
            return False
        moved = place_key(source) != place_key(target)
        with self._reading() as conn:
            marks = read_marks(conn, note_id) if conn is not None and moved else []
        located = locate(info, marks) if marks else []
        with self._writing() as conn:
            conn.execute(
                "UPDATE OR IGNORE notes SET session_id = ? WHERE id = ?", (new_id, note_id)
            )
            conn.execute(
                "DELETE FROM places WHERE path = ? AND session_id = ?", (place_key(source), old_id)
            )
            set_place(conn, target, new_id, note_id)
            if located:
                replace_marks(conn, note_id, located)
        return True

    def _by_identity(self, info: SessionInfo, old_id: str) -> int | None:
        """A note never seen at the source, found by the moved session's identity."""
        digest = first_item_digest(info)
        query = "SELECT id FROM notes WHERE session_id = ? AND created = ? AND first_digest = ?"
        with self._reading() as conn:
            if conn is None:
                return None
            row = conn.execute(query, (old_id, created_key(info), digest)).fetchone()
        return int(row[0]) if row else None


def follow_rename(path: str | os.PathLike[str], old_id: str, new_id: str) -> None:
    """The app renamed a session: its notes follow (a hook in ops.reorganise)."""
    _follow(path, old_id, path, new_id)


def follow_move(
    source: str | os.PathLike[str], old_id: str, target: str | os.PathLike[str], new_id: str
) -> None:
    """The app moved a session to another store: its notes and bookmarks follow."""
    _follow(source, old_id, target, new_id)


def _follow(
    source: str | os.PathLike[str], old_id: str, target: str | os.PathLike[str], new_id: str
) -> None:
    """Notes come second: failing to carry them is logged, and never fails (or undoes) the
    rename or move, which has already happened."""
    book = NoteBook()
    try:
        book.follow(source, old_id, target, new_id)
    except (*_READ_ERRORS, InputError) as exc:
        log.warning("notes of session %r not carried to %r: %s", old_id, new_id, exc)
    finally:
        book.close()
