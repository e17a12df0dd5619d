"""Unhandled exceptions, from any thread: into the log, and into a dialog; the app runs on.

PySide hands an exception that escapes a slot or a virtual method to sys.excepthook
and carries on with the event loop; threads hand theirs to threading.excepthook.
Both are logged (see agency_desktop.util.logs for what a record holds) and shown in one
non-modal dialog that says what happened, where, and where the log is. While it is
open, further ones are counted in it rather than stacked in dialogs of their own.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from ..util.logs import describe_exception, log, log_path, where

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


class CrashReporter(QObject):
    reported = Signal(str, str)  # what happened, where; emitted from any thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parent = parent
        self.dialog: QMessageBox | None = None
        self.more = 0  # reported while the dialog was open
        self._previous: tuple[ExceptHook, Callable[..., Any]] | None = None
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def handle(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt | SystemExit) and self._previous is not None:
            self._previous[0](kind, value, tb)
            return
        place = where(tb)
        log.error(
            "Unhandled %s at %s\n%s", kind.__name__, place, describe_exception(kind, value, tb)
        )
        self.reported.emit(f"{kind.__name__}: {value}", place)

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, what: str, place: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.more += 1
            self.dialog.setInformativeText(self._details(place))
            return
        self.more = 0
        box = QMessageBox(self._parent)
        box.setObjectName("crashDialog")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Something went wrong")
        box.setText(f"Agency Desktop hit an error it did not expect:\n{what}")
        box.setInformativeText(self._details(place))
        folder = box.addButton("Show Log Folder", QMessageBox.ButtonRole.ActionRole)
        folder.clicked.disconnect()  # keep the dialog open: it is the log that is wanted
        folder.clicked.connect(self.show_log_folder)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
        self.dialog = box

    def _details(self, place: str) -> str:
        more = f"\n\n{self.more} more since; each is in the log." if self.more else ""
        return (
            f"It happened in {place}; the app keeps running.\n"
            f"The details are in {log_path()}.{more}"
        )

    @staticmethod
    def show_log_folder() -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_path().parent)))
