"""The messages of one session, loaded on demand in pages keyed by row id.

The model holds a contiguous window of rows. `fetchMore` extends it downwards
(Qt calls it as the view scrolls); `fetch_earlier` extends it upwards; and
`jump_to_end` replaces it with the last page, so the end of a million-item
session costs one indexed query. Past `MAX_WINDOW` rows the far end of the
window is dropped, which bounds memory however far the user scrolls.
"""

from __future__ import annotations

import enum
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QStandardItem

from ...stores.items import ItemKind
from ...stores.paging import MessageFilter, MessageRow
from ...util.formatting import local_time
from ..gil import with_gui_turns
from .base import OBJECT, Index, ItemTableModel, cell
from .page_loader import LoaderThread

PAGE_SIZE = 200
MAX_WINDOW = 10_000


class Column(enum.IntEnum):
    POSITION = 0
    TIME = 1
    KIND = 2
    TOOL = 3
    PREVIEW = 4


HEADERS = ("#", "Time", "Kind", "Tool", "Preview")


class Role(enum.IntEnum):
    ROW = int(OBJECT)  # the MessageRow
    ROW_ID = Qt.ItemDataRole.UserRole + 2


KIND_COLOURS = {
    ItemKind.USER: "#2e86c1",
    ItemKind.ASSISTANT: "#28b463",
    ItemKind.FUNCTION_CALL: "#ca6f1e",
    ItemKind.FUNCTION_CALL_OUTPUT: "#af7ac5",
    ItemKind.REASONING: "#7f8c8d",
    ItemKind.ENCRYPTED: "#b7950b",
    ItemKind.OTHER: "#7f8c8d",
}


_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_INVALID = QColor("#c0392b")
_INVALID_TIP = "This row is not valid JSON; it is shown as stored."
_COLOURS = {kind: QColor(colour) for kind, colour in KIND_COLOURS.items()}


class MessageTableModel(ItemTableModel):
    headers = HEADERS

    requestOpen = Signal(int, str, str, object, object, object)
    requestLoad = Signal(int, str, object, int)
    requestClose = Signal()
    sessionOpened = Signal(int)  # total rows matching the filter
    rowsPrepended = Signal(int)
    loadFailed = Signal(str)
    pageLoaded = Signal()
    jumpedToEnd = Signal()  # the last page is loaded after jump_to_end
    rowFocused = Signal(int)  # the row number of the item asked for by open_session(at_row_id=)
    branchesRead = Signal(list, object)  # the session's branches, the one shown (or None)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._loader = LoaderThread(self)
        loader = self._loader.loader
        self.requestOpen.connect(loader.open)
        self.requestLoad.connect(loader.load)
        self.requestClose.connect(loader.close)
        loader.opened.connect(self._on_opened)
        loader.branched.connect(self._on_branched)
        loader.loaded.connect(self._on_loaded)
        loader.changed.connect(self._on_changed)
        loader.misinformed.connect(self._on_misinformed)
        loader.failed.connect(self._on_failed)
        self._generation = 0
        self._rows: list[MessageRow] = []
        self._first_position = 0
        self._numbers: dict[int, int] = {}  # row id -> number in the session, while filtered
        self._total = 0
        self._last_id: int | None = None
        self._pending = False
        self._opened = False
        self._jump_wanted = False
        self._jumping = False
        self._focus_row_id: int | None = None
        self.db_path: Path | None = None
        self.session_id: str | None = None
        self.filter = MessageFilter()

    # --- opening

    def open_session(
        self,
        db_path: Path,
        session_id: str,
        message_filter: MessageFilter | None = None,
        at_row_id: int | None = None,
        known: tuple[int, int | None] | None = None,
    ) -> None:
        """Open a session at its start, or with the item `at_row_id` loaded and focused.

        `known`: its item count and last row id as the session list has them; the first
        page then comes without waiting for a count, which is checked afterwards.
        """
        self.db_path, self.session_id = db_path, session_id
        self.filter = message_filter or MessageFilter()
        self._restart(known, at_row_id)

    def focus_row(self, row_id: int) -> None:
        """Show the item `row_id` of the open session: at once if loaded, else load around it."""
        number = self.row_number_of(row_id)
        if number is not None:
            self.rowFocused.emit(number)
        elif self.db_path is not None and self.session_id is not None:
            self.open_session(self.db_path, self.session_id, self.filter, row_id)

    def set_filter(self, message_filter: MessageFilter) -> None:
        self.filter = message_filter
        if self.db_path is not None:
            self._restart()

    def close_session(self) -> None:
        self.db_path = self.session_id = None
        self._generation += 1
        self._clear()
        self.requestClose.emit()

    def _restart(
        self, known: tuple[int, int | None] | None = None, focus: int | None = None
    ) -> None:
        self._generation += 1
        self._clear()
        self._focus_row_id = focus
        assert self.db_path is not None and self.session_id is not None
        self.requestOpen.emit(
            self._generation, str(self.db_path), self.session_id, self.filter, known, focus
        )

    def _on_branched(self, generation: int, branches: list[Any], branch: str | None) -> None:
        """The branch read is kept in the filter, so a new filter stays on it."""
        if generation != self._generation:
            return
        self.filter = replace(self.filter, branch=branch)
        self.branchesRead.emit(branches, branch)

    def _clear(self) -> None:
        self.clear_rows()
        self._first_position, self._total, self._last_id = 0, 0, None
        self._numbers.clear()
        self._pending = self._opened = self._jump_wanted = self._jumping = False
        self._focus_row_id = None

    def shutdown(self) -> None:
        self._generation += 1
        self._loader.stop()

    # --- Qt interface

    def cells(self, row: MessageRow, number: int) -> list[QStandardItem]:
        """Cells of a row at `number` in the window; its position in the session is fixed."""
        shared: list[tuple[int, Any]] = [(Role.ROW_ID, row.row_id)]
        kind_roles: list[tuple[int, Any]] = [
            (_FOREGROUND, _COLOURS[row.kind] if row.valid_json else _INVALID)
        ]
        if not row.valid_json:
            shared.append((_TOOLTIP, _INVALID_TIP))
        position = f"{self._number(row.row_id, number):,}"
        return [
            cell(position, row, [*shared, (_ALIGNMENT, _RIGHT)]),
            cell(local_time(row.created_at), row, shared),
            cell(row.kind.label if row.valid_json else "invalid JSON", row, shared + kind_roles),
            cell(row.tool_name or "", row, shared),
            cell(row.preview, row, shared),
        ]

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        if parent.isValid() or not self._opened or self._pending:
            return False
        return self._last_id is not None and self._loaded_last_id() != self._last_id

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        self._pending = True  # also guards re-entry from rowsAboutToBeInserted handlers
        self.requestLoad.emit(self._generation, "after", self._loaded_last_id(), PAGE_SIZE)

    # --- the window

    @property
    def total(self) -> int:
        return self._total

    @property
    def at_start(self) -> bool:
        return self._first_position == 0

    @property
    def loading(self) -> bool:
        return self._pending

    def _loaded_last_id(self) -> int | None:
        return self._rows[-1].row_id if self._rows else None

    def row(self, number: int) -> MessageRow:
        row: MessageRow = self.row_object(number)
        return row

    def position_of(self, row_id: int) -> int | None:
        """The item's number in the session (the # column), if its row is loaded."""
        number = self.row_number_of(row_id)
        return None if number is None else self._number(row_id, number)

    def _number(self, row_id: int, number: int) -> int:
        """The # column: the item's place among all the session's items, filtered or not."""
        return self._numbers.get(row_id) or self._first_position + number + 1

    def row_number_of(self, row_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.row_id == row_id), None)

    def fetch_earlier(self) -> None:
        if self._opened and not self._pending and not self.at_start and self._rows:
            self._pending = True
            self.requestLoad.emit(self._generation, "before", self._rows[0].row_id, PAGE_SIZE)

    def jump_to_end(self) -> None:
        """Show the last page without reading what lies before it (after any load under way)."""
        if not self._opened or self._pending:
            self._jump_wanted = True
            return
        self._jump_wanted = False
        if self._loaded_last_id() == self._last_id:
            self.jumpedToEnd.emit()
            return
        self.clear_rows()
        self._numbers.clear()
        self._pending = self._jumping = True
        self.requestLoad.emit(self._generation, "before", None, PAGE_SIZE)

    def _on_opened(self, generation: int, total: int, last_id: Any) -> None:
        if generation != self._generation:
            return
        self._opened, self._total, self._last_id = True, total, last_id
        self.sessionOpened.emit(total)
        if self._focus_row_id is not None:
            self._pending = True
            self.requestLoad.emit(self._generation, "around", self._focus_row_id, PAGE_SIZE)
        elif self._jump_wanted:
            self.jump_to_end()
        else:
            self.fetchMore()

    @with_gui_turns
    def _on_loaded(
        self,
        generation: int,
        direction: str,
        rows: list[MessageRow],
        position: int,
        numbers: list[int],
    ) -> None:
        if generation != self._generation:
            return
        self._pending = False
        self._numbers.update(zip((row.row_id for row in rows), numbers, strict=False))
        if direction == "around":
            self._on_loaded_around(rows, position)
        elif rows and direction == "after":
            self._append(rows)
        elif rows and not self._rows:
            self._first_position = max(0, self._total - len(rows))
            self._append(rows)
        elif rows:
            self._prepend(rows)
        self.pageLoaded.emit()
        if self._jumping:
            self._jumping = False
            self.jumpedToEnd.emit()
        if self._jump_wanted:
            self.jump_to_end()

    def _on_loaded_around(self, rows: list[MessageRow], position: int) -> None:
        self._first_position = position
        self._append(rows)
        wanted, self._focus_row_id = self._focus_row_id, None
        # The item may have gone since it was found: then the nearest later one is shown.
        number = next((i for i, r in enumerate(rows) if wanted is None or r.row_id >= wanted), 0)
        if rows:
            self.rowFocused.emit(number)

    def _append(self, rows: list[MessageRow]) -> None:
        self.insert_rows(len(self._rows), rows)
        excess = len(self._rows) - MAX_WINDOW
        if excess > 0:
            self._forget_numbers(0, excess)
            self.remove_rows(0, excess)
            self._first_position += excess

    def _prepend(self, rows: list[MessageRow]) -> None:
        self._first_position = max(0, self._first_position - len(rows))
        self.insert_rows(0, rows)
        excess = len(self._rows) - MAX_WINDOW
        if excess > 0:
            self._forget_numbers(len(self._rows) - excess, excess)
            self.remove_rows(len(self._rows) - excess, excess)
        self.rowsPrepended.emit(len(rows))

    def _forget_numbers(self, first: int, count: int) -> None:
        for row in self._rows[first : first + count]:
            self._numbers.pop(row.row_id, None)

    def _on_changed(self, generation: int, total: int, last_id: Any) -> None:
        """An agent wrote to the store: follow the end if we were showing it."""
        if generation != self._generation:
            return
        loaded_last = self._loaded_last_id()
        if last_id is None or (loaded_last is not None and last_id < loaded_last):
            self._restart()  # items were removed (pop_item, clear_session): start over
            return
        following = loaded_last == self._last_id
        self._total, self._last_id = total, last_id
        if following:
            self.fetchMore()

    def _on_misinformed(self, generation: int) -> None:
        """The session was not the size it was listed with (an agent wrote in between):
        open it again from a count, keeping the item in focus."""
        if generation != self._generation or self.db_path is None or self.session_id is None:
            return
        focus = self._focus_row_id
        if focus is None and self._rows and self._first_position > 0:
            focus = self._rows[0].row_id  # a window further in (after a jump) stays in view
        self.open_session(self.db_path, self.session_id, self.filter, focus)

    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._pending = False
            self.loadFailed.emit(message)
