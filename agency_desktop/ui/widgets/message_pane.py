"""The open session's items: a kind filter, search in the session, the table, its count.

The pane keeps the table in step with its model (the first row selected once a page
is in, earlier pages fetched at the top, the view kept still when rows are put
above it) and says when the user changed what is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...search.text import Query
from ...stores.items import ItemKind
from ...stores.paging import MessageFilter
from ...util.formatting import counted
from ..models.message_table import Column, MessageTableModel, Role
from .highlight_delegate import install as install_highlighter
from .tables import narrow_combo, row_table

SEARCH_DELAY_MS = 300
COLUMN_WIDTHS = {Column.POSITION: 56, Column.TIME: 140, Column.KIND: 86, Column.TOOL: 96}


class MessagePane(QWidget):
    filterChanged = Signal()  # the kind or the words changed: the rows are read again
    rowChosen = Signal(object)  # the MessageRow of the item now current
    rowFocused = Signal()  # an item asked for (a search hit) is current and in view
    menuAsked = Signal(object, object)  # the MessageRow under the pointer, global position

    def __init__(self, model: MessageTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("kindFilter")
        self.kind_filter.addItem("All kinds", None)
        for kind in ItemKind:
            self.kind_filter.addItem(kind.label.capitalize(), kind)
        self.search = QLineEdit(
            placeholderText="Search in this session (Ctrl+Shift+F)", clearButtonEnabled=True
        )
        self.search.setObjectName("messageSearch")
        self.search.setAccessibleName("Search in this session")
        self.kind_filter.setAccessibleName("Kind of item shown")
        narrow_combo(self.kind_filter)
        self.end_button = QPushButton("Last item")
        self.end_button.setToolTip("Jump to the last item (Ctrl+End)")
        self.view = row_table("messageTable", model, COLUMN_WIDTHS)
        self.view.setAccessibleName("Items of the open session")
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.highlighter = install_highlighter(self.view, Column.PREVIEW)
        self.info = QLabel()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._lay_out()
        self._connect()

    def _lay_out(self) -> None:
        tools = QHBoxLayout()
        tools.addWidget(self.kind_filter)
        tools.addWidget(self.search, 1)
        tools.addWidget(self.end_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addLayout(tools)
        layout.addWidget(self.view)
        layout.addWidget(self.info)

    def _connect(self) -> None:
        self.kind_filter.currentIndexChanged.connect(self._apply_filter)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self._search_timer.timeout.connect(self._apply_filter)
        self.end_button.clicked.connect(self.jump_to_end)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.view.customContextMenuRequested.connect(self._on_menu_asked)
        self.view.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.model.sessionOpened.connect(self._on_opened)
        self.model.pageLoaded.connect(self._on_page_loaded)
        self.model.jumpedToEnd.connect(self._on_jumped_to_end)
        self.model.rowsPrepended.connect(self._on_rows_prepended)
        self.model.rowFocused.connect(self._on_row_focused)

    def show_empty(self, text: str) -> None:
        """The footer when no session is open (the table is empty then)."""
        self.info.setText(text)

    def shutdown(self) -> None:
        """A search typed a moment before the window closed starts no read."""
        self._search_timer.stop()

    def message_filter(self) -> MessageFilter:
        kind = self.kind_filter.currentData()  # Qt hands a StrEnum back as a plain str
        kinds = frozenset({ItemKind(kind)}) if kind else None
        return MessageFilter(kinds=kinds, text=self.search.text().strip())

    def clear_filter(self) -> None:
        """Show every item again, without reading the rows for it (the caller opens anew)."""
        for widget in (self.kind_filter, self.search):
            widget.blockSignals(True)
        self.kind_filter.setCurrentIndex(0)
        self.search.clear()
        for widget in (self.kind_filter, self.search):
            widget.blockSignals(False)
        self.highlighter.set_terms(())

    def jump_to_end(self) -> None:
        self.model.jump_to_end()

    @property
    def terms(self) -> tuple[str, ...]:
        """The words of the search in this session, to mark where they are found."""
        return Query.parse(self.search.text()).terms

    def _apply_filter(self) -> None:
        self.model.set_filter(self.message_filter())
        self.highlighter.set_terms(self.terms)
        self.filterChanged.emit()

    def _on_menu_asked(self, position: QPoint) -> None:
        """The row under the pointer becomes current (so the panes show it), then its menu."""
        index = self.view.indexAt(position)
        row = index.data(Role.ROW) if index.isValid() else None
        if row is not None:
            self.view.setCurrentIndex(index)
            self.menuAsked.emit(row, self.view.viewport().mapToGlobal(position))

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.data(Role.ROW) if current.isValid() else None
        if row is not None:
            self.rowChosen.emit(row)

    def _on_opened(self, total: int) -> None:
        # The # column fits the session's last number: "1,000,000", never "1,000,…".
        digits = self.view.fontMetrics().horizontalAdvance(f"{total:,}") + 20
        self.view.setColumnWidth(Column.POSITION, max(COLUMN_WIDTHS[Column.POSITION], digits))
        text = counted(total, "item")
        if self.model.filter.active:
            text += " matches" if total == 1 else " match"
        self.info.setText(text)

    def _on_scrolled(self, value: int) -> None:
        if value == self.view.verticalScrollBar().minimum() and not self.model.at_start:
            self.model.fetch_earlier()

    def _on_rows_prepended(self, count: int) -> None:
        bar = self.view.verticalScrollBar()
        bar.setValue(bar.value() + count)

    def _on_row_focused(self, number: int) -> None:
        index = self.model.index(number, 0)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.view.setCurrentIndex(index)
        self.rowFocused.emit()

    def _on_page_loaded(self) -> None:
        if self.model.rowCount() and self.view.currentIndex().row() < 0:
            self.view.setCurrentIndex(self.model.index(0, 0))

    def _on_jumped_to_end(self) -> None:
        last = self.model.index(self.model.rowCount() - 1, 0)
        if last.isValid():
            self.view.scrollTo(last)
            self.view.setCurrentIndex(last)
