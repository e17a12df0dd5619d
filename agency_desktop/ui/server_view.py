"""The window showing a server store: the connect dialog, the listing, what is turned off.

The window hands over its listing (`ServerHost.show_server`) and gets the server's
sessions as one scan through its feed, as a file's come; the panes then read them by
key (`server_locations`). Actions that only make sense for files are disabled while a
server is shown (`file_only`); Back Up writes the server's sessions into a local file
(`server_backup`), and Clean Up and Delete remove its sessions after the preview and a
local backup (`server_cleanup`). The window stays the window: this module knows nothing
of its layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject

from ..stores.listing import StoreScan
from ..util.logs import log
from .file_only import FileOnlyActions
from .server_store import ServerStore
from .widgets.notice_bar import Level, NoticeAction

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtWidgets import QWidget

    from ..stores.records import SessionInfo
    from .operation_runner import OperationRunner
    from .operations_menu import OperationsMenu
    from .scan_feed import ScanFeed
    from .server_backup import ServerBackups
    from .server_cleanup import ServerCleanups
    from .server_move import ServerMoves
    from .settings import Settings
    from .widgets.notice_bar import NoticeBar
    from .workers import WorkerPool


class ServerHost(Protocol):
    notice: NoticeBar
    settings: Settings
    workers: WorkerPool
    feed: ScanFeed
    runner: OperationRunner
    operations_menu: OperationsMenu

    def dialog_parent(self) -> QWidget: ...

    def current_session(self) -> SessionInfo | None: ...

    def show_server(self, shown: str, key: Path) -> None:
        """Stop showing files; list what comes next under `shown` (no password in it),
        the sessions keyed by `key`."""
        ...

    def update_status(self) -> None: ...


class ServerView(QObject):
    def __init__(self, host: ServerHost, file_only: FileOnlyActions) -> None:
        super().__init__(host.dialog_parent())
        self.host = host
        self.file_only = file_only
        self.store = ServerStore(host.workers, self)
        self.store.listed.connect(self._on_listed)
        self.store.failed.connect(self._on_failed)
        self.store.busyChanged.connect(lambda _busy: host.update_status())
        self.dialog: QWidget | None = None  # the last connect dialog (tests reach it)
        self.backups: ServerBackups | None = None
        self.cleanups: ServerCleanups | None = None
        self.moves: ServerMoves | None = None

    @property
    def is_open(self) -> bool:
        return self.store.is_open

    @property
    def busy(self) -> bool:
        return self.store.busy

    @property
    def shown(self) -> str:
        return self.store.shown

    def ask(self) -> None:
        """File > Connect to Server Store…"""
        from .dialogs.server_connect import ServerConnectDialog

        dialog = ServerConnectDialog(
            self.host.dialog_parent(), self.host.workers, self.host.settings.recent_servers
        )
        dialog.accepted.connect(lambda: self.open(dialog.url()))
        self.dialog = dialog
        dialog.open()

    def open(self, url: str) -> None:
        """Show the store at `url`: remembered without its password, never shown with it."""
        key = self.store.open(url)
        self.host.settings.remember_server(url)
        log.info("Opened server store %s", self.shown)
        self.host.show_server(self.shown, key)
        self.file_only.set_server_shown(True)
        self.host.operations_menu.routes = (
            self._backups().routes() | self._cleanups().routes() | self._moves().routes()
        )

    def _cleanups(self) -> ServerCleanups:
        """Clean Up and Delete for this store: imported on first use too."""
        from .server_cleanup import ServerCleanups

        if self.cleanups is None:
            self.cleanups = ServerCleanups(self.host, lambda: self.store.key, self.refresh)
        return self.cleanups

    def _moves(self) -> ServerMoves:
        """Copy and Move Session To… for this store: imported on first use too."""
        from .server_move import ServerMoves

        if self.moves is None:
            self.moves = ServerMoves(self.host, lambda: self.store.key, self.refresh)
        return self.moves

    def _backups(self) -> ServerBackups:
        """Back Up for this store: imported on first use, as the Operations are."""
        from .server_backup import ServerBackups

        if self.backups is None:
            self.backups = ServerBackups(self.host, lambda: self.store.key)
        return self.backups

    def close(self) -> None:
        """Files are shown again (or nothing): the file actions come back."""
        if self.store.is_open:
            self.store.close()
            self.file_only.set_server_shown(False)
            self.host.operations_menu.routes = {}

    def refresh(self) -> None:
        self.store.refresh()

    def _on_listed(self, scan: StoreScan) -> None:
        self.host.feed.add([scan])
        if not scan.sessions:
            self.host.notice.show_message(f"{self.shown} holds no sessions yet.")

    def _on_failed(self, message: str) -> None:
        """Rows listed before stay; Retry (or Refresh) lists again once the server is back."""
        retry = NoticeAction("Retry", self.store.refresh)
        self.host.notice.show_message(f"Disconnected: {message}", Level.ERROR, [retry])
        self.host.update_status()
