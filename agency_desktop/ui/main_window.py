"""The main window: sessions on the left, the open session's messages, the item and stats.

The window puts the parts together. What the panes show is `session_view`'s; the
menus (`window_menus`), open dialogs and drops (`opening`), the listing of scan
results (`scan_feed`), a server store (`server_view`), the search index's schedule
(`search_indexer`), settings (`settings`) and the notice bar (`widgets.notice_bar`) live
in modules of their own.
The controllers of the Operations and Scratch menus see it only as a `host.WindowHost`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QWidget,
)

from ..search.index import SearchIndex
from ..stores.listing import StoreScan
from ..stores.records import SessionInfo
from ..stores.scan_cache import ScanCache
from ..stores.signatures import Signature
from ..util.formatting import counted
from ..util.logs import log
from ..util.paths import demo_dir
from ..util.urls import is_url
from . import lifetime
from .context_menus import ContextMenus
from .file_only import file_only_actions
from .folder_scanner import FolderScanner
from .models.message_table import MessageTableModel
from .models.session_list import SessionListModel
from .opening import StoreOpener, dropped_paths
from .operation_runner import OperationRunner
from .operations_menu import OperationsMenu
from .scan_feed import ScanFeed
from .scratch import ScratchController
from .search_indexer import SearchIndexer
from .search_panel import SearchPanel
from .server_copy import ServerCopies
from .server_view import ServerView
from .session_notes import SessionNotesController
from .session_tools import SessionTools
from .session_view import SessionView
from .settings import Settings
from .status_text import listing_status
from .store_doctor import StoreDoctor
from .toolbar import window_toolbar
from .unlocking import Unlocker
from .view_choices import ViewChoices
from .widgets.message_detail import MessageDetail
from .widgets.message_pane import MessagePane
from .widgets.notice_bar import NoticeAction, NoticeBar
from .widgets.progress_strip import ProgressStrip
from .widgets.session_pane import SessionPane
from .widgets.stats_panel import StatsPanel
from .widgets.welcome_view import WelcomePage
from .window_layout import arrange, fit_to_screen
from .window_menus import WindowMenus
from .workers import WorkerPool

if TYPE_CHECKING:
    from .operations import OperationsController

WORKER_THREADS = 8
DEMO_NOTICE = (
    "This is the demo folder: sample conversations written by the Agents SDK."
    " Open a folder of your own stores to see yours."
)


class MainWindow(QMainWindow):
    folderOpened = Signal(str)
    filesOpened = Signal(list)

    def __init__(
        self,
        folder: str | Path | None = None,
        settings: QSettings | Settings | None = None,
        *,
        restore: bool = True,
    ) -> None:
        """Opens `folder`; without one, the last folder (or the demo) unless restore is False."""
        super().__init__()
        self.setWindowTitle("Agency Desktop")
        fit_to_screen(self, 1440, 880)
        self.setAcceptDrops(True)
        self.settings = settings if isinstance(settings, Settings) else Settings(settings)
        # More threads than cores: most workers wait on SQLite or on worker processes, and
        # a long one (a backup, the index) must not hold up a scan or a page of messages.
        self.workers = WorkerPool(self, max_threads=WORKER_THREADS)
        self.scanner = FolderScanner(self.workers, self, cache=ScanCache())
        self.opener = StoreOpener(self, self.workers, self.scanner.cache)
        self.folder: Path | None = None
        self.files: list[Path] = []
        self._build_widgets()
        self._lay_out()
        self._build_menus()
        self._connect()
        self.settings.restore_shape(self, self.splitter, self.session_view.horizontalHeader())
        lifetime.stop_on_quit(self)
        if folder is not None:
            self.open_folder(folder)
        elif restore:
            QTimer.singleShot(0, self._open_default)

    @property
    def operations(self) -> OperationsController:
        """What the Operations menu runs; imported and made on first use."""
        return self.operations_menu.controller

    # --- construction

    def _build_widgets(self) -> None:
        self.session_model = SessionListModel(self)
        self.sessions = SessionPane(self.session_model)
        self.session_proxy, self.session_view = self.sessions.proxy, self.sessions.view
        self.feed = ScanFeed(self.session_model, self)
        self.message_model = MessageTableModel(self)
        self.messages = MessagePane(self.message_model)
        self.message_view, self.kind_filter = self.messages.view, self.messages.kind_filter
        self.notice = NoticeBar()
        self.detail = MessageDetail(self.workers)
        self.stats = StatsPanel(self.workers)
        self.stats.prices = self.settings.prices
        self.detail.set_prices(self.stats.prices)
        self.status_label = QLabel()
        self.progress_strip = ProgressStrip()
        self.runner = OperationRunner(self.workers, self.progress_strip, self)
        self.indexer = SearchIndexer(
            self.workers, SearchIndex(), self, store_paths=lambda: self.scanner.store_paths
        )
        self.indexer.enabled = self.settings.keep_index
        self.search_panel = SearchPanel(
            self.workers, self.indexer, lambda: self.scanner.store_paths
        )
        self.view = SessionView(
            self.sessions, self.messages, self.detail, self.stats, self.search_panel, self
        )
        self.follower = self.view.follower

    def _lay_out(self) -> None:
        panes = arrange(
            self,
            [(self.sessions, "Sessions"), (self.search_panel, "Search")],
            self.messages,
            [(self.detail, "Message"), (self.stats, "Stats")],
            self.notice,
            (self.status_label, self.progress_strip),
        )
        self.left_tabs, self.side_tabs = panes.left_tabs, panes.side_tabs
        self.splitter, self.pages = panes.splitter, panes.pages

    def _build_menus(self) -> None:
        self.menus = menus = WindowMenus(self)
        self.unlocker = Unlocker(self)
        stores = lambda: self.scanner.store_paths  # noqa: E731
        self.doctor = StoreDoctor(
            self, self.workers, stores, self.sessions.current_path, self.runner
        )
        self.keep_index_action = menus.keep_index
        menus.keep_index.setChecked(self.indexer.enabled)
        self.debug_log_action = menus.debug_logging
        self.operations_menu = OperationsMenu(self)
        self.server_copies = ServerCopies(self)
        self.operations_menu.handlers.update(self.server_copies.handlers())
        menus.insert_before_help(self.operations_menu.menu)
        self.scratch = ScratchController(self)
        menus.insert_before_help(self.scratch.menu)
        self.toolbar = window_toolbar(self, menus, self.operations_menu.actions)
        self.file_only = file_only_actions(menus, self.operations_menu.actions)
        self.server = ServerView(self, self.file_only)  # a server store, shown instead of files
        opening = (menus.open_folder, menus.open_files, menus.open_demo, menus.connect_server)
        self.welcome = WelcomePage(
            self.pages, opening, lambda: self.settings.recent_folders, self.open_folder
        )
        self.menus.show_recent(self.settings.recent_folders, self.open_folder)
        slots: list[tuple[Any, Callable[..., Any]]] = [
            (menus.open_folder, lambda: self.opener.choose_folder(self.folder)),
            (menus.open_files, lambda: self.opener.choose_files(self.folder)),
            (menus.open_demo, lambda: self._open_default(demo_only=True)),
            (menus.connect_server, self.server.ask),
            (menus.close_folder, self.close_folder),
            (menus.refresh, self.refresh),
            (menus.quit, self.close),
            (menus.filter_sessions, self.sessions.focus_filter),
            (menus.search_session, self.messages.search.setFocus),
            (menus.search_all, self.show_search),
            (menus.keep_index, self.set_keep_index),
            (menus.last_item, self.messages.jump_to_end),
            (menus.transcript, lambda: self._show_detail(json=False)),
            (menus.json, lambda: self._show_detail(json=True)),
            (menus.stats, lambda: self.side_tabs.setCurrentWidget(self.stats)),
            (menus.copy_item, self.detail.copy_to_clipboard),
            (menus.unlock, self.unlocker.unlock_current),
            (menus.forget_keys, self.unlocker.forget_keys),
            (menus.preferences, self.edit_preferences),
            (menus.check_store, self.doctor.check_current),
            (menus.check_folder, self.doctor.check_folder),
        ]
        for action, slot in slots:
            action.triggered.connect(slot)
        self.choices = ViewChoices(self.settings, menus, self.sessions)

    def _connect(self) -> None:
        self.opener.folderChosen.connect(self.open_folder)
        self.opener.demoReady.connect(self.open_folder)
        self.opener.filesChosen.connect(self.open_files)
        self.opener.filesChecked.connect(self._on_files_checked)
        self.opener.failed.connect(self.notice.error)
        self.messages.filterChanged.connect(self.detail.clear)
        self.messages.rowFocused.connect(lambda: self.side_tabs.setCurrentWidget(self.detail))
        self.scanner.scanned.connect(self.feed.add)
        self.feed.listed.connect(self._on_listed)
        self.scanner.removed.connect(self._on_removed)
        self.scanner.scanned.connect(self.indexer.note_changes)
        self.scanner.removed.connect(self.indexer.note_changes)
        self.search_panel.hitChosen.connect(self.view.open_hit)
        self.context_menus = ContextMenus.of_window(self)
        listed = lambda: list(self.session_model.listed_sessions().values())  # noqa: E731
        self.tools = SessionTools(self, self.message_model, listed)
        self.messages.compareAsked.connect(self.tools.compare_branches)
        self.notes = SessionNotesController.of_window(self)
        self.menus.compare_with.triggered.connect(self.tools.ask_compare)
        self.scanner.scanStarted.connect(self.update_status)
        self.scanner.scanFinished.connect(self._on_scan_finished)
        self.scanner.failed.connect(
            lambda message: self.notice.error(f"Could not read the folder: {message}")
        )
        self.message_model.loadFailed.connect(self._on_load_failed)
        self.runner.succeeded.connect(self._on_operation_done)
        self.runner.succeeded.connect(self.scratch.on_operation_done)
        self.runner.failed.connect(self.notice.error)
        self.runner.cancelled.connect(self.notice.show_message)
        self.runner.finished.connect(self.follower.changed)
        self.runner.finished.connect(self.file_only.reapply)

    # --- what the Operations and Scratch menus use (host.WindowHost)

    @property
    def store_paths(self) -> list[Path]:
        return self.scanner.store_paths

    def dialog_parent(self) -> QWidget:
        return self

    def current_session(self) -> SessionInfo | None:
        return self.sessions.current()

    def shown_branch(self, info: SessionInfo) -> str | None:
        model = self.message_model
        shown = (model.db_path, model.session_id) == (info.db_path, info.session_id)
        return model.filter.branch if shown and self.messages.branches else None

    def list_scratch(self, scan: StoreScan) -> None:
        self.session_model.apply_scratch(scan)

    def unlist_store(self, path: Path) -> None:
        self.session_model.remove_path(path)

    def follow(self, info: SessionInfo, db_path: Path, session_id: str) -> None:
        self.follower.expect(info, db_path, session_id)

    def reopen_session(self, info: SessionInfo) -> None:
        if self.message_model.db_path != info.db_path:
            return
        self.detail.close_session()
        self.detail.set_session(info)
        self.message_model.open_session(info.db_path, info.session_id, self.message_model.filter)

    # --- opening things

    def open_folder(self, path: str | Path) -> None:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            self.notice.warn(f"Not opened: {folder} is not a folder.")
            return
        self.server.close()
        self.folder, self.files = folder.resolve(), []
        log.info("Opened folder %s", self.folder)
        # Reading starts first; its results are delivered once the views are reset.
        self.scanner.watch_folder(self.folder)
        self._reset_views(self.folder)
        self.setWindowTitle(f"{self.folder.name} — Agency Desktop")
        self.settings.remember_folder(self.folder)
        self.menus.show_recent(self.settings.recent_folders, self.open_folder)
        self.stats.set_folder(self.folder, None)
        if self.folder == demo_dir().resolve():
            self.notice.show_message(
                DEMO_NOTICE, actions=[NoticeAction("Open Folder…", self.menus.open_folder.trigger)]
            )
        self.folderOpened.emit(str(self.folder))

    def open_paths(self, paths: list[str]) -> None:
        """What the command line or a file manager gave: the first folder, and any stores;
        or a server store's URL (the first), which then is all that is shown."""
        if urls := [p for p in paths if is_url(p)]:
            self.server.open(urls[0])
            return
        folders = [p for p in paths if Path(p).is_dir()]
        if folders:
            self.open_folder(folders[0])
        if files := [p for p in paths if not Path(p).is_dir()]:
            self.open_files(files)

    def open_files(self, paths: Iterable[str | Path]) -> None:
        """Open single stores; anything that is not a readable store is named in a notice."""
        files = [Path(p).expanduser().resolve() for p in paths]
        folders = [f for f in files if f.is_dir()]
        if folders:
            self.open_folder(folders[0])
            files = [f for f in files if not f.is_dir()]
            if not files:
                return
        self.opener.check_files(files)

    def _on_files_checked(self, checked: list[tuple[StoreScan, Signature | None]]) -> None:
        readable = [(scan, sig) for scan, sig in checked if scan.problem is None]
        bad = [scan.problem.message for scan, _ in checked if scan.problem is not None]
        if bad:
            self.notice.warn("Not opened: " + "; ".join(bad))
        if not readable:
            return
        good = [scan.path for scan, _ in readable]
        log.info("Opened %d store file(s): %s", len(good), ", ".join(map(str, good)))
        self.server.close()
        self.folder, self.files = None, good
        self._reset_views(None)
        # The check read them already: list those scans now instead of reading them again.
        known = {scan.path: sig for scan, sig in readable if sig is not None}
        self.scanner.watch_files(good, known)
        self.feed.add([scan for scan, _ in readable])
        title = good[0].name if len(good) == 1 else f"{counted(len(good), 'store')}"
        self.setWindowTitle(f"{title} — Agency Desktop")
        self.stats.set_folder(good[0].parent, good)
        self.filesOpened.emit([str(p) for p in good])

    def _reset_views(self, root: Path | None) -> None:
        self.pages.setCurrentWidget(self.splitter)
        self.search_panel.set_folder(root)
        self.session_model = self.sessions.renew_model(root)
        self.feed.restart(self.session_model)
        self.sessions.show_empty_hint(None)
        self.view.reset()
        self.update_status()

    def _open_default(self, demo_only: bool = False) -> None:
        """The folder of the settings; the demo when there is none (the first start)."""
        wanted = self.settings.start_folder or self.settings.last_folder
        if not demo_only and wanted is not None:
            if wanted.is_dir():
                self.open_folder(wanted)
            else:
                self.welcome.show()
                self.notice.warn(f"{wanted} is no longer there: open another folder.")
            return
        if demo_dir().is_dir():
            self.open_folder(demo_dir())
            return
        self.status_label.setText("Preparing the demo folder (first run)…")
        self.opener.prepare_demo()

    def close_folder(self) -> None:
        """Nothing open any more: the welcome page, until a folder or store is opened."""
        self.scanner.stop()
        self.server.close()
        self.folder, self.files = None, []
        self.notice.hide()  # about what was open
        self._reset_views(None)
        self.stats.set_folder(None, [])
        self.setWindowTitle("Agency Desktop")
        self.welcome.show()

    def show_server(self, shown: str, key: Path) -> None:
        """Files out, a server store's sessions in (`server_view` lists them)."""
        self.scanner.stop()
        self.folder, self.files = None, []
        self._reset_views(None)
        self.setWindowTitle(f"{shown} — Agency Desktop")
        self.stats.set_folder(None, [])
        self.stats.set_store(key)
        self.search_panel.set_folder(None, server=key)

    def refresh(self) -> None:
        if self.server.is_open:
            self.server.refresh()
        else:
            self.scanner.rescan(full=True)

    # --- scanning

    def _on_listed(self) -> None:
        self.update_status()
        self.sessions.show_empty_hint(None)
        self.follower.listed(final=not (self.scanner.busy or self.feed.pending))
        self.view.select_first_if_none()

    def _on_removed(self, paths: list[Path]) -> None:
        for path in paths:
            self.session_model.remove_path(path)
        if gone := self.view.show_removed(paths):
            self.notice.warn(f"{gone} was removed from disk.")
        self.update_status()

    def set_keep_index(self, keep: bool) -> None:
        self.settings.keep_index = keep
        self.indexer.keep(keep)

    def _on_scan_finished(self) -> None:
        self.indexer.scan_finished()
        self.update_status()
        empty = self.folder is not None and self.session_model.rowCount() == 0
        self.sessions.show_empty_hint(self.folder if empty and not self.feed.pending else None)
        self.follower.listed(final=not self.feed.pending)
        self.stats.set_folder(
            self.folder or (self.files[0].parent if self.files else None), self.scanner.store_paths
        )

    def update_status(self) -> None:
        where = str(self.folder) if self.folder else ", ".join(p.name for p in self.files)
        model, busy = self.session_model, self.scanner.busy or self.server.busy
        where = where or self.server.shown
        self.status_label.setText(
            listing_status(model.session_count(), model.problem_count(), where, busy)
        )

    # --- sessions and messages

    def _on_load_failed(self, message: str) -> None:
        """While an operation runs or its rescan is awaited, the follower decides."""
        if self.runner.busy or self.follower.awaiting:
            self.follower.changed(read_failed=True)
        else:
            self.notice.error(message)

    def show_search(self) -> None:
        self.left_tabs.setCurrentWidget(self.search_panel)
        self.search_panel.query.setFocus()
        self.search_panel.query.selectAll()

    def _on_operation_done(self, summary: str, result: object) -> None:
        from .result_actions import result_actions  # imports ops: loaded by now

        self.notice.success(summary, result_actions(result))
        self.scanner.rescan()

    def _show_detail(self, json: bool) -> None:
        self.side_tabs.setCurrentWidget(self.detail)
        self.detail.show_json(json)

    def edit_preferences(self) -> None:
        from .preferences_editor import edit_preferences

        self.preferences_dialog = edit_preferences(self)

    # --- drag and drop

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if not (paths := dropped_paths(event.mimeData())):
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_files(paths)

    # --- state

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.save_shape(self, self.splitter, self.session_view.horizontalHeader())
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every thread this window started; safe to call twice."""
        self.operations_menu.shutdown()
        self.indexer.stop()
        self.search_panel.shutdown()
        self.scanner.stop()
        self.stats.shutdown()
        self.messages.shutdown()
        self.message_model.shutdown()
        self.workers.shutdown()
        self.notes.shutdown()
        self.scratch.shutdown()
