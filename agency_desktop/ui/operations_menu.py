"""The Operations menu, built at start-up without importing a single operation.

The controller behind it (`ui.operations`) imports every module of `agency_desktop.ops`,
about 80 ms that a window opening on a store has no use for; it is made the first time
an entry is chosen (or a caller asks for `controller`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from .workers import Worker

if TYPE_CHECKING:
    from .host import WindowHost
    from .operations import OperationsController

PRELOAD_AFTER_MS = 1000

# (text, controller method, shortcut); None is a separator.
ENTRIES: tuple[tuple[str, str, str | None] | None, ...] = (
    ("&Back Up Selected Store…", "ask_backup_selected", "Ctrl+B"),
    ("Back Up &Folder…", "ask_backup_folder", "Ctrl+Shift+B"),
    ("Back Up Folder to &Archive…", "ask_archive", None),
    ("Res&tore Backup…", "ask_restore", None),
    None,
    ("&Clean Up Old Sessions…", "ask_cleanup_old", None),
    ("&Delete Selected Session…", "ask_delete_selected", "Del"),
    ("&Vacuum Selected Store", "do_vacuum_selected", None),
    ("Remove &Empty Stores…", "do_find_empty", None),
    None,
    ("Co&py Session To…", "ask_copy_session", None),
    ("&Move Session To…", "ask_move_session", None),
    ("Cop&y Session to Server Store…", "ask_copy_to_server", None),
    ("M&ove Session to Server Store…", "ask_move_to_server", None),
    ("&Rename Session…", "ask_rename", "F2"),
    ("&Split Store into Files…", "ask_split", None),
    ("Mer&ge Stores…", "ask_merge", None),
    None,
    ("E&xport Session…", "ask_export", "Ctrl+E"),
    ("Export &All Sessions…", "ask_export_all", None),
    ("&Import JSON/JSONL…", "ask_import", None),
)


class OperationsMenu(QObject):
    def __init__(self, host: WindowHost) -> None:
        super().__init__(host.dialog_parent())
        self.host = host
        self._controller: OperationsController | None = None
        self.menu = QMenu("&Operations", host.dialog_parent())
        self._actions: list[QAction] = []
        self.actions: dict[str, QAction] = {}  # by controller method: for context menus
        # While a server store is shown, what its entries run instead (server_view sets it).
        self.routes: dict[str, Callable[[], None]] = {}
        # Entries whose work lives outside the controller (the window registers them), so
        # that it does not grow with every operation.
        self.handlers: dict[str, Callable[[], None]] = {}
        for entry in ENTRIES:
            if entry is None:
                self.menu.addSeparator()
            else:
                self._add(*entry)
        self.menu.addSeparator()
        # On unless the user turned it off: a copy of a store before sessions leave it.
        self.auto_backup_action = self.menu.addAction("Back Up Automatically Before Changes")
        self.auto_backup_action.setCheckable(True)
        self.auto_backup_action.setChecked(host.settings.auto_backup)
        self.auto_backup_action.toggled.connect(self._set_auto_backup)
        host.runner.started.connect(lambda _title: self._set_enabled(False))
        host.runner.finished.connect(lambda: self._set_enabled(True))
        # Import the operations in a worker once start-up is over, so the first one the
        # user picks does not spend ~80 ms importing on the GUI thread.
        self._preload_timer = QTimer(self, singleShot=True, interval=PRELOAD_AFTER_MS)
        self._preload_timer.timeout.connect(self._preload)
        self._preload_timer.start()

    def _preload(self) -> None:
        if self.host.dialog_parent().isVisible():  # not for a window closed (or never shown)
            module = f"{__package__}.operations"
            self.host.workers.start(Worker(importlib.import_module, module))

    def _set_auto_backup(self, on: bool) -> None:
        self.host.settings.auto_backup = on

    def shutdown(self) -> None:
        self._preload_timer.stop()

    @property
    def controller(self) -> OperationsController:
        if self._controller is None:
            from .operations import OperationsController

            self._controller = OperationsController(self.host)
        return self._controller

    def _add(self, text: str, method: str, shortcut: str | None) -> None:
        action = self.menu.addAction(text)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: self.trigger(method))
        self._actions.append(action)
        self.actions[method] = action

    def trigger(self, method: str) -> None:
        """Run an entry: a server store shown answers the entries it has (`routes`), and
        `handlers` those the controller has not."""
        route = self.routes.get(method) or self.handlers.get(method)
        route = route or getattr(self.controller, method)
        route()

    def _set_enabled(self, enabled: bool) -> None:
        for action in self._actions:
            action.setEnabled(enabled)
