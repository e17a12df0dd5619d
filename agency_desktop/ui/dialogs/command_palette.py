"""The command palette (Ctrl+K): every menu action, found by typing part of its name.

Built from the menus each time it opens, so it offers what they do, enabled or not as
they are; Enter runs the first (or the selected) match.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenuBar,
    QVBoxLayout,
    QWidget,
)

from ..menu_entries import menu_entries

_ACTION = Qt.ItemDataRole.UserRole


def menu_actions(bar: QMenuBar) -> list[tuple[str, QAction]]:
    """("Menu > Action", action) for every action of the menus, submenus included."""
    return [(f"{menu} > {name}", action) for menu, name, action in menu_entries(bar)]


class CommandPalette(QDialog):
    def __init__(self, bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commandPalette")
        self.setWindowTitle("Run a Command")
        self.resize(520, 380)
        self.query = QLineEdit(placeholderText="Type a command…")
        self.query.setAccessibleName("Command")
        self.matches = QListWidget()
        self.matches.setAccessibleName("Matching commands")
        for name, action in menu_actions(bar):
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            item = QListWidgetItem(f"{name}    {keys}" if keys else name)
            item.setData(_ACTION, action)
            if not action.isEnabled():
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.matches.addItem(item)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.matches)
        self.query.textChanged.connect(self._filter)
        self.query.returnPressed.connect(self.run_current)
        self.matches.itemActivated.connect(lambda _item: self.run_current())
        self._filter("")

    def visible_names(self) -> list[str]:
        return [
            self.matches.item(row).text()
            for row in range(self.matches.count())
            if not self.matches.item(row).isHidden()
        ]

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        first = None
        for row in range(self.matches.count()):
            item = self.matches.item(row)
            hidden = not all(word in item.text().lower() for word in words)
            item.setHidden(hidden)
            if not hidden and first is None and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                first = item
        if first is not None:
            self.matches.setCurrentItem(first)
        else:
            self.matches.setCurrentRow(-1)

    def run_current(self) -> None:
        item = self.matches.currentItem()
        if item is None or item.isHidden():
            return
        action = item.data(_ACTION)
        self.accept()
        action.trigger()
