"""Flat table models whose cells Qt keeps in C++, so painting never enters Python.

A model with a Python `data()` is asked a dozen roles per visible cell on every
repaint, and each ask has to take the GIL. While a worker thread runs Python (a
folder scan, stats, highlighting), every take waits for that thread's switch
interval: one repaint of the session list measured 30-110 ms that way, against
1 ms when the workers are idle. Here each row becomes QStandardItems once, when it
arrives; painting, sorting and filtering then read them without the GIL.

The Python row objects are kept twice: on each cell under `OBJECT` (what signal
handlers and views read, always in step with Qt), and in a mirror list for the
model's own bulk lookups. (The session list, which holds ten thousand rows, fills its
cells through the model instead and keeps the row object on its first cell only:
see SessionListModel.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel

Index = QModelIndex | QPersistentModelIndex

OBJECT = Qt.ItemDataRole.UserRole  # the Python row object, on every cell
READ_ONLY = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
DISCARD_SLICE = 500  # rows deleted per event-loop turn from a model no view shows


def cell(text: str, row: object, roles: Iterable[tuple[int, Any]] = ()) -> QStandardItem:
    """One read-only cell showing `text`, carrying its row object and any extra roles."""
    item = QStandardItem(text)
    item.setFlags(READ_ONLY)
    item.setData(row, OBJECT)
    for role, value in roles:
        item.setData(value, role)
    return item


class ItemTableModel(QStandardItemModel):
    headers: Sequence[str] = ()
    # Each model defines it: the cells of a row object that will sit at row `number`.
    cells: Callable[[Any, int], list[QStandardItem]]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(0, len(self.headers), parent)
        self.setHorizontalHeaderLabels(list(self.headers))
        self._rows: list[Any] = []

    def insert_rows(self, at: int, rows: Sequence[Any]) -> None:
        # One insertion per row: QStandardItemModel cannot insert several filled rows at
        # once, and inserting empty rows first would have a sorting proxy sort blanks.
        for offset, row in enumerate(rows):
            number = at + offset
            self._rows.insert(number, row)
            self.insertRow(number, self.cells(row, number))

    def remove_rows(self, first: int, count: int) -> None:
        if count > 0:
            self.removeRows(first, count)
            del self._rows[first : first + count]

    def replace_row(self, number: int, row: Any) -> None:
        self._rows[number] = row
        for column, item in enumerate(self.cells(row, number)):
            self.setItem(number, column, item)

    def clear_rows(self) -> None:
        self.remove_rows(0, len(self._rows))

    def row_object(self, number: int) -> Any:
        return self._rows[number]

    def valid(self, index: Index) -> bool:
        return index.isValid() and 0 <= index.row() < len(self._rows)


def swap_source[M: ItemTableModel](proxy: QSortFilterProxyModel, old: ItemTableModel, new: M) -> M:
    """Show `new` through `proxy` at once and discard `old` a slice per turn: swapping is
    free, where emptying a big model in place holds the GUI thread for tens of ms."""
    proxy.setSourceModel(new)
    discard_in_slices(old)
    return new


def discard_in_slices(model: ItemTableModel) -> None:
    """Empty a model that no view shows any more a slice per event-loop turn, then delete it.

    Deleting the cells of ten thousand rows at once holds the GUI thread for ~80 ms
    (the items, then the allocator tidying up after them).
    """
    timer = QTimer(model, interval=0)

    def step() -> None:
        left = model.rowCount()
        if left == 0:
            timer.stop()
            model.deleteLater()
            return
        count = min(left, DISCARD_SLICE)
        model.remove_rows(left - count, count)

    timer.timeout.connect(step)
    timer.start()
