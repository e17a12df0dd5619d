"""Actions that work on store files only, turned off while a server store is shown.

Backups, repairs, vacuum, renames, copies, checks and unlocking act on SQLite files (a
path to copy, reveal or rewrite); a server store's sessions have no file. While one is
shown they are disabled and say why in their tooltip, rather than fail on a path that
names no file. The Back Up, Clean Up, Delete, Copy and Move Session entries are the
exception: for a server they write its sessions into a local file (`server_backup`,
`server_move`) or delete them after a backup (`server_cleanup`, `server_move`), and say
so in their text and tooltip.
The operations runner turns its menu back on when an operation ends: `reapply` keeps
them off then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from .window_menus import WindowMenus

FOR_FILES = "For store files: not available for a server store."
# The Operations entries (by controller method) a server store has too: text, tooltip.
FOR_SERVERS = {
    "ask_backup_selected": (
        "&Back Up Selected Session to File…",
        "Write the selected session into a new local SQLite file the SDK opens",
    ),
    "ask_backup_folder": (
        "Back Up Server Store to &File…",
        "Write every session of this server store into a new local SQLite file",
    ),
    "ask_cleanup_old": (
        "&Clean Up Old Sessions on Server…",
        "Delete this server store's sessions with no recent activity, after a preview"
        " and a backup of them into a local file",
    ),
    "ask_delete_selected": (
        "&Delete Selected Session from Server…",
        "Delete the selected session from the server, after a preview and a backup of it"
        " into a local file",
    ),
    "ask_copy_session": (
        "Co&py Selected Session to File…",
        "Copy the selected session into a local SQLite store file, verified",
    ),
    "ask_move_session": (
        "&Move Selected Session to File…",
        "Copy the selected session into a local SQLite store file, verified, back it up,"
        " then delete it from the server",
    ),
}


class FileOnlyActions:
    """`for_servers`: actions that stay on for a server, with their text and tooltip there."""

    def __init__(
        self,
        actions: Iterable[QAction],
        for_servers: Mapping[QAction, tuple[str, str]] | None = None,
    ) -> None:
        self._actions = list(actions)
        self._for_servers = dict(for_servers or {})
        self._tips = {action: (action.text(), action.toolTip()) for action in self._actions}
        self.server_shown = False

    def set_server_shown(self, shown: bool) -> None:
        self.server_shown = shown
        for action in self._actions:
            text, tip = self._tips[action]
            if action in self._for_servers:
                text, tip = self._for_servers[action] if shown else (text, tip)
                action.setText(text)
                action.setEnabled(True)
            else:
                action.setEnabled(not shown)
                tip = FOR_FILES if shown else tip
            action.setToolTip(tip)

    def reapply(self) -> None:
        """After something else enabled them all again (an operation's end)."""
        if self.server_shown:
            self.set_server_shown(True)


def file_only_actions(menus: WindowMenus, operations: Mapping[str, QAction]) -> FileOnlyActions:
    """Every operation, checking and unlocking stores, comparing with a backup, and the
    user's notes (the app keeps them by a file's path: ops/notes.py); but the Back Up
    entries, which back up a server's sessions into a local file."""
    return FileOnlyActions(
        [
            *operations.values(),
            *(menus.check_store, menus.check_folder, menus.unlock, menus.compare_with),
            *(menus.edit_notes, menus.toggle_star, menus.bookmark_item),
        ],
        {operations[method]: text_and_tip for method, text_and_tip in FOR_SERVERS.items()},
    )
