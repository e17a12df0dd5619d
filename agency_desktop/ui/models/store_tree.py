"""The session list grouped by store: a file that holds several sessions becomes a node
with its sessions under it; a file with one session stays a row of its own.

A view over the filtered, sorted session list (its proxy), so filtering and sorting
apply unchanged and within each store. The grouping is worked out again a moment after
the list changes (a scan delivers rows in batches); until then the old grouping is
shown. It exists only while the user wants the tree: a flat list costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)

from ...stores.records import SessionInfo
from ...util.formatting import counted, human_size, local_time
from .session_list import Column, Role

Index = QModelIndex | QPersistentModelIndex
REGROUP_DELAY_MS = 60
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole


class StoreTreeModel(QAbstractItemModel):
    """Top rows: stores of several sessions (internal id 0, with children) and single
    sessions (internal id 0, none); a child's internal id is its parent's row + 1."""

    def __init__(self, proxy: QSortFilterProxyModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._proxy = proxy
        self._top: list[tuple[str, list[int]]] = []  # (store path, proxy rows)
        self._place: dict[int, tuple[int, int]] = {}  # proxy row -> (top row, child or -1)
        self.stale = False
        self._timer = QTimer(self, singleShot=True, interval=REGROUP_DELAY_MS)
        self._timer.timeout.connect(self.regroup)
        for signal in (
            proxy.modelReset,
            proxy.layoutChanged,
            proxy.rowsInserted,
            proxy.rowsRemoved,
            proxy.rowsMoved,
            proxy.dataChanged,
        ):
            signal.connect(self._changed)
        self.regroup()

    def _changed(self, *_args: Any) -> None:
        self.stale = True
        self._timer.start()

    def regroup(self) -> None:
        self._timer.stop()
        rows: dict[str, list[int]] = {}
        for row in range(self._proxy.rowCount()):
            rows.setdefault(str(self._proxy.index(row, 0).data(Role.PATH)), []).append(row)
        self.beginResetModel()
        self._top = list(rows.items())
        self._place = {
            row: (top, child if len(members) > 1 else -1)
            for top, (_path, members) in enumerate(self._top)
            for child, row in enumerate(members)
        }
        self.stale = False
        self.endResetModel()

    # --- between the tree and the list

    def proxy_row(self, index: Index) -> int | None:
        """The list row an index of the tree shows; None for a store's own node."""
        if not index.isValid():
            return None
        number = int(index.internalId())
        if number == 0:
            members = self._top[index.row()][1]
            return members[0] if len(members) == 1 else None
        return self._top[number - 1][1][index.row()]

    def tree_index(self, proxy_row: int, column: int = 0) -> QModelIndex:
        place = self._place.get(proxy_row)
        if place is None or self.stale:
            return QModelIndex()
        top, child = place
        if child < 0:
            return self.index(top, column)
        return self.index(child, column, self.index(top, 0))

    def is_store(self, index: Index) -> bool:
        return index.isValid() and index.internalId() == 0 and len(self._top[index.row()][1]) > 1

    def store_path(self, index: Index) -> Path | None:
        if not index.isValid():
            return None
        number = int(index.internalId())
        return Path(self._top[index.row() if number == 0 else number - 1][0])

    # --- Qt interface

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1 if parent.isValid() else 0)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(int(child.internalId()) - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._top)
        if parent.column() != 0 or not self.is_store(parent):
            return 0
        return len(self._top[parent.row()][1])

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return self._proxy.columnCount()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        return self._proxy.headerData(section, orientation, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self.proxy_row(index)
        if row is not None:
            return self._proxy.index(row, index.column()).data(role)
        return self._store_data(index, role)

    def _store_data(self, index: Index, role: int) -> Any:
        path, rows = self._top[index.row()]
        if role == Role.PATH:
            return path
        if role not in (_DISPLAY, _TOOLTIP):
            return None
        infos = [self._proxy.index(row, 0).data(Role.INFO) for row in rows]
        sessions = [info for info in infos if isinstance(info, SessionInfo)]
        if role == _TOOLTIP:
            return f"{path}\n{counted(len(sessions), 'session')} in this store"
        return _store_text(index.column(), Path(path), sessions)


def _store_text(column: int, path: Path, sessions: list[SessionInfo]) -> str:
    if column == Column.SESSION:
        return path.name
    if column == Column.TITLE:
        return counted(len(sessions), "session")
    if column == Column.ITEMS:
        return f"{sum(info.message_count for info in sessions):,}"
    if column == Column.SIZE and sessions:
        return human_size(sessions[0].size_bytes)
    if column == Column.LAST_ACTIVITY:
        times = [info.updated_at for info in sessions if info.updated_at is not None]
        return local_time(max(times)) if times else ""
    if column == Column.TOKENS:
        tokens = [info.tokens for info in sessions if info.tokens is not None]
        return f"{sum(tokens):,}" if tokens else ""
    return ""
