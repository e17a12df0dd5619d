"""Actions that work on store files only, turned off while a server store is shown.

Backups, repairs, vacuum, renames, copies, checks and unlocking act on SQLite files (a
path to copy, reveal or rewrite); a server store's sessions have no file. While one is
shown they are disabled and say why in their tooltip, rather than fail on a path that
names no file. The operations runner turns its menu back on when an operation ends:
`reapply` keeps them off then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from .window_menus import WindowMenus

FOR_FILES = "For store files: not available for a server store."


class FileOnlyActions:
    def __init__(self, actions: Iterable[QAction]) -> None:
        self._actions = list(actions)
        self._tips = {action: action.toolTip() for action in self._actions}
        self.server_shown = False

    def set_server_shown(self, shown: bool) -> None:
        self.server_shown = shown
        for action in self._actions:
            action.setEnabled(not shown)
            action.setToolTip(f"{FOR_FILES}" if shown else self._tips[action])

    def reapply(self) -> None:
        """After something else enabled them all again (an operation's end)."""
        if self.server_shown:
            self.set_server_shown(True)


def file_only_actions(menus: WindowMenus, operations: Mapping[str, QAction]) -> FileOnlyActions:
    """Every operation, checking and unlocking stores, comparing with a backup, and the
    user's notes (the app keeps them by a file's path: ops/notes.py)."""
    return FileOnlyActions(
        [
            *operations.values(),
            *(menus.check_store, menus.check_folder, menus.unlock, menus.compare_with),
            *(menus.edit_notes, menus.toggle_star, menus.bookmark_item),
        ]
    )
