"""One row per session found in the open folder, plus one per file that could not be read."""

from __future__ import annotations

import contextlib
import enum
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from ...formatting import human_size, local_time
from ...sessions.errors import ProblemKind
from ...sessions.listing import StoreScan
from ...sessions.records import SessionInfo, StoreProblem
from .base import Index, ListTableModel

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_PROBLEM_COLOUR = QColor("#c0392b")


class Column(enum.IntEnum):
    SESSION = 0
    FILE = 1
    ITEMS = 2
    SIZE = 3
    CREATED = 4
    LAST_ACTIVITY = 5
    KIND = 6
    STATE = 7


HEADERS = ("Session", "File", "Items", "Size", "Created", "Last activity", "Kind", "State")


class Role(enum.IntEnum):
    SORT = Qt.ItemDataRole.UserRole + 1
    INFO = Qt.ItemDataRole.UserRole + 2  # the SessionInfo, or None for a problem row
    PATH = Qt.ItemDataRole.UserRole + 3


_ROLES = frozenset(
    {
        _DISPLAY,
        _TOOLTIP,
        _ALIGNMENT,
        Qt.ItemDataRole.ForegroundRole,
        Role.SORT,
        Role.INFO,
        Role.PATH,
    }
)


@dataclass(frozen=True)
class SessionRow:
    path: Path
    info: SessionInfo | None = None
    problem: StoreProblem | None = None
    scratch: bool = False  # an in-memory scratch session, shown through its snapshot file

    @cached_property
    def sort_keys(self) -> tuple[Any, ...]:
        """Typed sort values per column, worked out once per row (rows never change)."""
        info = self.info
        if info is None:
            return tuple(-1 if c in (Column.ITEMS, Column.SIZE) else "" for c in Column)
        return (
            info.session_id.lower(),
            str(self.path).lower(),
            info.message_count,
            info.size_bytes,
            _timestamp(info.created_at),
            _timestamp(info.updated_at),
            str(info.kind),
            self.state,
        )

    @cached_property
    def cells(self) -> tuple[str, ...]:
        """Display text per column (the file column is the model's: it depends on the folder)."""
        info = self.info
        if info is None:
            explanation = self.problem.kind.explanation if self.problem else ""
            return (explanation, "", "", "", "", "", "", self.state)
        return (
            info.session_id,
            "",
            f"{info.message_count:,}",
            human_size(info.size_bytes),
            local_time(info.created_at),
            local_time(info.updated_at),
            str(info.kind),
            self.state,
        )

    @property
    def state(self) -> str:
        if self.scratch:
            return "in memory"
        if self.problem is None:
            return "ok"
        return {ProblemKind.LOCKED: "locked", ProblemKind.CORRUPT: "corrupt"}.get(
            self.problem.kind, "not a store"
        )


def rows_of(scan: StoreScan) -> list[SessionRow]:
    if scan.problem is not None:
        return [SessionRow(scan.path, problem=scan.problem)]
    return [SessionRow(scan.path, info=info) for info in scan.sessions]


class SessionListModel(ListTableModel):
    headers = HEADERS

    """Rows of one file stay together, so a rescan of a file replaces one block."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[SessionRow] = []
        self.root: Path | None = None
        self._labels: dict[Path, str] = {}

    # --- Qt interface

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Qt asks a dozen roles per visible cell on every repaint, and the sorting proxy asks
        # for sort keys thousands of times while a folder streams in: unknown roles leave at
        # once, and the common ones are lookups in per-row caches.
        if role not in _ROLES:
            return None
        number = index.row()
        if not 0 <= number < len(self._rows):
            return None
        row, column = self._rows[number], index.column()
        if role == Role.SORT:
            return row.sort_keys[column]
        if role == _DISPLAY:
            return self._file_label(row) if column == Column.FILE else row.cells[column]
        if role == Role.INFO:
            return row.info
        if role == Role.PATH:
            return str(row.path)
        if role == _TOOLTIP:
            return row.problem.message if row.problem else str(row.path)
        if role == _ALIGNMENT:
            return _RIGHT if column in (Column.ITEMS, Column.SIZE) else None
        return _PROBLEM_COLOUR if row.problem is not None else None  # ForegroundRole

    def _file_label(self, row: SessionRow) -> str:
        if row.scratch:
            return "(scratch, in memory)"
        label = self._labels.get(row.path)
        if label is None:
            label = row.path.name
            if self.root is not None:
                with contextlib.suppress(ValueError):
                    label = str(row.path.relative_to(self.root))
            self._labels[row.path] = label
        return label

    # --- updates from scans

    def reset(self, root: Path | None) -> None:
        """Show another folder; scratch sessions belong to the app, so they stay."""
        self.beginResetModel()
        self._rows = [row for row in self._rows if row.scratch]
        self.root = root
        self._labels = {}
        self.endResetModel()

    def apply_scratch(self, scan: StoreScan) -> None:
        self.remove_path(scan.path)
        rows = [SessionRow(scan.path, info=info, scratch=True) for info in scan.sessions]
        if rows:
            self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
            self._rows[0:0] = rows
            self.endInsertRows()

    def paths(self) -> set[Path]:
        return {row.path for row in self._rows}

    def row_at(self, row: int) -> SessionRow:
        return self._rows[row]

    def _block(self, path: Path) -> tuple[int, int]:
        """First row and row count of a file's block (count 0: where it would go)."""
        first = next((i for i, r in enumerate(self._rows) if r.path == path), len(self._rows))
        count = 0
        while first + count < len(self._rows) and self._rows[first + count].path == path:
            count += 1
        return first, count

    def apply_scans(self, scans: list[StoreScan]) -> None:
        """Show a batch of scans: files new to the list arrive in one insertion.

        One insertion per batch (not per file) keeps the sorting proxy from
        re-sorting thousands of times while a big folder streams in.
        """
        present = {row.path for row in self._rows}
        new_rows = [row for scan in scans if scan.path not in present for row in rows_of(scan)]
        for scan in scans:
            if scan.path in present:
                self.apply_scan(scan)
        if new_rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new_rows) - 1)
            self._rows.extend(new_rows)
            self.endInsertRows()

    def apply_scan(self, scan: StoreScan) -> None:
        """Show a file's current state: its sessions, or its problem."""
        new_rows = rows_of(scan)
        first, count = self._block(scan.path)
        if any(row.scratch for row in self._rows[first : first + count]):
            return  # a snapshot file is not part of the folder being scanned
        if count == len(new_rows) and count:
            self._rows[first : first + count] = new_rows
            self.dataChanged.emit(
                self.index(first, 0), self.index(first + count - 1, len(Column) - 1)
            )
            return
        if count:
            self.beginRemoveRows(QModelIndex(), first, first + count - 1)
            del self._rows[first : first + count]
            self.endRemoveRows()
        if new_rows:
            self.beginInsertRows(QModelIndex(), first, first + len(new_rows) - 1)
            self._rows[first:first] = new_rows
            self.endInsertRows()

    def remove_path(self, path: Path) -> None:
        first, count = self._block(path)
        if count:
            self.beginRemoveRows(QModelIndex(), first, first + count - 1)
            del self._rows[first : first + count]
            self.endRemoveRows()

    def session_count(self) -> int:
        return sum(1 for row in self._rows if row.info is not None)

    def problem_count(self) -> int:
        return sum(1 for row in self._rows if row.problem is not None)


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
