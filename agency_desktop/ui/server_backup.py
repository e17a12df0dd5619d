"""Back Up for a server store: its selected session, or all of it, into a local file.

A server's sessions have no file to copy, so while one is shown the Operations menu's
Back Up entries (and the toolbar's Back Up) write them into a new SQLite file in the
SDK's own layout instead (`ops.server_backup`: verified, under a temporary name until
it is whole). The work goes through the window's OperationRunner like every operation:
progress and Cancel in the strip, the notice offering to show the file. The URL with its
password stays in this run's memory (`server_locations`); titles and errors name the
store by host and port, never with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from PySide6.QtCore import QObject

from ..ops.server_backup import ServerBackup, backup_server_store
from ..util.formatting import counted, human_size
from ..util.paths import backup_dir
from . import file_dialogs as dialogs
from .server_locations import location_of, without_password
from .server_store import masked

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ..stores.records import SessionInfo
    from .operation_runner import OperationRunner
    from .widgets.notice_bar import NoticeBar

STORE_FILTER = "Session stores (*.db *.sqlite *.sqlite3 *.db3)"
_UNSAFE = re.compile(r"[^\w.-]+")


class BackupHost(Protocol):
    notice: NoticeBar
    runner: OperationRunner

    def dialog_parent(self) -> QWidget: ...

    def current_session(self) -> SessionInfo | None: ...


def backup_name(shown: str, session_id: str | None, now: datetime | None = None) -> str:
    """A new file's name from where the sessions come from and when: the server's host,
    port and database (or Redis db), the session if one, and the local time to the second."""
    parts = urlsplit(shown)
    database = parts.path.strip("/") or parts.scheme.split("+")[0]
    words = [parts.hostname or "server", str(parts.port or ""), database, session_id or ""]
    stem = "-".join(_UNSAFE.sub("_", word).strip("_") for word in words if word)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"{stem}-backup-{stamp}.db"


def backup_summary(result: ServerBackup) -> str:
    return (
        f"Backed up {counted(result.session_count, 'session')} "
        f"({counted(result.message_count, 'item')}, {human_size(result.size_bytes)}) "
        f"from {result.source} into {result.path}, verified."
    )


def run_backup(
    url: str,
    target: Path,
    session_ids: Sequence[str] | None,
    overwrite: bool,
    **controls: Any,
) -> ServerBackup:
    """Runs in a worker: the error the notice shows has any password masked."""
    return masked(
        url,
        backup_server_store,
        url,
        target,
        session_ids=session_ids,
        overwrite=overwrite,
        **controls,
    )


class ServerEntries(QObject):
    """Operations entries that answer for the server store `key()` names (None: none is
    shown): Back Up here, Clean Up and Delete (`server_cleanup`), Copy and Move
    (`server_move`)."""

    def __init__(self, host: BackupHost, key: Callable[[], Path | None]) -> None:
        super().__init__(host.dialog_parent())
        self.host = host
        self._key = key

    @property
    def url(self) -> str | None:
        """The store's URL with the password typed this run: for the work, never shown."""
        key = self._key()
        return str(location_of(key)) if key is not None else None

    @property
    def shown(self) -> str:
        """The store's URL as titles and messages show it, without its password."""
        url = self.url
        return without_password(url) if url is not None else ""


class ServerBackups(ServerEntries):
    """The Back Up entries' work while `key()` names a server store (None: no server)."""

    def routes(self) -> dict[str, Callable[[], None]]:
        """The Operations menu's entries (by controller method) this class answers."""
        return {"ask_backup_selected": self.ask_selected, "ask_backup_folder": self.ask_store}

    def ask_selected(self) -> None:
        info = self.host.current_session()
        if info is None:
            self.host.notice.show_message("Select a session first.")
        elif target := self._ask_target(info.session_id):
            self.do_backup(target, [info.session_id], overwrite=target.exists())

    def ask_store(self) -> None:
        if target := self._ask_target(None):
            self.do_backup(target, None, overwrite=target.exists())

    def _ask_target(self, session_id: str | None) -> Path | None:
        """The save dialog, in the backup folder, on a new timestamped name; Qt asks
        before an existing file is replaced."""
        folder = dialogs.first_existing(_made(backup_dir()))
        start = folder / backup_name(self.shown, session_id)
        title = f"Back up {session_id!r} to file" if session_id else "Back up the store to file"
        chosen = dialogs.choose_save_path(self.host.dialog_parent(), title, start, STORE_FILTER)
        return chosen[0] if chosen else None

    def do_backup(
        self, target: Path, session_ids: Sequence[str] | None, overwrite: bool = False
    ) -> None:
        """Start the backup (tests call this half: no dialog)."""
        url = self.url
        if url is None:
            return
        of = f"session {session_ids[0]!r} of " if session_ids else ""
        title = f"Backing up {of}{self.shown}"
        ids = list(session_ids) if session_ids else None
        if not self.host.runner.run(
            title, run_backup, url, target, ids, overwrite, summary=backup_summary
        ):
            self.host.notice.warn("Another operation is still running.")


def _made(folder: Path) -> Path | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder
