"""The Operations menu: backup, cleanup, reorganising and export, run through OperationRunner.

Each action is split in two: `ask_*` collects paths and answers with dialogs, and
`do_*` starts the work with them. Tests call the `do_*` half directly, as dialogs
that block are no place for a test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QFile, QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from ..ops import cleanup, maintenance, reorganise
from ..ops.archive import backup_archive
from ..ops.export import ExportFormat, export_session
from ..ops.folder_backup import backup_many
from ..ops.importing import import_items
from ..ops.restore import RestorePlan, plan_restore, run_restore
from ..stores.records import SessionInfo
from ..util.formatting import counted, human_size
from ..util.paths import backup_dir
from . import file_dialogs as dialogs
from . import summaries
from .dialogs.cleanup_preview import CleanupPreview
from .dialogs.restore_preview import RestorePreview
from .workers import Worker

if TYPE_CHECKING:
    from ..ops.notes import NoteBook
    from .host import WindowHost

EXPORT_FILTERS = {
    "JSON (*.json)": ExportFormat.JSON,
    "JSON Lines (*.jsonl)": ExportFormat.JSONL,
    "Markdown transcript (*.md)": ExportFormat.MARKDOWN,
    "HTML transcript (*.html)": ExportFormat.HTML,
}
STORE_FILTER = "Session stores (*.db *.sqlite *.sqlite3 *.db3)"


def qt_trash(paths: list[str]) -> None:
    """The system trash through Qt (which knows each platform's own), for the GUI's cleanups.

    Qt declines some places send2trash handles (a per-volume .Trash-UID it would have to
    create), so that is tried next; only when both fail does cleanup back up and delete.
    """
    for path in paths:
        moved: object = QFile.moveToTrash(path)  # a bool at run time, whatever the stubs say
        if moved is not True:
            cleanup.send_to_trash([path])


class OperationsController(QObject):
    def __init__(self, host: WindowHost) -> None:
        super().__init__(host.dialog_parent())
        self.host = host
        self.runner = host.runner
        self.preview: CleanupPreview | None = None
        self.restore_preview: RestorePreview | None = None

    @property
    def auto_backup(self) -> bool:
        return self.host.settings.auto_backup

    def ask_copy_session(self) -> None:
        self.ask_copy(move=False)

    def ask_move_session(self) -> None:
        self.ask_copy(move=True)

    # --- helpers

    def _selected(self) -> SessionInfo | None:
        info = self.host.current_session()
        if info is None:
            self.host.notice.show_message("Select a session first.")
        return info

    def _stores(self) -> list[Path]:
        return self.host.store_paths

    def _run(
        self,
        title: str,
        fn: Callable[..., Any],
        *args: Any,
        summary: Callable[[Any], str],
        **kw: Any,
    ) -> None:
        if not self.runner.run(title, fn, *args, summary=summary, **kw):
            self.host.notice.warn("Another operation is still running.")

    def _near(self) -> Path:
        """Where dialogs start: the selected session's store folder, else the open folder."""
        info = self.host.current_session()
        return dialogs.first_existing(info.db_path.parent if info else None, self.host.folder)

    def _backups(self) -> Path:
        return dialogs.first_existing(backup_dir(), self.host.folder)

    def _folder(self, title: str, start: Path | None = None) -> Path | None:
        return dialogs.choose_folder(self.host.dialog_parent(), title, start or self._near())

    def _save_path(
        self, title: str, filters: str, overwrite_prompt: bool = True, start: Path | None = None
    ) -> tuple[Path, str] | None:
        parent = self.host.dialog_parent()
        return dialogs.choose_save_path(
            parent, title, start or self._near(), filters, overwrite_prompt
        )

    # --- backup

    def ask_backup_selected(self) -> None:
        info = self._selected()
        if info and (folder := self._folder("Back up into folder", self._backups())):
            self.do_backup([info.db_path], folder)

    def ask_backup_folder(self) -> None:
        if folder := self._folder("Back up every store into folder", self._backups()):
            self.do_backup(self._stores(), folder, root=self.host.folder)

    def do_backup(self, stores: list[Path], destination: Path, root: Path | None = None) -> None:
        """Stores under `root` keep their subfolders, as `agency-sessions backup DIR` does."""
        self._run(
            "Backing up",
            backup_many,
            stores,
            destination,
            root=root,
            summary=summaries.backup_summary,
        )

    def ask_archive(self) -> None:
        name = f"{(self.host.folder or Path('stores')).name}.zip"
        title = "Back up the folder into an archive"
        if chosen := self._save_path(title, "Zip archives (*.zip)", start=self._backups() / name):
            self.do_archive(self._stores(), chosen[0])

    def do_archive(self, stores: list[Path], archive: Path) -> None:
        self._run(
            "Archiving",
            backup_archive,
            stores,
            archive,
            root=self.host.folder,
            summary=lambda r: (
                f"Archived {counted(len(r.entries), 'store')} into {r.path} "
                f"({human_size(r.size_bytes)}, checksums verified)."
            ),
        )

    def ask_restore(self) -> None:
        source, _ = QFileDialog.getOpenFileName(
            self.host.dialog_parent(),
            "Restore from a backup archive or store",
            str(self._backups()),
            "Backups (*.zip *.db);;All files (*)",
        )
        if source and self.host.folder is not None:
            self.do_plan_restore(Path(source), self.host.folder)

    def do_plan_restore(self, source: Path, folder: Path) -> None:
        worker = Worker(plan_restore, source, folder)
        worker.signals.returned.connect(self._show_restore)
        worker.signals.errored.connect(lambda exc: self.host.notice.error(f"Cannot restore: {exc}"))
        self.host.workers.start(worker)

    def _show_restore(self, plan: RestorePlan) -> None:
        self.restore_preview = RestorePreview(plan, self.host.dialog_parent())
        self.restore_preview.accepted.connect(
            lambda: self.do_run_restore(plan, self.restore_preview.conflict)
        )
        self.restore_preview.open()

    def do_run_restore(self, plan: RestorePlan, conflict: str) -> None:
        self._run(
            "Restoring", run_restore, plan, conflict=conflict, summary=summaries.restore_summary
        )

    # --- cleanup

    def ask_cleanup_old(self) -> None:
        days, ok = QInputDialog.getInt(
            self.host.dialog_parent(),
            "Clean up",
            "Remove sessions with no activity for (days):",
            30,
            1,  # 0 days would take every session, this moment's included
            36_500,
        )
        folder = self.host.folder
        if ok and folder is not None:
            self.do_plan_cleanup(lambda: cleanup.plan_cleanup(folder, days))

    def ask_delete_selected(self) -> None:
        if info := self._selected():
            title = f"Delete session {info.session_id}"
            self.do_plan_cleanup(lambda: cleanup.plan_for_sessions([info]), title)

    def do_plan_cleanup(
        self, make_plan: Callable[[], cleanup.CleanupPlan], title: str = "Clean up sessions"
    ) -> None:
        """Work out the plan in a worker, then show it; nothing is removed before the user agrees."""
        worker = Worker(make_plan)
        worker.signals.returned.connect(lambda plan: self._show_preview(plan, title))
        worker.signals.errored.connect(
            lambda exc: self.host.notice.error(f"Cannot plan the cleanup: {exc}")
        )
        self.host.workers.start(worker)

    def _show_preview(self, plan: cleanup.CleanupPlan, title: str) -> None:
        parent = self.host.dialog_parent()
        self.preview = CleanupPreview(plan, parent, auto_backup=self.auto_backup, title=title)
        self.preview.accepted.connect(lambda: self.do_run_cleanup(plan))
        self.preview.open()

    def do_run_cleanup(self, plan: cleanup.CleanupPlan) -> None:
        self._run(
            "Cleaning up",
            cleanup.run_cleanup,
            plan,
            auto_backup=self.auto_backup,
            trash=qt_trash,
            summary=summaries.cleanup_summary,
        )

    def do_vacuum_selected(self) -> None:
        if info := self._selected():
            self._run(
                "Vacuuming",
                maintenance.vacuum_store,
                info.db_path,
                summary=lambda r: (
                    f"{r.path.name}: {human_size(r.reclaimed)} reclaimed ({human_size(r.bytes_after)} now)"
                ),
            )

    def do_find_empty(self) -> None:
        worker = (
            Worker(maintenance.find_empty_stores, self.host.folder) if self.host.folder else None
        )
        if worker is None:
            return
        worker.signals.returned.connect(self._confirm_empty)
        self.host.workers.start(worker)

    def _confirm_empty(self, stores: list[Path]) -> None:
        if not stores:
            self.host.notice.show_message("No empty stores in this folder.")
            return
        self._run(
            "Removing empty stores",
            maintenance.remove_empty_stores,
            stores,
            trash=qt_trash,
            summary=lambda r: f"{len(r[0])} empty stores moved to the trash; {len(r[1])} skipped.",
        )

    # --- reorganise

    def ask_copy(self, move: bool) -> None:
        info = self._selected()
        verb = "Move" if move else "Copy"
        if info and (
            chosen := self._save_path(
                f"{verb} session into store", STORE_FILTER, overwrite_prompt=False
            )
        ):
            self.do_copy(info, chosen[0], move=move)

    def do_copy(self, info: SessionInfo, target: Path, move: bool = False) -> None:
        if move:
            self.host.follow(info, target.resolve(), info.session_id)
            self._run(
                "Moving session",
                reorganise.move_session,
                info.db_path,
                info.session_id,
                target,
                auto_backup=self.auto_backup,
                summary=lambda r: (
                    f"Moved {counted(r[0].message_count, 'item')} to {r[0].path}; "
                    + (f"backup: {r[1]}" if r[1] else "no backup (automatic backups are off)")
                ),
            )
        else:
            from ..ops.migrate import copy_session

            self._run(
                "Copying session",
                copy_session,
                info.db_path,
                info.session_id,
                target,
                summary=lambda r: (
                    f"Copied {counted(r.message_count, 'item')} to {r.path} (verified)"
                ),
            )

    def ask_rename(self) -> None:
        info = self._selected()
        if info is None:
            return
        new_id, ok = QInputDialog.getText(
            self.host.dialog_parent(), "Rename session", "New session id:", text=info.session_id
        )
        if ok and new_id.strip():
            self.do_rename(info, new_id.strip())

    def do_rename(self, info: SessionInfo, new_id: str) -> None:
        self.host.follow(info, info.db_path, new_id)
        self._run(
            "Renaming session",
            reorganise.rename_session,
            info.db_path,
            info.session_id,
            new_id,
            summary=lambda n: f"Renamed {info.session_id!r} to {new_id!r} ({counted(n, 'item')})",
        )

    def ask_split(self) -> None:
        info = self._selected()
        if info and (folder := self._folder("Write one store per session into folder")):
            self.do_split(info.db_path, folder)

    def do_split(self, store: Path, folder: Path) -> None:
        self._run(
            "Splitting store",
            reorganise.split_store,
            store,
            folder,
            summary=summaries.batch_summary,
        )

    def ask_merge(self) -> None:
        parent = self.host.dialog_parent()
        sources = dialogs.choose_open_files(parent, "Stores to merge", self._near(), STORE_FILTER)
        if sources and (
            chosen := self._save_path("Merge into store", STORE_FILTER, overwrite_prompt=False)
        ):
            self.do_merge(sources, chosen[0])

    def do_merge(self, sources: list[Path], target: Path) -> None:
        self._run(
            "Merging stores",
            reorganise.merge_stores,
            sources,
            target,
            summary=summaries.batch_summary,
        )

    # --- export and import

    def ask_export(self) -> None:
        info = self._selected()
        if info is None:
            return
        suggested = self._near() / f"{dialogs.safe_file_name(info.session_id)}.md"
        filters = ";;".join(EXPORT_FILTERS)
        if chosen := self._save_path("Export session", filters, start=suggested):
            fmt = EXPORT_FILTERS.get(chosen[1], ExportFormat.JSONL)
            self.do_export(info, chosen[0], fmt, with_notes=self._ask_with_notes(info))

    def _ask_with_notes(self, info: SessionInfo) -> bool:
        """Only a session with notes of the user's asks; the answer defaults to no."""
        if self.host.notes.notes_of(info).empty:
            return False
        answer = QMessageBox.question(
            self.host.dialog_parent(),
            "Export session",
            "Include your own notes on this session (title, tags, note, bookmarks) in the export?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def do_export(
        self, info: SessionInfo, target: Path, fmt: ExportFormat, with_notes: bool = False
    ) -> None:
        """The session as shown: of a session with branches, the branch on show."""
        book = self.host.notes.book if with_notes else None
        branch = self.host.shown_branch(info)
        on = f" (branch {branch})" if branch else ""
        self._run(
            "Exporting",
            _export,
            info,
            fmt,
            target,
            book,
            branch,
            summary=lambda n: f"Exported {counted(n, 'item')}{on} to {target}",
        )

    def ask_export_all(self) -> None:
        names = list(EXPORT_FILTERS)
        choice, ok = QInputDialog.getItem(
            self.host.dialog_parent(), "Export all sessions", "Format:", names, 3, False
        )
        if ok and (folder := self._folder("Export every session of this folder into")):
            self.do_export_all(folder, EXPORT_FILTERS[choice])

    def do_export_all(self, destination: Path, fmt: ExportFormat) -> None:
        stores = self._stores()
        self._run(
            "Exporting all sessions",
            _export_all,
            stores,
            destination,
            fmt,
            summary=summaries.export_summary,
        )

    def ask_import(self) -> None:
        source, _ = QFileDialog.getOpenFileName(
            self.host.dialog_parent(), "Import items", str(self._near()), "Exports (*.json *.jsonl)"
        )
        if not source:
            return
        target = self._save_path("Into store", STORE_FILTER, overwrite_prompt=False)
        session_id, ok = QInputDialog.getText(
            self.host.dialog_parent(), "Import", "Session id:", text=Path(source).stem
        )
        if target and ok and session_id.strip():
            self.do_import(Path(source), target[0], session_id.strip())

    def do_import(self, source: Path, target: Path, session_id: str) -> None:
        self._run(
            "Importing",
            import_items,
            source,
            target,
            session_id,
            summary=lambda r: (
                f"Imported {counted(r.message_count, 'item')} into {r.path} as {r.session_id!r}"
            ),
        )


# Adapters with the (progress=, cancel=) shape the runner passes to every operation.


def _export_all(
    stores: list[Path], destination: Path, fmt: ExportFormat, *, progress: Any, cancel: Any
) -> Any:
    from ..ops.export import export_many
    from ..stores.errors import StoreError
    from ..stores.listing import read_store_sessions

    sessions = []
    for store in stores:
        try:
            sessions += [(store, info.session_id) for info in read_store_sessions(store)]
        except StoreError:
            continue  # listed as a problem row already
    return export_many(sessions, destination, fmt, overwrite=True, progress=progress, cancel=cancel)


def _export(
    info: SessionInfo,
    fmt: ExportFormat,
    target: Path,
    book: NoteBook | None,
    branch: str | None,
    **controls: Any,
) -> int:
    """Runs in a worker: the user's notes are read there too (bookmarks read the store)."""
    notes = book.for_export(info) if book is not None else None
    return export_session(
        info.db_path,
        info.session_id,
        fmt,
        target,
        overwrite=True,
        notes=notes,
        branch=branch,
        **controls,
    )
