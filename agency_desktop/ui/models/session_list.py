"""One row per session found in the open folder, plus one per file that could not be read."""

from __future__ import annotations

import enum
import functools
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QStandardItem
from PySide6.QtWidgets import QApplication, QStyle

from ...stores.errors import ProblemKind
from ...stores.listing import StoreScan
from ...stores.records import SessionInfo, StoreProblem
from ...stores.registry import kind_of
from ...util.errors import InputError
from ...util.formatting import expires_in, human_size, local_time
from .base import OBJECT, READ_ONLY, ItemTableModel

if TYPE_CHECKING:
    from ...ops.notes_records import SessionNotes

_RIGHT_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_PROBLEM_BRUSH = QBrush(QColor("#c0392b"))


@functools.cache
def _warning_icon() -> QIcon:
    """Made once, when the first problem row is: the style exists only with the app."""
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


class Column(enum.IntEnum):
    SESSION = 0
    FILE = 1
    ITEMS = 2
    SIZE = 3
    CREATED = 4
    LAST_ACTIVITY = 5
    KIND = 6
    STATE = 7
    TITLE = 8  # new columns go last, so the others keep their numbers (and saved header states)
    TOKENS = 9
    TAGS = 10  # the user's own notes (never in the store): tags, and the note's first line
    NOTE = 11


HEADERS = (
    "Session",
    "File",
    "Items",
    "Size",
    "Created",
    "Last activity",
    "Kind",
    "State",
    "Title",
    "Tokens",
    "Tags",
    "Note",
)


class Role(enum.IntEnum):
    """INFO and PATH (and the row object) are on each row's SESSION cell."""

    SORT = Qt.ItemDataRole.UserRole + 1
    INFO = Qt.ItemDataRole.UserRole + 2  # the SessionInfo, or None for a problem row
    PATH = Qt.ItemDataRole.UserRole + 3
    TAGS = Qt.ItemDataRole.UserRole + 4  # on the TITLE and TAGS cells: the tags, as chips


# Plain ints: comparing and indexing with IntEnum members costs a Python call each.
_COLUMNS = tuple(int(column) for column in Column)
_SESSION, _FILE, _STATE = int(Column.SESSION), int(Column.FILE), int(Column.STATE)
_RIGHT_ALIGNED = frozenset({int(Column.ITEMS), int(Column.SIZE), int(Column.TOKENS)})
_SORT, _INFO, _PATH = int(Role.SORT), int(Role.INFO), int(Role.PATH)
_TAGS_COLUMN, _TAGS, _TITLE = int(Column.TAGS), int(Role.TAGS), int(Column.TITLE)
STAR = "★"


_STATES = {kind: str(kind) for kind in ProblemKind} | {ProblemKind.NOT_A_STORE: "not a store"}


@dataclass(frozen=True)
class SessionRow:
    path: Path
    info: SessionInfo | None = None
    problem: StoreProblem | None = None
    scratch: bool = False  # an in-memory scratch session, shown through its snapshot file
    notes: SessionNotes | None = None  # the user's own, kept by the app

    @property
    def key(self) -> tuple[Path, str] | None:
        return (self.info.db_path, self.info.session_id) if self.info is not None else None

    @property
    def title(self) -> str:
        """The user's title over the first message's; a star in front when starred."""
        if self.info is None:
            return ""
        notes = self.notes
        title = (notes.title if notes is not None else "") or self.info.title
        return f"{STAR} {title}" if notes is not None and notes.starred else title

    @property
    def tags(self) -> tuple[str, ...]:
        return self.notes.tags if self.notes is not None else ()

    @property
    def note_line(self) -> str:
        return " ".join(self.notes.note.split()) if self.notes is not None else ""

    @property
    def sort_keys(self) -> tuple[Any, ...]:
        """Typed sort values per column: the proxy sorts on these, not on display text."""
        info = self.info
        if info is None:
            numeric = (Column.ITEMS, Column.SIZE, Column.TOKENS)
            return tuple(-1 if c in numeric else "" for c in Column)
        # Starred first in an ascending sort of titles, then by the title itself.
        starred = self.notes is not None and self.notes.starred
        title = ("0" if starred else "1") + self.title.lower()  # a str: Qt compares it
        return (
            info.session_id.lower(),
            str(self.path).lower(),
            info.message_count,
            info.size_bytes,
            _timestamp(info.created_at),
            _timestamp(info.updated_at),
            str(info.kind),
            self._state_order,
            title,
            -1 if info.tokens is None else info.tokens,
            ", ".join(self.tags).lower(),
            self.note_line.lower(),
        )

    @property
    def texts(self) -> tuple[str, ...]:
        """Display text per column (the file column is the model's: it depends on the folder)."""
        info = self.info
        if info is None:
            # The file's name where a session's would be; the short reason is its state,
            # the whole of it in the tooltip and the detail pane.
            return (self.path.name, "", "", "", "", "", "", self.state, "", "", "", "")
        return (
            info.session_id,
            "",
            f"{info.message_count:,}",
            "" if info.location else human_size(info.size_bytes),  # a server: no one file
            local_time(info.created_at),
            local_time(info.updated_at),
            kind_label(info),
            self.state,
            self.title,
            "" if info.tokens is None else f"{info.tokens:,}",
            ", ".join(self.tags),
            self.note_line,
        )

    @property
    def state(self) -> str:
        if self.scratch:
            return "in memory"
        if self.problem is None:
            expires = self.expires_at
            return expires_in(expires) if expires is not None else "ok"
        return _STATES[self.problem.kind]

    @property
    def _state_order(self) -> str:
        """Expiring sessions sort by when they expire, not by the text "expires in …"."""
        expires = self.expires_at
        return self.state if expires is None else f"expires {expires.timestamp():017.3f}"

    @property
    def expires_at(self) -> datetime | None:
        """When a Redis session's keys expire (their TTL); None for every other session.
        The state says "expires in …" as of the listing: Refresh counts again."""
        return getattr(self.info, "expires_at", None)


def kind_label(info: SessionInfo) -> str:
    """A file's layout (plain, advanced, custom), or the server's kind as the store
    names it ("PostgreSQL"), so a new kind of server needs nothing here."""
    if not info.location:
        return str(info.kind)
    try:
        return kind_of(info.location).label
    except InputError:
        return str(info.kind)


def rows_of(scan: StoreScan) -> list[SessionRow]:
    if scan.problem is not None:
        return [SessionRow(scan.path, problem=scan.problem)]
    return [SessionRow(scan.path, info=info) for info in scan.sessions]


class SessionListModel(ItemTableModel):
    """Rows of one file stay together, so a rescan of a file replaces one block."""

    headers = HEADERS
    # Around a removal, before any view or proxy hears of it: Qt's own signals reach the
    # selection model first, which has made a neighbour current by then.
    rowsLeaving = Signal(int, int)  # first, count
    rowsLeft = Signal()
    # Whether any row has tags now: the list paints chips (a delegate in Python) only
    # then. Every call from a paint into Python waits its turn at the GIL while a folder
    # streams in, so an untagged list is painted by Qt alone.
    taggedChanged = Signal(bool)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[SessionRow] = []
        self.notes: dict[tuple[Path, str], SessionNotes] = {}  # as last read, by session
        self.root: Path | None = None
        self._root_prefix = ""
        self._sessions = self._problems = self._tagged = 0
        self._path_rows: Counter[Path] = Counter()  # rows listed per store file
        self._listed: dict[tuple[Path, str], SessionInfo] = {}  # by (store, session id)
        prototype = QStandardItem()
        prototype.setFlags(READ_ONLY)
        self.setItemPrototype(prototype)  # the model owns it from here

    def _cell_roles(self, row: SessionRow) -> list[dict[int, Any]]:
        texts, keys = row.texts, row.sort_keys
        path = str(row.path)
        problem = row.problem
        tip = row.info.where if row.info is not None else path  # a server's URL, not its key
        shared: dict[int, Any] = {_TOOLTIP: problem.message if problem is not None else tip}
        shared[_FOREGROUND] = _PROBLEM_BRUSH if problem is not None else None
        cells = []
        for column in _COLUMNS:
            roles = {
                **shared,
                _DISPLAY: self._file_label(row) if column == _FILE else texts[column],
                _SORT: keys[column],
            }
            if column == _SESSION:  # the row's own data lives on its first cell only
                roles.update({OBJECT: row, _INFO: row.info, _PATH: path})
                if problem is not None:
                    roles[_DECORATION] = _warning_icon()
            if column in _RIGHT_ALIGNED:
                roles[_ALIGNMENT] = _RIGHT_ALIGNMENT
            if column in (_TAGS_COLUMN, _TITLE):  # chips before the title
                roles[_TAGS] = row.tags
            if column == _STATE and (expires := row.expires_at) is not None:
                roles[_TOOLTIP] = f"Expires at {local_time(expires)} (its keys' TTL on the server)"
            if column == _TITLE and row.notes is not None and row.notes.note:
                roles[_TOOLTIP] = row.notes.note  # the whole note, where the title is
            cells.append(roles)
        return cells

    # Rows are filled through the model, not as QStandardItems made in Python: the model
    # then makes each cell in C++ (a clone of its item prototype), with no Python wrapper.
    # Wrappers of items the model holds live as long as the model (or the item) does,
    # and destroying them made clearing a list of 10,000 sessions hold the GUI thread
    # for 50 to 150 ms; making them cost as much as everything else about a row.

    def _noted(self, rows: Sequence[SessionRow]) -> list[SessionRow]:
        """Rows with the user's notes as last read (a rescan lists rows without them)."""
        notes = self.notes
        return [
            replace(row, notes=notes.get(row.key)) if row.key is not None else row for row in rows
        ]

    def apply_notes(self, found: dict[tuple[Path, str], SessionNotes]) -> int:
        """Show the notes as just read; returns how many rows changed."""
        self.notes = found
        changed = 0
        for number, row in enumerate(self._rows):
            info = row.info
            notes = found.get((info.db_path, info.session_id)) if info is not None else None
            if notes is not row.notes and notes != row.notes:
                self.replace_row(number, replace(row, notes=notes))
                changed += 1
        return changed

    def insert_rows(self, at: int, rows: Sequence[SessionRow]) -> None:
        if not rows:
            return
        rows = self._noted(rows) if self.notes else rows
        self._rows[at:at] = rows
        self._count(rows, 1)
        self.insertRows(at, len(rows))
        self._fill(at, rows)

    def replace_row(self, number: int, row: SessionRow) -> None:
        self._count([self._rows[number]], -1)
        self._rows[number] = row
        self._count([row], 1)
        self._fill(number, [row])

    def remove_rows(self, first: int, count: int) -> None:
        if count > 0:
            self.rowsLeaving.emit(first, count)
        self._count(self._rows[first : first + count], -1)
        super().remove_rows(first, count)
        if count > 0:
            self.rowsLeft.emit()

    def _count(self, rows: Sequence[SessionRow], sign: int) -> None:
        """Totals kept as rows come and go: the status bar asks after every batch, and
        counting 10,000 rows each time took 2 ms of the GUI thread; each slice of a
        folder streaming in asks which files are listed already (a set of every row's
        path, made per slice, held the GUI thread up to 10 ms late in a big folder), and
        the notes and the followed session ask for the sessions by key (a dict of them
        all, made on each ask, held it 17-25 ms while a folder was backed up)."""
        tagged = self._tagged > 0
        paths, listed = self._path_rows, self._listed
        for row in rows:
            if (info := row.info) is not None:
                self._sessions += sign
                key = (info.db_path, info.session_id)
                if sign > 0:
                    listed[key] = info
                elif listed.get(key) is info:
                    del listed[key]
            if row.problem is not None:
                self._problems += sign
            if row.notes is not None and row.notes.tags:
                self._tagged += sign
            left = paths[row.path] + sign
            if left:
                paths[row.path] = left
            else:
                del paths[row.path]
        if (self._tagged > 0) != tagged:
            self.taggedChanged.emit(not tagged)

    @property
    def tagged(self) -> bool:
        """Whether any row has tags."""
        return self._tagged > 0

    def _fill(self, first: int, rows: Sequence[SessionRow]) -> None:
        """Set every cell of rows from `first` on, then say so once: a dataChanged per
        cell would have the sorting proxy and the view handle each one on its own."""
        blocked = self.blockSignals(True)
        try:
            for offset, row in enumerate(rows):
                for column, roles in enumerate(self._cell_roles(row)):
                    self.setItemData(self.index(first + offset, column), roles)
        finally:
            self.blockSignals(blocked)
        last = first + len(rows) - 1
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.headers) - 1), [])

    def _file_label(self, row: SessionRow) -> str:
        if row.scratch:
            return "(scratch, in memory)"
        if row.info is not None and row.info.location:
            return row.info.location  # a server's URL, its password masked
        # A string prefix, not Path.relative_to: that costs ~30 us a row, and a big
        # folder streams in thousands of rows on the GUI thread.
        path = str(row.path)
        if self._root_prefix and path.startswith(self._root_prefix):
            return path[len(self._root_prefix) :]
        return row.path.name

    # --- updates from scans

    def reset(self, root: Path | None) -> None:
        """Show another folder; scratch sessions belong to the app, so they stay."""
        scratch = [row for row in self._rows if row.scratch]
        self.clear_rows()
        self.root = root
        self._root_prefix = os.path.join(str(root), "") if root is not None else ""
        self.insert_rows(0, scratch)

    def renewed(self, root: Path | None) -> SessionListModel:
        """A new model for another folder, holding this one's scratch sessions: swapping it
        in costs nothing, where clearing a big folder's rows takes tens of ms."""
        model = SessionListModel(self.parent())
        model.notes = self.notes  # the notes file is the app's: the same for any folder
        model.reset(root)
        model.insert_rows(0, [row for row in self._rows if row.scratch])
        return model

    def apply_scratch(self, scan: StoreScan) -> None:
        self.remove_path(scan.path)
        self.insert_rows(0, [SessionRow(scan.path, info=i, scratch=True) for i in scan.sessions])

    def paths(self) -> set[Path]:
        return set(self._path_rows)

    def _block(self, path: Path) -> tuple[int, int]:
        """First row and row count of a file's block (count 0: where it would go)."""
        first = next((i for i, r in enumerate(self._rows) if r.path == path), len(self._rows))
        count = 0
        while first + count < len(self._rows) and self._rows[first + count].path == path:
            count += 1
        return first, count

    def apply_scans(self, scans: list[StoreScan]) -> None:
        """Show a batch of scans: files new to the list go to the end, others are replaced."""
        present = [scan for scan in scans if scan.path in self._path_rows]
        new_rows = [
            row for scan in scans if scan.path not in self._path_rows for row in rows_of(scan)
        ]
        for scan in present:
            self.apply_scan(scan)
        self.insert_rows(len(self._rows), new_rows)

    def apply_scan(self, scan: StoreScan) -> None:
        """Show a file's current state: its sessions, or its problem."""
        new_rows = self._noted(rows_of(scan))
        first, count = self._block(scan.path)
        if any(row.scratch for row in self._rows[first : first + count]):
            return  # a snapshot file is not part of the folder being scanned
        if count == len(new_rows):
            for offset, row in enumerate(new_rows):
                if row != self._rows[first + offset]:
                    self.replace_row(first + offset, row)
            return
        self.remove_rows(first, count)
        self.insert_rows(first, new_rows)

    def remove_path(self, path: Path) -> None:
        self.remove_rows(*self._block(path))

    def session_count(self) -> int:
        return self._sessions

    def listed_sessions(self) -> Mapping[tuple[Path, str], SessionInfo]:
        """Every listed session by (store, session id), as the list changes (read-only)."""
        return MappingProxyType(self._listed)

    def problem_count(self) -> int:
        return self._problems


def _timestamp(value: datetime | None) -> float:
    return value.timestamp() if value else 0.0


class SessionFilterProxy(QSortFilterProxyModel):
    """Filter on any column's text; sort on typed values, not on their display strings."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(Role.SORT)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)
