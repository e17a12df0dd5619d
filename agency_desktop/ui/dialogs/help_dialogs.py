"""Help > Keyboard Shortcuts and Help > About: read from the app itself, so never stale.

The shortcuts sheet lists the window's actions as its menus hold them; About gives the
versions a bug report needs and the folders the app keeps its data in.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ... import __version__
from ...util.paths import backup_dir, cache_dir, data_dir, log_dir
from ..menu_entries import menu_entries


def shortcut_rows(bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, action, keys) for every action of the menus that has a shortcut."""
    native = QKeySequence.SequenceFormat.NativeText
    return [
        (menu, name, action.shortcut().toString(native))
        for menu, name, action in menu_entries(bar)
        if not action.shortcut().isEmpty()
    ]


class ShortcutsDialog(QDialog):
    def __init__(self, bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(560, 520)
        rows = shortcut_rows(bar)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Keys"])
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for number, row in enumerate(rows):
            for column, text in enumerate(row):
                self.table.setItem(number, column, QTableWidgetItem(text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)


def about_text() -> str:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return "\n".join(
        [
            f"Agency Desktop {__version__} (MIT licence)",
            "Browse, read and look after OpenAI Agents SDK session stores.",
            "",
            f"openai-agents {version('openai-agents')} · PySide6 {pyside_version}"
            f" (Qt {qVersion()}, LGPLv3) · Python {sys.version.split()[0]}"
            f" · SQLite {__import__('sqlite3').sqlite_version} · {platform.system()}",
            "",
            f"Settings and data: {data_dir()}",
            f"Automatic backups: {backup_dir()}",
            f"Caches (scan, stats, search index): {cache_dir()}",
            f"Logs: {log_dir()}",
        ]
    )
