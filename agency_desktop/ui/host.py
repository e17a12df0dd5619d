"""What the main window lends the controllers that hang off it.

The Operations and Scratch menus and the unlocking of encrypted sessions need a few
of the window's services, not the window: this protocol names them, so those
modules never import the main window and the window can change freely behind it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ..ops.notes import NoteBook
    from ..ops.notes_records import SessionNotes
    from ..stores.listing import StoreScan
    from ..stores.records import SessionInfo
    from .operation_runner import OperationRunner
    from .settings import Settings
    from .widgets.notice_bar import NoticeBar
    from .workers import WorkerPool


class NotesService(Protocol):
    """The user's notes as the window holds them (ui/session_notes.py)."""

    @property
    def book(self) -> NoteBook: ...

    def notes_of(self, info: SessionInfo) -> SessionNotes: ...


class WindowHost(Protocol):
    notice: NoticeBar  # messages for the user
    workers: WorkerPool  # short jobs off the GUI thread
    runner: OperationRunner  # long operations, with progress and Cancel
    settings: Settings
    folder: Path | None  # the open folder; None when single stores are open

    @property
    def notes(self) -> NotesService:
        """The user's own notes on sessions."""
        ...

    @property
    def store_paths(self) -> list[Path]:
        """The stores listed now (the folder's, or the ones opened one by one)."""
        ...

    def current_session(self) -> SessionInfo | None: ...

    def shown_branch(self, info: SessionInfo) -> str | None:
        """The branch on show of `info`'s session, if it is open and has branches."""
        ...

    def dialog_parent(self) -> QWidget:
        """The widget dialogs open over."""
        ...

    def list_scratch(self, scan: StoreScan) -> None:
        """List a scratch session's snapshot at the top of the sessions."""
        ...

    def unlist_store(self, path: Path) -> None: ...

    def follow(self, info: SessionInfo, db_path: Path, session_id: str) -> None:
        """The operation about to run puts `info`'s session at (db_path, session_id):
        the panes follow it there if it is the one on show."""
        ...

    def reopen_session(self, info: SessionInfo) -> None:
        """Read the session again if it is the one on show (after a key unlocked it)."""
        ...
