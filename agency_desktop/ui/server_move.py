"""Copy or Move Session To… for a server store: its selected session into a local file.

While a server store is shown, Operations > Copy Session To… and Move Session To… answer
for it (`server_view` routes them here). The core does the work (`ops.migrate.copy_session`,
`ops.reorganise.move_session`): the session is written into the chosen SQLite file in the
SDK's own layout and verified; a move then backs the session up into the backups folder
(a server has no trash, so whatever the automatic-backup setting says) and deletes it
from the server only if it is still as it was copied. A move says exactly that before it
starts, and the account's right to delete is asked before anything is copied. The work
goes through the window's OperationRunner (progress, Cancel, the notice offering the
file); the listing is read again once a session has left. Errors and titles name the
server by host and port, never with its password.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox

from ..ops.migrate import copy_session
from ..ops.reorganise import move_session
from ..ops.store_writer import WriteResult
from ..util.formatting import counted
from . import file_dialogs as dialogs
from .server_backup import STORE_FILTER, BackupHost, ServerEntries
from .server_locations import without_password
from .server_store import masked

if TYPE_CHECKING:
    from ..stores.records import SessionInfo


_UNSAFE = re.compile(r"[^\w.-]+")  # in a session id, as a file's name


def copy_summary(result: WriteResult) -> str:
    return f"Copied {counted(result.message_count, 'item')} to {result.path} (verified)"


def move_summary(outcome: tuple[WriteResult, Path | None]) -> str:
    written, backup = outcome
    return (
        f"Moved {counted(written.message_count, 'item')} to {written.path} (verified) "
        f"and deleted it from the server; backup: {backup}"
    )


def move_question(info: SessionInfo, shown: str, target: Path) -> str:
    """What a move will do, in order, for the user to agree to first."""
    return (
        f"Move session {info.session_id!r} ({counted(info.message_count, 'item')}) "
        f"from {shown} into {target}?\n\n"
        "It is copied into the file and verified, backed up into the backups folder, "
        "then deleted from the server (only if nobody changed it meanwhile)."
    )


class ServerMoves(ServerEntries):
    """The Copy and Move Session entries' work while `key()` names a server store."""

    def __init__(
        self, host: BackupHost, key: Callable[[], Path | None], refresh: Callable[[], None]
    ) -> None:
        super().__init__(host, key)
        self._refresh = refresh
        self._moving: str | None = None  # the server a move started here leaves
        host.runner.succeeded.connect(self._on_succeeded)

    def routes(self) -> dict[str, Callable[[], None]]:
        """The Operations menu's entries (by controller method) this class answers."""
        return {"ask_copy_session": self.ask_copy, "ask_move_session": self.ask_move}

    def ask_copy(self) -> None:
        if (info := self._selected()) and (target := self._ask_target(info, "Copy")):
            self.do_copy(info, target)

    def ask_move(self) -> None:
        if (info := self._selected()) and (target := self._ask_target(info, "Move")):
            answer = QMessageBox.question(
                self.host.dialog_parent(),
                f"Move session {info.session_id}",
                move_question(info, self.shown, target),
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.do_move(info, target)

    def do_copy(self, info: SessionInfo, target: Path) -> None:
        """Start the copy (tests call this half: no dialog)."""
        if (url := self.url) is not None:
            title = f"Copying session {info.session_id!r} of {without_password(url)}"
            self._run(title, url, copy_session, url, info.session_id, target, summary=copy_summary)

    def do_move(self, info: SessionInfo, target: Path) -> None:
        """Start the move (tests call this half: no dialog, no question)."""
        if (url := self.url) is not None:
            title = f"Moving session {info.session_id!r} of {without_password(url)}"
            self._moving = url
            self._run(title, url, move_session, url, info.session_id, target, summary=move_summary)

    def _run(self, title: str, url: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> None:
        if not self.host.runner.run(title, masked, url, fn, *args, **kw):
            self.host.notice.warn("Another operation is still running.")

    def _selected(self) -> SessionInfo | None:
        info = self.host.current_session()
        if info is None:
            self.host.notice.show_message("Select a session first.")
        return info

    def _ask_target(self, info: SessionInfo, verb: str) -> Path | None:
        """The file the session goes into: a new store, or one that has no session by
        this id yet (the core refuses to replace one)."""
        stem = _UNSAFE.sub("_", info.session_id).strip("_") or "session"
        start = dialogs.first_existing() / f"{stem}.db"  # in the home folder
        chosen = dialogs.choose_save_path(
            self.host.dialog_parent(),
            f"{verb} session {info.session_id!r} into store file",
            start,
            STORE_FILTER,
            overwrite_prompt=False,
        )
        return chosen[0] if chosen else None

    def _on_succeeded(self, _summary: str, result: object) -> None:
        """After a move from the server shown, the listing shows it gone."""
        moved_from, self._moving = self._moving, None
        if isinstance(result, tuple) and moved_from is not None and moved_from == self.url:
            self._refresh()
