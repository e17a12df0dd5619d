"""The open session's items: a kind filter, search in the session, the table, its count.

The pane keeps the table in step with its model (the first row selected once a page
is in, earlier pages fetched at the top, the view kept still when rows are put
above it) and says when the user changed what is shown.
"""

from __future__ import annotations

from dataclasses import replace

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
from ...stores.branches import MAIN_BRANCH, BranchInfo
from ...stores.items import ItemKind
from ...stores.paging import MessageFilter, MessageRow
from ...util.formatting import branch_label, counted, fork_text
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
    compareAsked = Signal(str, str)  # two branches of the open session: main first

    def __init__(self, model: MessageTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._branches: list[BranchInfo] = []
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
        self.branch_choice = QComboBox()
        self.branch_choice.setObjectName("branchChoice")
        self.branch_choice.setAccessibleName("Branch shown")
        self.branch_choice.setToolTip("The branch of this session shown (AdvancedSQLiteSession)")
        narrow_combo(self.branch_choice, 10)  # the search field keeps its room
        self.branch_choice.hide()  # only sessions with branches have a choice to make
        self.compare_button = QPushButton("Compare…")
        self.compare_button.setObjectName("compareBranches")
        self.compare_button.setToolTip("Compare this branch with main, side by side from the fork")
        self.compare_button.hide()
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
        tools.addWidget(self.branch_choice)
        tools.addWidget(self.compare_button)
        tools.addWidget(self.kind_filter)
        tools.addWidget(self.search, 2)
        tools.addWidget(self.end_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addLayout(tools)
        layout.addWidget(self.view)
        layout.addWidget(self.info)

    def _connect(self) -> None:
        self.kind_filter.currentIndexChanged.connect(self._apply_filter)
        self.branch_choice.currentIndexChanged.connect(self._apply_filter)
        self.compare_button.clicked.connect(self._ask_compare)
        self.model.branchesRead.connect(self._on_branches)
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
        """The kind and words chosen; no branch (another session starts on its main)."""
        kind = self.kind_filter.currentData()  # Qt hands a StrEnum back as a plain str
        kinds = frozenset({ItemKind(kind)}) if kind else None
        return MessageFilter(kinds=kinds, text=self.search.text().strip())

    @property
    def branches(self) -> list[BranchInfo]:
        return list(self._branches)

    def _on_branches(self, branches: list[BranchInfo], shown: str | None) -> None:
        """The open session's branches, as its reading found them: a choice when several."""
        self._branches = branches if len(branches) > 1 else []
        self.branch_choice.blockSignals(True)
        self.branch_choice.clear()
        for branch in self._branches:
            self.branch_choice.addItem(branch_label(branch), branch.branch_id)
            if not branch.is_main:
                tip = f"Forks from main {fork_text(branch.fork_turn, branch.shared_items)}"
                self.branch_choice.setItemData(
                    self.branch_choice.count() - 1, tip, Qt.ItemDataRole.ToolTipRole
                )
        self.branch_choice.setCurrentIndex(max(0, self.branch_choice.findData(shown)))
        self.branch_choice.blockSignals(False)
        self.branch_choice.setVisible(bool(self._branches))
        self.compare_button.setVisible(bool(self._branches))

    def _ask_compare(self) -> None:
        shown = self.branch_choice.currentData()
        other = next((b.branch_id for b in self._branches if b.branch_id != shown), None)
        if shown is not None and other is not None:  # main on the left, the other right
            self.compareAsked.emit(MAIN_BRANCH, other if shown == MAIN_BRANCH else shown)

    def clear_filter(self) -> None:
        """Show every item again, without reading the rows for it (the caller opens anew)."""
        for widget in (self.kind_filter, self.search):
            widget.blockSignals(True)
        self.kind_filter.setCurrentIndex(0)
        self.search.clear()
        for widget in (self.kind_filter, self.search):
            widget.blockSignals(False)
        self.highlighter.set_terms(())

    def current_row(self) -> MessageRow | None:
        index = self.view.currentIndex()
        return index.data(Role.ROW) if index.isValid() else None

    def jump_to_end(self) -> None:
        self.model.jump_to_end()

    @property
    def terms(self) -> tuple[str, ...]:
        """The words of the search in this session, to mark where they are found."""
        return Query.parse(self.search.text()).terms

    def _apply_filter(self) -> None:
        branch = self.branch_choice.currentData() if self._branches else None
        self.model.set_filter(replace(self.message_filter(), branch=branch))
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
        if self._branches and self.model.filter.branch:
            text += f" on {self.model.filter.branch}"
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
