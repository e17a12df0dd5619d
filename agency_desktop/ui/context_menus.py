"""Right-click menus: what can be done with the row under the pointer.

The entries are the Operations menu's own actions (same shortcuts, same enabling while
an operation runs), next to copying and showing the file in the file manager.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from ..stores.records import SessionInfo
from . import desktop

# Operations that act on the selected session or its store, in menu order; None: a line.
SESSION_OPERATIONS = (
    "ask_export",
    "ask_backup_selected",
    None,
    "ask_rename",
    "ask_copy_session",
    "ask_move_session",
    None,
    "ask_delete_selected",
)


def session_menu(
    parent: QWidget, path: Path, info: SessionInfo | None, operations: Mapping[str, QAction]
) -> QMenu:
    """For a session row, or (`info` None) a row of a file that cannot be read."""
    menu = QMenu(parent)
    if info is not None:
        menu.addAction("Copy Session ID").triggered.connect(
            lambda: desktop.copy_text(info.session_id)
        )
    menu.addAction("Copy File Path").triggered.connect(lambda: desktop.copy_text(str(path)))
    menu.addAction("Show in Folder").triggered.connect(lambda: desktop.show_in_folder(path))
    if info is None:
        return menu
    menu.addSeparator()
    for name in SESSION_OPERATIONS:
        if name is None:
            menu.addSeparator()
        else:
            menu.addAction(operations[name])
    return menu
