"""The session list as a tree of stores (View > Group Sessions by Store).

The flat table stays underneath, hidden, as the one holder of the current session:
choosing a session in the tree makes its row current there, so opening, following a
rename and noticing a removal work exactly as they do without the tree.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView, QTreeView, QWidget

from ..models.store_tree import StoreTreeModel


class StoreTree(QTreeView):
    def __init__(
        self, table: QTableView, proxy: QSortFilterProxyModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sessionTree")
        self.setAccessibleName("Sessions by store")
        self.table = table
        self.groups = StoreTreeModel(proxy, self)
        self.setModel(self.groups)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.header()
        header.restoreState(table.horizontalHeader().saveState())  # same columns, order, widths
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._sort)
        self._syncing = False
        self._collapsed: set[str] = set()  # stores the user folded; others open when listed
        self.collapsed.connect(
            lambda index: self._collapsed.add(str(self.groups.store_path(index)))
        )
        self.expanded.connect(
            lambda index: self._collapsed.discard(str(self.groups.store_path(index)))
        )
        self.groups.modelReset.connect(self._after_regroup)
        self.selectionModel().currentRowChanged.connect(self._on_current)
        table.selectionModel().currentRowChanged.connect(self._follow_table)
        self._after_regroup()

    def _after_regroup(self) -> None:
        for row in range(self.groups.rowCount()):
            index = self.groups.index(row, 0)
            if self.groups.is_store(index):
                self.setExpanded(index, str(self.groups.store_path(index)) not in self._collapsed)
        self._follow_table(self.table.currentIndex())

    def _follow_table(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        if self._syncing:
            return
        target = self.groups.tree_index(current.row()) if current.isValid() else QModelIndex()
        self._syncing = True
        try:
            if target.isValid():
                self.setCurrentIndex(target)
                self.scrollTo(target)
            else:
                self.selectionModel().clear()
        finally:
            self._syncing = False

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = None if self._syncing or self.groups.stale else self.groups.proxy_row(current)
        if row is None:
            return  # a store's own node, or the grouping is about to be worked out again
        self._syncing = True
        try:
            self.table.selectRow(row)
        finally:
            self._syncing = False

    def _sort(self, column: int) -> None:
        """A click on a column sorts the list under the tree (and so within each store)."""
        header = self.table.horizontalHeader()
        same = header.sortIndicatorSection() == column
        ascending = header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
        order = Qt.SortOrder.DescendingOrder if same and ascending else Qt.SortOrder.AscendingOrder
        self.table.sortByColumn(column, order)
        self.header().setSortIndicator(column, order)
