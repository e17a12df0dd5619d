"""The records of the user's notes on sessions, and what ties them to a session in a store:
its identity (created_at and a digest of its first item) and the place of each bookmark.

Everything here that reads a store does it through the store seam (`open_store`), so it
stays read-only and leaves nothing beside the user's file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..stores.errors import SessionNotFoundError
from ..stores.records import SessionInfo
from ..stores.registry import open_store
from ..stores.session_data import items_digest
from ..util.errors import InputError


class Place(NamedTuple):
    """Where a session was seen: its store (an absolute path) and its id there."""

    path: Path
    session_id: str


@dataclass(frozen=True)
class Bookmark:
    """A marked item: its row id, and what finds it again once a copy renumbers the rows
    (its 0-based position in the session and a digest of its stored text)."""

    row_id: int
    label: str = ""
    position: int = 0
    digest: str = ""
    created_at: datetime | None = None
    found: bool = True  # False: locate_bookmarks found no such item in the session now

    def as_dict(self) -> dict[str, Any]:
        created = self.created_at.isoformat() if self.created_at else None
        return {
            "row_id": self.row_id,
            "label": self.label,
            "found": self.found,
            "created_at": created,
        }


@dataclass(frozen=True)
class SessionNotes:
    """What the user noted about one session (empty values where nothing is noted)."""

    session_id: str
    title: str = ""
    tags: tuple[str, ...] = ()
    starred: bool = False
    note: str = ""
    bookmark_count: int = 0
    updated_at: datetime | None = None
    places: tuple[Place, ...] = ()  # where it was seen, most recently first

    @property
    def empty(self) -> bool:
        return not (self.title or self.tags or self.starred or self.note or self.bookmark_count)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "tags": list(self.tags),
            "starred": self.starred,
            "note": self.note,
            "bookmark_count": self.bookmark_count,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


@dataclass(frozen=True)
class NoteFilter:
    """What a list may be narrowed to: a tag, starred sessions, words found (ignoring
    case) in the title, note or tags. An inactive filter lets every session through."""

    tag: str = ""
    starred: bool = False
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.tag.strip() or self.starred or self.text.strip())

    def matches(self, notes: SessionNotes | None) -> bool:
        if not self.active:
            return True
        if notes is None or (self.starred and not notes.starred):
            return False
        if self.tag.strip() and tag_key(self.tag) not in {tag_key(t) for t in notes.tags}:
            return False
        haystack = "\n".join((notes.title, notes.note, *notes.tags)).casefold()
        return all(word in haystack for word in self.text.casefold().split())


def tag_key(tag: str) -> str:
    return " ".join(tag.split()).casefold()


def item_digest(text: str | bytes) -> str:
    """A digest of one item's stored text (a BLOB as readers decode it)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return items_digest([text])


def first_item_digest(info: SessionInfo) -> str:
    """The identity's part that only the items know; reads one item, through the store seam."""
    with open_store(info.db_path).reader(info.session_id) as reader:
        for _, _, text in reader.iter_items(batch=1):
            return item_digest(text)
    return ""


def find_session(location: str | os.PathLike[str], session_id: str) -> SessionInfo:
    """The session as a listing shows it; SessionNotFoundError (naming the file) if absent."""
    for info in open_store(location).sessions():
        if info.session_id == session_id:
            return info
    raise SessionNotFoundError(os.fspath(location), session_id)


def place_key(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(os.fspath(path))  # no resolve(): 10,000 rows, no syscall each


def created_key(info: SessionInfo) -> str:
    return info.created_at.astimezone(UTC).isoformat() if info.created_at else ""


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def one_line(text: str, limit: int, what: str) -> str:
    cleaned = " ".join(text.split())
    if len(cleaned) > limit:
        raise InputError(f"the {what} is too long ({len(cleaned)} characters; at most {limit})")
    return cleaned


def item_facts(info: SessionInfo, row_id: int) -> tuple[int, str]:
    """An item's position in its session and the digest of its stored text (never opened
    with a key, so the digest is the same whoever reads it)."""
    store = open_store(info.db_path)
    with store.item_tables() as tables:
        table = next((t for t in tables if t.name == info.messages_table), None)
        rows = table.rows_after(row_id - 1, 1) if table is not None else []
    if not rows or rows[0][0] != row_id or rows[0][1] != info.session_id:
        raise InputError(f"{info.db_path}: session {info.session_id!r} has no item {row_id}")
    with store.reader(info.session_id) as reader:
        position = reader.count_before(row_id)
    return position, item_digest(rows[0][3] if rows[0][3] is not None else "")


def locate(info: SessionInfo, marks: list[Bookmark]) -> list[Bookmark]:
    """Each mark's item now: at its row id if the text is the same, else at its position,
    else the first item with its text; found=False when none is."""
    by_row, by_position = {m.row_id: m for m in marks}, {m.position: m for m in marks}
    digests = {m.digest for m in marks}
    at_row: dict[int, int] = {}
    at_position: dict[int, int] = {}
    first_with: dict[str, int] = {}
    with open_store(info.db_path).reader(info.session_id) as reader:
        for index, (row_id, _, text) in enumerate(reader.iter_items()):
            digest = item_digest(text)
            if digest not in digests:
                continue
            if (mark := by_row.get(row_id)) is not None and mark.digest == digest:
                at_row[mark.row_id] = row_id
            if (mark := by_position.get(index)) is not None and mark.digest == digest:
                at_position[mark.row_id] = row_id
            first_with.setdefault(digest, row_id)
            if len(at_row) == len(marks):
                break
    located = []
    for m in marks:
        row = at_row.get(m.row_id, at_position.get(m.row_id, first_with.get(m.digest)))
        located.append(replace(m, found=False) if row is None else replace(m, row_id=row))
    return located
