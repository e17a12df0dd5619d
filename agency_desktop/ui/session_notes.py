"""The user's own notes in the window: read for the listed sessions, edited, kept in step.

The notes file (ops/notes.py) is read and written in workers. Another window of the app,
or `agency-sessions tag`, may change it at any time: its version is looked at every
second (in a worker too), and the list is read again when it moved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QInputDialog

from ..stores.paging import MessageRow
from ..stores.records import SessionInfo
from .folder_scanner import FolderScanner
from .host import WindowHost
from .models.session_list import SessionListModel
from .session_view import SessionView
from .widgets.message_detail import MessageDetail
from .widgets.message_pane import MessagePane
from .window_menus import WindowMenus
from .workers import Worker

if TYPE_CHECKING:
    from ..ops.notes import NoteBook
    from ..ops.notes_records import SessionNotes
    from .dialogs.notes_dialog import NotesDialog

POLL_MS = 1000  # how soon another window's or the CLI's change shows here
REFRESH_DELAY_MS = 150  # listing streams in slices: read once they pause

Notes = dict[tuple[Path, str], "SessionNotes"]


class NotesHost(WindowHost, Protocol):
    """What of the main window the notes use, beyond any controller's WindowHost."""

    session_model: SessionListModel
    scanner: FolderScanner
    menus: WindowMenus
    view: SessionView
    messages: MessagePane
    detail: MessageDetail


def read_notes(book: NoteBook, sessions: list[SessionInfo]) -> tuple[int, Notes]:
    """Runs in a worker: the version first, so a change made while reading is seen next."""
    return book.version(), book.notes_for(sessions)


class SessionNotesController(QObject):
    notesRead = Signal()  # the list shows the notes as they are now

    def __init__(
        self,
        host: WindowHost,
        listed: Callable[[], list[SessionInfo]],
        apply: Callable[[Notes], Any],
        show_item: Callable[[SessionInfo, int], None],
        book: NoteBook | None = None,
    ) -> None:
        super().__init__(host.dialog_parent())
        self.host, self._listed, self._apply, self._show_item = host, listed, apply, show_item
        self._book = book  # made on first use: the notes modules stay out of the cold start
        self._making = threading.Lock()
        self.notes: Notes = {}
        self.dialog: NotesDialog | None = None
        self._version: int | None = None
        self._reading = self._polling = False
        self._again = False
        self._soon = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._soon.timeout.connect(self._read)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._look)
        self._poll.start()

    @classmethod
    def of_window(cls, window: NotesHost) -> SessionNotesController:
        """Notes for the window's session list: read as it fills, edited from its menus."""

        def apply(found: Notes) -> None:  # the list's model changes with the folder
            window.session_model.apply_notes(found)

        def star() -> None:  # triggered(bool) would pass its flag for a session
            controller.toggle_star()

        controller = cls(
            window,
            lambda: list(window.session_model.listed_sessions().values()),
            apply,
            lambda info, row_id: window.view.show_item(info.db_path, info.session_id, row_id),
        )
        # Once a scan is through (not per listed slice: thousands of rows stream in), so
        # restored copies find their notes; rows at known places get them as they come.
        window.scanner.scanFinished.connect(controller.refresh)
        conversation = window.detail.conversation
        conversation.user_title = controller.title_of
        controller.notesRead.connect(conversation.refresh_header)
        window.menus.edit_notes.triggered.connect(controller.edit_current)
        window.menus.toggle_star.triggered.connect(star)
        window.menus.bookmark_item.triggered.connect(
            lambda: controller.bookmark(window.current_session(), window.messages.current_row())
        )
        return controller

    @property
    def book(self) -> NoteBook:
        """Made by whoever needs it first, the first poll's worker as a rule: importing the
        notes modules on the GUI thread would hold it while a folder streams in."""
        with self._making:
            if self._book is None:
                from ..ops.notes import NoteBook

                self._book = NoteBook()
            return self._book

    def shutdown(self) -> None:
        """After the window's workers stopped: nothing uses the notes file any more."""
        self._poll.stop()
        self._soon.stop()
        with self._making:
            if self._book is not None:
                self._book.close()

    # --- reading

    def refresh(self) -> None:
        """Read the notes of the listed sessions soon (listing comes in slices)."""
        self._soon.start()

    def _read(self) -> None:
        if self._reading:
            self._again = True
            return
        self._reading = True
        worker = Worker(lambda sessions: read_notes(self.book, sessions), self._listed())
        worker.signals.returned.connect(self._on_read)
        worker.signals.errored.connect(self._on_error)
        self.host.workers.start(worker)

    def _on_read(self, result: tuple[int, Notes]) -> None:
        self._reading = False
        self._version, found = result
        if found or self.notes:  # no notes at all (most users, most of the time): no work
            self.notes = found
            self._apply(found)
        self.notesRead.emit()
        if self._again:
            self._again = False
            self._read()

    def _on_error(self, error: Exception) -> None:
        self._reading = self._polling = False
        self.host.notice.warn(f"Your notes cannot be read: {error}")

    def _look(self) -> None:
        if self._polling or self._reading:
            return
        self._polling = True
        worker = Worker(self._version_of_book)
        worker.signals.returned.connect(self._on_version)
        worker.signals.errored.connect(self._on_error)
        self.host.workers.start(worker)

    def _version_of_book(self) -> int:
        """Runs in a worker: the book is made here the first time (see `book`)."""
        return self.book.version()

    def _on_version(self, version: int) -> None:
        self._polling = False
        if version != self._version:
            self._read()

    # --- editing

    def title_of(self, info: SessionInfo) -> str:
        """The user's title for a session ("" for none), from what was read last."""
        notes = self.notes.get((info.db_path, info.session_id))
        return notes.title if notes is not None else ""

    def notes_of(self, info: SessionInfo) -> SessionNotes:
        from ..ops.notes_records import SessionNotes

        return self.notes.get((info.db_path, info.session_id)) or SessionNotes(info.session_id)

    def edit_current(self) -> None:
        info = self._current()
        if info is None:
            return
        from .dialogs.notes_dialog import NotesDialog  # loaded when first opened

        dialog = self.dialog = NotesDialog(info, self.notes_of(info), self.host.dialog_parent())
        dialog.accepted.connect(lambda: self._save(info, dialog))
        dialog.bookmarkChosen.connect(lambda row_id: self._show_item(info, row_id))
        dialog.bookmarkRemoved.connect(
            lambda row_id: self._change(self.book.remove_bookmark, info, row_id)
        )
        dialog.open()
        if self.notes_of(info).bookmark_count:
            worker = Worker(self.book.locate_bookmarks, info)
            worker.signals.returned.connect(dialog.show_bookmarks)
            self.host.workers.start(worker)
        else:
            dialog.show_bookmarks([])

    def _save(self, info: SessionInfo, dialog: NotesDialog) -> None:
        edit = dialog.edit()
        self._change(
            lambda: self.book.edit(
                info,
                title=edit.title,
                note=edit.note,
                starred=edit.starred,
                add_tags=edit.add_tags,
                remove_tags=edit.remove_tags,
            )
        )

    def toggle_star(self, info: SessionInfo | None = None) -> None:
        info = info or self._current()
        if info is not None:
            starred = not self.notes_of(info).starred
            self._change(lambda: self.book.edit(info, starred=starred))

    def bookmark(self, info: SessionInfo | None, row: MessageRow | None) -> None:
        """Bookmark an item, with a few words on it if the user gives them."""
        if info is None or row is None:
            self.host.notice.show_message("Select an item of a session first.")
            return
        label, ok = QInputDialog.getText(
            self.host.dialog_parent(), "Bookmark Item", "A few words on this item (optional):"
        )
        if ok:
            self._change(self.book.add_bookmark, info, row.row_id, label)

    def _change(self, fn: Callable[..., Any], *args: Any) -> None:
        worker = Worker(fn, *args)
        worker.signals.returned.connect(lambda _result: self._read())
        worker.signals.errored.connect(
            lambda error: self.host.notice.error(f"Your notes were not saved: {error}")
        )
        self.host.workers.start(worker)

    def _current(self) -> SessionInfo | None:
        info = self.host.current_session()
        if info is None:
            self.host.notice.show_message("Select a session first.")
        return info
