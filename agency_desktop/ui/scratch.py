"""The Scratch menu: in-memory sessions the user creates, copies or imports, then saves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from ..stores.listing import StoreScan, scan_store
from ..stores.records import SessionInfo

if TYPE_CHECKING:
    from ..ops.scratch import ScratchSessions
    from .host import WindowHost


@dataclass(frozen=True)
class ScratchCreated:
    session_id: str
    snapshot: Path
    scan: StoreScan  # read in the worker, so the GUI thread only lists it


class ScratchController(QObject):
    def __init__(self, host: WindowHost, sessions: ScratchSessions | None = None) -> None:
        super().__init__(host.dialog_parent())
        self.host = host
        self._sessions = sessions
        self.snapshots: dict[Path, str] = {}  # snapshot file -> scratch session id
        self.menu = self._build_menu()

    @property
    def sessions(self) -> ScratchSessions:
        """Made on first use: ops.scratch brings in export and migration, which start-up
        does not need."""
        if self._sessions is None:
            from ..ops.scratch import ScratchSessions

            self._sessions = ScratchSessions()
        return self._sessions

    def _build_menu(self) -> QMenu:
        menu = QMenu("&Scratch", self.host.dialog_parent())
        for text, slot, shortcut in (
            ("&New Scratch Session", self.do_new, "Ctrl+N"),
            ("&Duplicate Selected into Scratch", self.do_duplicate_selected, "Ctrl+D"),
            ("&Import JSON/JSONL into Scratch…", self.ask_import, None),
            ("&Save Scratch Session to File…", self.ask_save, "Ctrl+S"),
            ("Disca&rd Scratch Session", self.do_discard_selected, None),
        ):
            action = menu.addAction(text)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
        return menu

    def _scratch_id(self, info: SessionInfo | None) -> str | None:
        return self.snapshots.get(info.db_path) if info is not None else None

    # Creating: each runs in the operation runner, then the snapshot is listed.

    def do_new(self) -> None:
        self._create("New scratch session", self.sessions.new)

    def do_duplicate_selected(self) -> None:
        info = self.host.current_session()
        if info is None:
            self.host.notice.show_message("Select a session to duplicate.")
            return
        self._create(
            "Duplicating into scratch",
            lambda: self.sessions.duplicate(info.db_path, info.session_id),
        )

    def ask_import(self) -> None:
        source, _ = QFileDialog.getOpenFileName(
            self.host.dialog_parent(),
            "Import into scratch",
            str(Path.home()),
            "Exports (*.json *.jsonl)",
        )
        if source:
            self.do_import(Path(source))

    def do_import(self, source: Path) -> None:
        self._create("Importing into scratch", lambda: self.sessions.import_file(source))

    def _create(self, title: str, make: Any) -> None:
        def work(*, progress: Any, cancel: Any) -> ScratchCreated:
            cancel.raise_if_cancelled()
            session = make()
            snapshot = self.sessions.snapshot(session.session_id)
            return ScratchCreated(session.session_id, snapshot, scan_store(snapshot))

        self.host.runner.run(
            title, work, summary=lambda r: f"Scratch session {r.session_id!r} is ready (in memory)."
        )

    def on_operation_done(self, _summary: str, result: Any) -> None:
        """Lists a scratch session the runner just made (the runner reports every operation)."""
        if isinstance(result, ScratchCreated) and result.session_id in self.sessions.ids:
            self.snapshots[result.snapshot] = result.session_id
            self.host.list_scratch(result.scan)

    # Saving and discarding

    def ask_save(self) -> None:
        session_id = self._scratch_id(self.host.current_session())
        if session_id is None:
            self.host.notice.show_message("Select a scratch session to save.")
            return
        chosen, _ = QFileDialog.getSaveFileName(
            self.host.dialog_parent(),
            "Save scratch session",
            f"{session_id}.db",
            "Session stores (*.db)",
            "",
            QFileDialog.Option.DontConfirmOverwrite,
        )
        if chosen:
            self.do_save(session_id, Path(chosen))

    def do_save(self, session_id: str, target: Path) -> None:
        def work(*, progress: Any, cancel: Any) -> Path:
            self.sessions.save_to_file(session_id, target).close()
            return target

        self.host.runner.run(
            "Saving scratch session",
            work,
            summary=lambda path: f"Saved {session_id!r} to {path} (verified).",
        )

    def do_discard_selected(self) -> None:
        info = self.host.current_session()
        session_id = self._scratch_id(info)
        if info is None or session_id is None:
            self.host.notice.show_message("Select a scratch session to discard.")
            return
        self.sessions.discard(session_id)
        self.snapshots.pop(info.db_path, None)
        self.host.unlist_store(info.db_path)

    def shutdown(self) -> None:
        if self._sessions is not None:
            self._sessions.close_all()
