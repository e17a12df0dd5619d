"""The Operations menu, built at start-up without importing a single operation.

The controller behind it (`ui.operations`) imports every module of `agency_desktop.ops`,
about 80 ms that a window opening on a store has no use for; it is made the first time
an entry is chosen (or a caller asks for `controller`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from .workers import Worker

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .operations import OperationsController

AUTO_BACKUP_KEY = "operations/autoBackup"
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
    ("&Rename Session…", "ask_rename", "F2"),
    ("&Split Store into Files…", "ask_split", None),
    ("Mer&ge Stores…", "ask_merge", None),
    None,
    ("E&xport Session…", "ask_export", "Ctrl+E"),
    ("Export &All Sessions…", "ask_export_all", None),
    ("&Import JSON/JSONL…", "ask_import", None),
)


def auto_backup_enabled(window: MainWindow) -> bool:
    """On unless the user turned it off: a copy of a store before sessions leave it."""
    return bool(window.settings.value(AUTO_BACKUP_KEY, True, bool))


class OperationsMenu(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._controller: OperationsController | None = None
        self.menu = QMenu("&Operations", window)
        self._actions: list[QAction] = []
        for entry in ENTRIES:
            if entry is None:
                self.menu.addSeparator()
            else:
                self._add(*entry)
        self.menu.addSeparator()
        self.auto_backup_action = self.menu.addAction("Back Up Automatically Before Changes")
        self.auto_backup_action.setCheckable(True)
        self.auto_backup_action.setChecked(auto_backup_enabled(window))
        self.auto_backup_action.toggled.connect(
            lambda on: window.settings.setValue(AUTO_BACKUP_KEY, on)
        )
        window.runner.started.connect(lambda _title: self._set_enabled(False))
        window.runner.finished.connect(lambda: self._set_enabled(True))
        # Import the operations in a worker once start-up is over, so the first one the
        # user picks does not spend ~80 ms importing on the GUI thread.
        self._preload_timer = QTimer(self, singleShot=True, interval=PRELOAD_AFTER_MS)
        self._preload_timer.timeout.connect(self._preload)
        self._preload_timer.start()

    def _preload(self) -> None:
        if self.window.isVisible():  # not for a window already closed (or never shown)
            module = f"{__package__}.operations"
            self.window.workers.start(Worker(importlib.import_module, module))

    def shutdown(self) -> None:
        self._preload_timer.stop()

    @property
    def controller(self) -> OperationsController:
        if self._controller is None:
            from .operations import OperationsController

            self._controller = OperationsController(self.window)
        return self._controller

    def _add(self, text: str, method: str, shortcut: str | None) -> None:
        action = self.menu.addAction(text)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: getattr(self.controller, method)())
        self._actions.append(action)

    def _set_enabled(self, enabled: bool) -> None:
        for action in self._actions:
            action.setEnabled(enabled)
