"""The main toolbar: the window's most used actions, with icons, also in their menus.

Icons come from the platform's style (QStyle standard icons): they match the system
theme and need no image files in the bundle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QStyle, QToolBar

from .menu_entries import action_tooltip

if TYPE_CHECKING:
    from .window_menus import WindowMenus

Icon = QStyle.StandardPixmap


def window_toolbar(
    window: QMainWindow, menus: WindowMenus, operations: Mapping[str, QAction]
) -> QToolBar:
    """The main window's: opening, refreshing, backing up, searching, counting."""
    return main_toolbar(
        window,
        [
            (menus.open_folder, Icon.SP_DirOpenIcon, "Open Folder"),
            (menus.open_files, Icon.SP_FileIcon, "Open Store"),
            (menus.refresh, Icon.SP_BrowserReload, "Refresh"),
            (operations["ask_backup_folder"], Icon.SP_DialogSaveButton, "Back Up"),
            (menus.search_all, Icon.SP_FileDialogContentsView, "Search"),
            (menus.stats, Icon.SP_FileDialogInfoView, "Stats"),
        ],
    )


def main_toolbar(window: QMainWindow, entries: Sequence[tuple[QAction, Icon, str]]) -> QToolBar:
    """`entries`: (action, icon, short label). The toolbar shows the menus' own actions
    (the label is their icon text), so a button is disabled when its entry is."""
    bar = QToolBar("Main Toolbar", window)
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.setIconSize(QSize(18, 18))
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for action, icon, label in entries:
        action.setIcon(window.style().standardIcon(icon))
        action.setIconText(label)
        action.setToolTip(action_tooltip(action))
        bar.addAction(action)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar
