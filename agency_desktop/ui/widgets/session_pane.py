"""The listed sessions: a filter box over a table sorted by last activity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QStackedWidget, QVBoxLayout, QWidget

from ...stores.records import SessionInfo
from ..models.base import OBJECT, swap_source
from ..models.session_list import (
    HEADERS,
    Column,
    Role,
    SessionFilterProxy,
    SessionListModel,
)
from .store_tree import StoreTree
from .tables import row_table
from .tag_chips import TitleWithTags

# What a user scans first comes first: the session, then when it was last active.
VISUAL_ORDER = (
    Column.SESSION,
    Column.TITLE,
    Column.LAST_ACTIVITY,
    Column.TAGS,
    Column.ITEMS,
    Column.TOKENS,
    Column.SIZE,
    Column.KIND,
    Column.STATE,
    Column.FILE,
    Column.CREATED,
    Column.NOTE,
)
HIDDEN_AT_FIRST = (Column.TAGS, Column.NOTE)  # the title shows the tags; filtered on anyway
COLUMN_WIDTHS = {  # Session, Title and Last activity fit the pane's first width (470)
    Column.SESSION: 120,
    Column.TITLE: 180,
    Column.FILE: 130,
    Column.ITEMS: 60,
    Column.TOKENS: 70,
    Column.SIZE: 70,
    Column.CREATED: 140,
    Column.LAST_ACTIVITY: 140,
    Column.KIND: 72,
    Column.TAGS: 90,
    Column.NOTE: 200,
}


class SessionPane(QWidget):
    sessionChosen = Signal(object)  # the SessionInfo of the row made current
    problemChosen = Signal(object)  # the StoreProblem of a row of a file that cannot be read
    currentGone = Signal()  # the current row was taken out of the list (its session is gone)
    menuAsked = Signal(object, object, object)  # path, SessionInfo or None, global position

    def __init__(self, model: SessionListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = SessionFilterProxy(self)
        self.proxy.setSourceModel(model)
        self.filter = QLineEdit(
            placeholderText="Filter: id, title, tags, notes; ★ for starred (Ctrl+F)",
            clearButtonEnabled=True,
        )
        self.filter.setObjectName("sessionFilter")
        self.filter.setAccessibleName("Filter sessions")
        self.view = row_table("sessionList", self.proxy, COLUMN_WIDTHS)
        self.view.setAccessibleName("Sessions")
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(Column.LAST_ACTIVITY, Qt.SortOrder.DescendingOrder)
        self._arrange_columns()
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_menu_asked)
        self.empty_hint = QLabel()
        self.empty_hint.setObjectName("emptyFolderHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty_hint.setContentsMargins(8, 12, 8, 8)
        self.empty_hint.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 0, 4)
        self.views = QStackedWidget()  # the table, or the tree of stores over it
        self.views.addWidget(self.view)
        self.tree: StoreTree | None = None
        layout.addWidget(self.filter)
        layout.addWidget(self.views)
        layout.addWidget(self.empty_hint, 1)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        # Qt makes a neighbour current when the current row is removed; opening that
        # neighbour would show a session nobody chose in place of one that is gone.
        self._removing_current = False
        self._watch_model(model)
        self._chips = TitleWithTags(self.view)
        self._show_chips(model.tagged)

    def renew_model(self, root: Path | None) -> SessionListModel:
        """A new, empty model for another folder (None: stores opened one by one)."""
        old = self.model
        old.rowsLeaving.disconnect(self._on_rows_leaving)
        old.rowsLeft.disconnect(self._on_rows_left)
        old.taggedChanged.disconnect(self._show_chips)
        self.model = swap_source(self.proxy, old, old.renewed(root))
        self._watch_model(self.model)
        self._show_chips(self.model.tagged)
        return self.model

    def _watch_model(self, model: SessionListModel) -> None:
        model.rowsLeaving.connect(self._on_rows_leaving)
        model.rowsLeft.connect(self._on_rows_left)
        model.taggedChanged.connect(self._show_chips)

    def _show_chips(self, tagged: bool) -> None:
        """Titles painted with their tags' chips while any session has tags; by Qt alone
        otherwise (see SessionListModel.taggedChanged)."""
        self.view.setItemDelegateForColumn(
            Column.TITLE, self._chips if tagged else self.view.itemDelegate()
        )

    def _arrange_columns(self) -> None:
        """The visual order above; a right-click on the header shows or hides a column."""
        header = self.view.horizontalHeader()
        header.setSectionsMovable(True)
        for visual, column in enumerate(VISUAL_ORDER):
            header.moveSection(header.visualIndex(column), visual)
        for column in HIDDEN_AT_FIRST:
            header.setSectionHidden(column, True)
        # Wide enough for "1,000,000" items: a count is never cut to "1,000,…".
        self.view.setColumnWidth(Column.ITEMS, self.fontMetrics().horizontalAdvance("10,000,000"))
        # And a server's kind whole, not "PostgreS…" (the widest kind a store names).
        self.view.setColumnWidth(Column.KIND, self.fontMetrics().horizontalAdvance("PostgreSQL__"))
        # And a Redis session's TTL whole, not "expires in 1 h 58 …".
        self.view.setColumnWidth(
            Column.STATE, self.fontMetrics().horizontalAdvance("expires in 23 h 59 min__")
        )
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_menu)

    def column_menu(self) -> QMenu:
        """Each column but the session's, checked when shown."""
        header = self.view.horizontalHeader()
        menu = QMenu(self)
        for column in VISUAL_ORDER[1:]:
            action = menu.addAction(HEADERS[column])
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.toggled.connect(lambda shown, c=column: header.setSectionHidden(c, not shown))
        return menu

    def _on_header_menu(self, position: QPoint) -> None:
        self._column_menu = self.column_menu()
        header = self.view.horizontalHeader()
        self._column_menu.popup(header.mapToGlobal(position))

    def show_empty_hint(self, folder: Path | None) -> None:
        """A folder with no stores says so, and how an agent's sessions come to be here;
        None: the list is shown (it has rows, or the folder is still being read)."""
        if folder is None:
            self.empty_hint.hide()
            self.views.show()
            return
        example = folder / "sessions.db"
        self.empty_hint.setText(
            f"No session stores in {folder}.\n\n"
            "Point an agent at this folder and its sessions show here as it writes them:\n\n"
            f'    session = SQLiteSession("my-session", "{example}")\n'
            '    await Runner.run(agent, "Hello", session=session)\n\n'
            "Or open another folder (Ctrl+O), or the demo folder (File > Open Demo Folder)."
        )
        self.views.hide()
        self.empty_hint.show()

    def set_grouped(self, on: bool) -> None:
        """Show sessions under their store (a file with several) or as one flat list."""
        if on and self.tree is None:
            self.tree = StoreTree(self.view, self.proxy, self)
            self.tree.customContextMenuRequested.connect(self._on_tree_menu_asked)
            self.views.addWidget(self.tree)
        elif not on and self.tree is not None:
            self.views.removeWidget(self.tree)
            self.tree.deleteLater()  # its grouping is not kept up to date for nothing
            self.tree = None
        self.views.setCurrentWidget(self.tree or self.view)

    def _on_tree_menu_asked(self, position: QPoint) -> None:
        assert self.tree is not None
        index = self.tree.indexAt(position)
        if not index.isValid():
            return
        self.tree.setCurrentIndex(index)
        where = self.tree.viewport().mapToGlobal(position)
        path, info = self.tree.groups.store_path(index), index.siblingAtColumn(0).data(Role.INFO)
        self.menuAsked.emit(path, info, where)

    def current(self) -> SessionInfo | None:
        index = self.view.currentIndex()
        return index.siblingAtColumn(0).data(Role.INFO) if index.isValid() else None

    def current_path(self) -> Path | None:
        """The file of the current row (a session's store, or a file that cannot be read)."""
        index = self.view.currentIndex()
        return Path(index.siblingAtColumn(0).data(Role.PATH)) if index.isValid() else None

    def has_current(self) -> bool:
        return self.view.currentIndex().row() >= 0

    def select(self, wanted: Callable[[SessionInfo], bool]) -> bool:
        """Make the first listed session that is `wanted` current (never a problem row)."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            info = index.data(Role.INFO)
            if info is not None and wanted(info):
                self.view.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                return True
        return False

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or self._removing_current:
            return
        first = current.siblingAtColumn(0)
        info = first.data(Role.INFO)
        if info is not None:
            self.sessionChosen.emit(info)
        else:
            self.problemChosen.emit(first.data(OBJECT).problem)

    def _on_menu_asked(self, position: QPoint) -> None:
        """The row under the pointer becomes current (as in a file manager), then its menu."""
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        first = index.siblingAtColumn(0)
        where = self.view.viewport().mapToGlobal(position)
        self.menuAsked.emit(Path(first.data(Role.PATH)), first.data(Role.INFO), where)

    def _on_rows_leaving(self, first: int, count: int) -> None:
        current = self.proxy.mapToSource(self.view.currentIndex())
        self._removing_current = current.isValid() and first <= current.row() < first + count

    def _on_rows_left(self) -> None:
        if self._removing_current:
            self._removing_current = False
            self.view.selectionModel().clear()
            self.currentGone.emit()
