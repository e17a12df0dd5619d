"""The main window: sessions on the left, the open session's messages, the item and stats."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..search.index import SearchIndex
from ..search.records import SearchHit
from ..stores.items import ItemKind
from ..stores.listing import StoreScan, scan_store
from ..stores.paging import MessageFilter
from ..stores.records import SessionInfo
from ..stores.scan_cache import ScanCache
from ..stores.signatures import Signature, file_signature, is_settled
from ..util import logs
from ..util.logs import log
from ..util.paths import demo_dir
from . import lifetime
from .crash_reporter import CrashReporter
from .folder_scanner import FolderScanner
from .gil import with_gui_turns
from .models.base import swap_source
from .models.message_table import Column as MessageColumn
from .models.message_table import MessageTableModel
from .models.message_table import Role as MessageRole
from .models.session_list import Column as SessionColumn
from .models.session_list import Role as SessionRole
from .models.session_list import SessionFilterProxy, SessionListModel
from .operation_runner import OperationRunner
from .operations_menu import OperationsMenu
from .scratch import ScratchController
from .search_indexer import SearchIndexer
from .search_panel import SearchPanel
from .unlocking import Unlocker
from .widgets.message_detail import MessageDetail
from .widgets.progress_strip import ProgressStrip
from .widgets.stats_panel import StatsPanel
from .workers import Worker, WorkerPool

if TYPE_CHECKING:
    from .operations import OperationsController

SETTINGS_ORG, SETTINGS_APP = "AgencyDesktop", "agency-desktop"
DEBUG_LOG_SETTING = "logging/debug"
MAX_RECENT = 8
SEARCH_DELAY_MS = 300
WORKER_THREADS = 8
SCAN_SLICE = 24  # files shown per event-loop turn while a folder streams in
FIRST_SCAN_SLICE = 100
# The index is brought up to date this long after a scan that found changes: start-up
# and bursts of agent writes settle first, and one update covers them all.
INDEX_DELAY_MS = 3000
MESSAGE_COLUMN_WIDTHS = {
    MessageColumn.POSITION: 56,
    MessageColumn.TIME: 140,
    MessageColumn.KIND: 86,
    MessageColumn.TOOL: 96,
}
SESSION_COLUMN_WIDTHS = {
    SessionColumn.SESSION: 150,
    SessionColumn.FILE: 130,
    SessionColumn.ITEMS: 60,
    SessionColumn.SIZE: 70,
    SessionColumn.CREATED: 140,
    SessionColumn.LAST_ACTIVITY: 140,
    SessionColumn.KIND: 72,
}
STORE_FILTER = "Session stores (*.db *.sqlite *.sqlite3 *.db3);;All files (*)"


def app_settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, SETTINGS_ORG, SETTINGS_APP
    )


def _check_files(
    paths: list[Path], cache: ScanCache | None
) -> list[tuple[StoreScan, Signature | None]]:
    """Runs in a worker: each file's scan, and its signature taken before the scan (so a
    change during the scan still shows as a change to the scanner). A file the scan
    cache holds unchanged is not read: a store opened before opens at once."""
    checked = []
    with cache.opened() if cache is not None else contextlib.nullcontext() as remembered:
        for path in paths:
            signature = file_signature(path)
            settled = signature is not None and is_settled(signature)
            scan = remembered.lookup(path, signature) if remembered is not None else None
            if scan is None:
                scan = scan_store(path)
                if remembered is not None:
                    remembered.remember(scan, signature, settled)
            checked.append((scan, signature))
    return checked


def window_debug_logging() -> bool:
    """Whether the user turned debug logging on (Help menu), read before the window exists."""
    return bool(app_settings().value(DEBUG_LOG_SETTING, False, bool))


class Notice(QWidget):
    """A dismissible message bar over the top of the window (not a modal box).

    It floats over the panes instead of taking a place in the layout: showing it
    then repaints one bar, not every pane (charts included) below it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#notice { background: palette(tool-tip-base); border-bottom: 1px solid palette(mid); }"
        )
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.place()
        self.show()
        self.raise_()

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            width = parent.width()
            self.setGeometry(
                0,
                0,
                width,
                self.heightForWidth(width)
                if self.hasHeightForWidth()
                else self.sizeHint().height(),
            )


class MainWindow(QMainWindow):
    folderOpened = Signal(str)
    filesOpened = Signal(list)

    def __init__(
        self,
        folder: str | Path | None = None,
        settings: QSettings | None = None,
        *,
        restore: bool = True,
    ) -> None:
        """Opens `folder`; without one, the last folder (or the demo) unless restore is False."""
        super().__init__()
        self.setWindowTitle("Agency Desktop")
        self.resize(1440, 880)
        self.setAcceptDrops(True)
        self.settings = settings or app_settings()
        # More threads than cores: most workers wait on SQLite or on worker processes, and
        # a long one (a backup, the index) must not hold up a scan or a page of messages.
        self.workers = WorkerPool(self, max_threads=WORKER_THREADS)
        self.scanner = FolderScanner(self.workers, self, cache=ScanCache())
        self.folder: Path | None = None
        self.files: list[Path] = []
        self._select_first_when_scanned = True
        self._build_models()
        self._build_widgets()
        self._build_actions()
        self._connect()
        self._restore_geometry()
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

    def _build_models(self) -> None:
        self.session_model = SessionListModel(self)
        self.session_proxy = SessionFilterProxy(self)
        self.session_proxy.setSourceModel(self.session_model)
        self.message_model = MessageTableModel(self)

    def _build_widgets(self) -> None:
        self.notice = Notice()
        self.session_filter = QLineEdit(
            placeholderText="Filter sessions (Ctrl+F)", clearButtonEnabled=True
        )
        self.session_filter.setObjectName("sessionFilter")
        self.session_view = self._table("sessionList", self.session_proxy)
        self.session_view.setSortingEnabled(True)
        self.session_view.sortByColumn(SessionColumn.LAST_ACTIVITY, Qt.SortOrder.DescendingOrder)
        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("kindFilter")
        self.kind_filter.addItem("All kinds", None)
        for kind in ItemKind:
            self.kind_filter.addItem(kind.label.capitalize(), kind)
        self.message_search = QLineEdit(
            placeholderText="Search in this session (Ctrl+Shift+F)", clearButtonEnabled=True
        )
        self.message_search.setObjectName("messageSearch")
        self.end_button = QPushButton("Last item")
        self.end_button.setToolTip("Jump to the last item (Ctrl+End)")
        self.message_view = self._table("messageTable", self.message_model)
        for column, width in MESSAGE_COLUMN_WIDTHS.items():
            self.message_view.setColumnWidth(column, width)
        for session_column, width in SESSION_COLUMN_WIDTHS.items():
            self.session_view.setColumnWidth(session_column, width)
        self.message_info = QLabel()
        self.detail = MessageDetail(self.workers)
        self.stats = StatsPanel(self.workers)
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("sidePanel")
        self.side_tabs.addTab(self.detail, "Message")
        self.side_tabs.addTab(self.stats, "Stats")
        self.status_label = QLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self.progress_strip = ProgressStrip()
        self.statusBar().addPermanentWidget(self.progress_strip)
        self.runner = OperationRunner(self.workers, self.progress_strip, self)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._pending_scans: list[StoreScan] = []
        self._drain_timer = QTimer(self, interval=0)
        self._drain_timer.timeout.connect(self._drain_scans)
        self.indexer = SearchIndexer(self.workers, SearchIndex(), self)
        self.indexer.enabled = bool(self.settings.value("search/keepIndex", True, bool))
        self.search_panel = SearchPanel(
            self.workers, self.indexer, lambda: self.scanner.store_paths
        )
        self._index_timer = QTimer(self, singleShot=True, interval=INDEX_DELAY_MS)
        self._index_dirty = False
        self._lay_out()

    def _table(self, name: str, model: Any) -> QTableView:
        view = QTableView()
        view.setObjectName(name)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        view.verticalHeader().hide()
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setHighlightSections(False)
        return view

    def _lay_out(self) -> None:
        sessions = QWidget()
        left = QVBoxLayout(sessions)
        left.setContentsMargins(4, 4, 0, 4)
        left.addWidget(self.session_filter)
        left.addWidget(self.session_view)
        self.left_tabs = QTabWidget()
        self.left_tabs.setObjectName("leftPanel")
        self.left_tabs.addTab(sessions, "Sessions")
        self.left_tabs.addTab(self.search_panel, "Search")
        messages = QWidget()
        middle = QVBoxLayout(messages)
        middle.setContentsMargins(0, 4, 0, 4)
        tools = QHBoxLayout()
        tools.addWidget(self.kind_filter)
        tools.addWidget(self.message_search, 1)
        tools.addWidget(self.end_button)
        middle.addLayout(tools)
        middle.addWidget(self.message_view)
        middle.addWidget(self.message_info)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left_tabs)
        self.splitter.addWidget(messages)
        self.splitter.addWidget(self.side_tabs)
        self.splitter.setSizes([470, 520, 450])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.splitter, 1)
        self.notice.setParent(central)
        self.notice.hide()
        self.setCentralWidget(central)

    def _action(
        self, text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str | None, slot: Any
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.unlocker = Unlocker(self)
        menu = self.menuBar().addMenu("&File")
        self.open_folder_action = self._action(
            "Open &Folder…", QKeySequence.StandardKey.Open, self._choose_folder
        )
        self.open_files_action = self._action("Open &Store…", "Ctrl+Shift+O", self._choose_files)
        menu.addActions([self.open_folder_action, self.open_files_action])
        self.recent_menu = menu.addMenu("&Recent Folders")
        menu.addAction(
            self._action("Open &Demo Folder", None, lambda: self._open_default(demo_only=True))
        )
        menu.addSeparator()
        menu.addAction(
            self._action(
                "&Refresh", QKeySequence.StandardKey.Refresh, lambda: self.scanner.rescan(full=True)
            )
        )
        menu.addSeparator()
        menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close))
        view = self.menuBar().addMenu("&View")
        view.addAction(
            self._action(
                "Filter &Sessions", QKeySequence.StandardKey.Find, self._focus_session_filter
            )
        )
        view.addAction(
            self._action("Search in Session", "Ctrl+Shift+F", self.message_search.setFocus)
        )
        view.addAction(self._action("Search &All Sessions", "Ctrl+Shift+S", self.show_search))
        self.keep_index_action = self._action("&Keep a Search Index", None, self._set_keep_index)
        self.keep_index_action.setCheckable(True)
        self.keep_index_action.setChecked(self.indexer.enabled)
        self.keep_index_action.setToolTip(
            "Index the folder's text in the app's cache folder, so searches answer at once"
            " (turning it off deletes the index)"
        )
        view.addAction(self.keep_index_action)
        view.addAction(self._action("&Last Item", "Ctrl+End", self.jump_to_end))
        view.addAction(self._action("&Transcript", "Ctrl+T", lambda: self._show_detail(json=False)))
        view.addAction(self._action("&JSON", "Ctrl+J", lambda: self._show_detail(json=True)))
        view.addAction(
            self._action("S&tats", "Ctrl+I", lambda: self.side_tabs.setCurrentWidget(self.stats))
        )
        edit = self.menuBar().addMenu("&Edit")
        edit.addAction(self._action("&Copy Item", "Ctrl+Shift+C", self.detail.copy_to_clipboard))
        session = self.menuBar().addMenu("&Session")
        session.addAction(
            self._action("&Unlock Encrypted Session…", "Ctrl+U", self.unlocker.unlock_current)
        )
        session.addAction(self._action("&Forget Session Keys", None, self.unlocker.forget_keys))
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("Show &Log Folder", None, CrashReporter.show_log_folder))
        self.debug_log_action = self._action(
            "&Debug Logging (Logs May Hold Message Content)", None, self._set_debug_logging
        )
        self.debug_log_action.setCheckable(True)
        self.debug_log_action.setChecked(
            logs.env_debug() or bool(self.settings.value(DEBUG_LOG_SETTING, False, bool))
        )
        help_menu.addAction(self.debug_log_action)
        help_menu.addSeparator()
        help_menu.addAction(self._action("&About Agency Desktop", None, self._about))
        self._refresh_recent_menu()
        self.operations_menu = OperationsMenu(self)
        self.menuBar().insertMenu(help_menu.menuAction(), self.operations_menu.menu)
        self.scratch = ScratchController(self)
        self.menuBar().insertMenu(help_menu.menuAction(), self.scratch.menu)

    def _connect(self) -> None:
        self.session_filter.textChanged.connect(self.session_proxy.setFilterFixedString)
        self.session_view.selectionModel().currentRowChanged.connect(self._on_session_selected)
        self.message_view.selectionModel().currentRowChanged.connect(self._on_message_selected)
        self.message_view.verticalScrollBar().valueChanged.connect(self._on_message_scrolled)
        self.kind_filter.currentIndexChanged.connect(self._apply_message_filter)
        self.message_search.textChanged.connect(lambda _text: self._search_timer.start())
        self._search_timer.timeout.connect(self._apply_message_filter)
        self.end_button.clicked.connect(self.jump_to_end)
        self.scanner.scanned.connect(self._on_scanned)
        self.scanner.removed.connect(self._on_removed)
        self.scanner.scanned.connect(self._mark_index_dirty)
        self.scanner.removed.connect(self._mark_index_dirty)
        self._index_timer.timeout.connect(self._update_index)
        self.search_panel.hitChosen.connect(self.open_hit)
        self.message_model.rowFocused.connect(self._on_row_focused)
        self.scanner.scanStarted.connect(self._update_status)
        self.scanner.scanFinished.connect(self._on_scan_finished)
        self.scanner.failed.connect(
            lambda message: self.notice.show_message(f"Could not read the folder: {message}")
        )
        self.message_model.sessionOpened.connect(self._on_session_opened)
        self.message_model.pageLoaded.connect(self._on_page_loaded)
        self.message_model.jumpedToEnd.connect(self._on_jumped_to_end)
        self.message_model.rowsPrepended.connect(self._on_rows_prepended)
        self.message_model.loadFailed.connect(self.notice.show_message)
        self.runner.succeeded.connect(self._on_operation_done)
        self.runner.succeeded.connect(self.scratch.on_operation_done)
        self.runner.failed.connect(self.notice.show_message)
        self.runner.cancelled.connect(self.notice.show_message)

    # --- opening things

    def open_folder(self, path: str | Path) -> None:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            self.notice.show_message(f"Not opened: {folder} is not a folder.")
            return
        self.folder, self.files = folder.resolve(), []
        log.info("Opened folder %s", self.folder)
        # Reading starts first; its results are delivered once the views are reset.
        self.scanner.watch_folder(self.folder)
        self._reset_views(self.folder)
        self.setWindowTitle(f"{self.folder.name} — Agency Desktop")
        self._remember_folder(self.folder)
        self.stats.set_folder(self.folder, [])
        self.folderOpened.emit(str(self.folder))

    def open_files(self, paths: Iterable[str | Path]) -> None:
        """Open single stores; anything that is not a readable store is named in a notice."""
        files = [Path(p).expanduser().resolve() for p in paths]
        folders = [f for f in files if f.is_dir()]
        if folders:
            self.open_folder(folders[0])
            files = [f for f in files if not f.is_dir()]
            if not files:
                return
        worker = Worker(_check_files, files, self.scanner.cache)
        worker.signals.returned.connect(self._on_files_checked)
        worker.signals.errored.connect(
            lambda exc: self.notice.show_message(f"Could not open: {exc}")
        )
        self.workers.start(worker)

    def _on_files_checked(self, checked: list[tuple[StoreScan, Signature | None]]) -> None:
        readable = [(scan, sig) for scan, sig in checked if scan.problem is None]
        bad = [scan.problem.message for scan, _ in checked if scan.problem is not None]
        if bad:
            self.notice.show_message("Not opened: " + "; ".join(bad))
        if not readable:
            return
        good = [scan.path for scan, _ in readable]
        log.info("Opened %d store file(s): %s", len(good), ", ".join(map(str, good)))
        self.folder, self.files = None, good
        self._reset_views(None)
        # The check read them already: list those scans now instead of reading them again.
        known = {scan.path: sig for scan, sig in readable if sig is not None}
        self.scanner.watch_files(good, known)
        self._on_scanned([scan for scan, _ in readable])
        title = good[0].name if len(good) == 1 else f"{len(good)} stores"
        self.setWindowTitle(f"{title} — Agency Desktop")
        self.stats.set_folder(good[0].parent, good)
        self.filesOpened.emit([str(p) for p in good])

    def _reset_views(self, root: Path | None) -> None:
        self.search_panel.set_folder(root)
        self._select_first_when_scanned = True
        self._pending_scans = []
        self._renew_session_model(root)
        self.message_model.close_session()
        self.detail.clear()
        self.stats.set_session(None, None)
        self._update_status()

    def _open_default(self, demo_only: bool = False) -> None:
        last = str(self.settings.value("lastFolder", "", str))
        if not demo_only and last and Path(last).is_dir():
            self.open_folder(last)
            return
        if demo_dir().is_dir():
            self.open_folder(demo_dir())
            return
        self.status_label.setText("Preparing the demo folder (first run)…")
        from ..ops.demo import ensure_demo_folder  # imports the SDK, so only in the worker's path

        worker = Worker(ensure_demo_folder)
        worker.signals.returned.connect(self.open_folder)
        worker.signals.errored.connect(
            lambda exc: self.notice.show_message(f"Could not write the demo folder: {exc}")
        )
        self.workers.start(worker)

    def _choose_folder(self) -> None:
        start = str(self.folder or Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Open a folder of session stores", start)
        if chosen:
            self.open_folder(chosen)

    def _choose_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(
            self, "Open session stores", str(self.folder or Path.home()), STORE_FILTER
        )
        if chosen:
            self.open_files(chosen)

    # --- recent folders

    def _remember_folder(self, folder: Path) -> None:
        recent = [str(folder)] + [f for f in self.recent_folders() if f != str(folder)]
        self.settings.setValue("recentFolders", recent[:MAX_RECENT])
        self.settings.setValue("lastFolder", str(folder))
        self._refresh_recent_menu()

    def recent_folders(self) -> list[str]:
        value = self.settings.value("recentFolders", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for folder in self.recent_folders():
            action = self.recent_menu.addAction(folder)
            action.triggered.connect(lambda _checked=False, f=folder: self.open_folder(f))
        self.recent_menu.setEnabled(bool(self.recent_folders()))

    # --- scanning

    def _on_scanned(self, scans: list[StoreScan]) -> None:
        # Taken a slice per event-loop turn, so a burst of results never stalls painting.
        self._pending_scans.extend(scans)
        if self.session_model.rowCount() == 0:
            self._drain_scans()  # the first rows of a folder: no turn of the loop to wait for
        if self._pending_scans and not self._drain_timer.isActive():
            self._drain_timer.start()

    @with_gui_turns
    def _drain_scans(self) -> None:
        # The first screenful goes in one turn (a few ms): what shows first is what counts.
        size = FIRST_SCAN_SLICE if self.session_model.rowCount() < FIRST_SCAN_SLICE else SCAN_SLICE
        batch, self._pending_scans = self._pending_scans[:size], self._pending_scans[size:]
        if not self._pending_scans:
            self._drain_timer.stop()
        self.session_model.apply_scans(batch)
        self._update_status()
        if self._select_first_when_scanned and self.session_view.currentIndex().row() < 0:
            self._select_first_session()

    @property
    def has_pending_scans(self) -> bool:
        """Scan results received but not listed yet."""
        return bool(self._pending_scans)

    def _on_removed(self, paths: list[Path]) -> None:
        for path in paths:
            self.session_model.remove_path(path)
        gone = self.message_model.db_path
        if gone in paths:
            self.message_model.close_session()
            self.detail.clear()
            self.notice.show_message(f"{gone} was removed from disk.")
        self._update_status()

    def _mark_index_dirty(self, changes: list[Any]) -> None:
        if changes:
            self._index_dirty = True

    def _update_index(self) -> None:
        if self._index_dirty:
            self._index_dirty = False
            self.indexer.update(self.scanner.store_paths)

    def _set_keep_index(self, keep: bool) -> None:
        self.settings.setValue("search/keepIndex", keep)
        self.indexer.set_enabled(keep)
        if keep:
            self.indexer.update(self.scanner.store_paths)

    def _on_scan_finished(self) -> None:
        if self._index_dirty:
            self._index_timer.start()
        self._update_status()
        self.stats.set_folder(
            self.folder or (self.files[0].parent if self.files else None), self.scanner.store_paths
        )

    def _select_first_session(self) -> None:
        for row in range(self.session_proxy.rowCount()):
            index = self.session_proxy.index(row, 0)
            if index.data(SessionRole.INFO) is not None:
                self._select_first_when_scanned = False
                self.session_view.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                return

    def _renew_session_model(self, root: Path | None) -> None:
        old = self.session_model
        self.session_model = swap_source(self.session_proxy, old, old.renewed(root))

    def _update_status(self) -> None:
        model = self.session_model
        where = str(self.folder) if self.folder else ", ".join(p.name for p in self.files)
        text = f"{model.session_count():,} sessions · {where}"
        if model.problem_count():
            text += f" · {model.problem_count()} files not readable"
        if self.scanner.busy:
            text += " · scanning…"
        self.status_label.setText(text)

    # --- sessions and messages

    def current_session(self) -> SessionInfo | None:
        index = self.session_view.currentIndex()
        return index.siblingAtColumn(0).data(SessionRole.INFO) if index.isValid() else None

    def _on_session_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        info: SessionInfo | None = (
            current.siblingAtColumn(0).data(SessionRole.INFO) if current.isValid() else None
        )
        if info is None:
            if current.isValid():
                self.notice.show_message(
                    str(current.siblingAtColumn(0).data(Qt.ItemDataRole.ToolTipRole))
                )
            return
        if (self.message_model.db_path, self.message_model.session_id) == (
            info.db_path,
            info.session_id,
        ):
            return
        self._select_first_when_scanned = False
        self.detail.clear()
        self.message_model.open_session(
            info.db_path,
            info.session_id,
            self._message_filter(),
            known=(info.message_count, info.last_message_id),
        )
        self.stats.set_session(info.db_path, info.session_id)
        self.search_panel.set_session(info.db_path, info.session_id)

    def _message_filter(self) -> MessageFilter:
        kind = self.kind_filter.currentData()  # Qt hands a StrEnum back as a plain str
        kinds = frozenset({ItemKind(kind)}) if kind else None
        return MessageFilter(kinds=kinds, text=self.message_search.text().strip())

    def _apply_message_filter(self) -> None:
        self.message_model.set_filter(self._message_filter())
        self.detail.clear()

    def _on_session_opened(self, total: int) -> None:
        noun = "items match" if self.message_model.filter.active else "items"
        self.message_info.setText(f"{total:,} {noun}")

    def _on_message_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.data(MessageRole.ROW) if current.isValid() else None
        model = self.message_model
        if row is not None and model.db_path is not None and model.session_id is not None:
            self.detail.show_row(model.db_path, model.session_id, row)

    def _on_message_scrolled(self, value: int) -> None:
        if (
            value == self.message_view.verticalScrollBar().minimum()
            and not self.message_model.at_start
        ):
            self.message_model.fetch_earlier()

    def _on_rows_prepended(self, count: int) -> None:
        bar = self.message_view.verticalScrollBar()
        bar.setValue(bar.value() + count)

    def show_search(self) -> None:
        self.left_tabs.setCurrentWidget(self.search_panel)
        self.search_panel.query.setFocus()
        self.search_panel.query.selectAll()

    def open_hit(self, hit: SearchHit) -> None:
        """Open a search result's session with its item loaded, selected and in view."""
        model = self.message_model
        if (model.db_path, model.session_id) == (
            hit.path,
            hit.session_id,
        ) and not model.filter.active:
            model.focus_row(hit.row_id)
            return
        for widget in (self.kind_filter, self.message_search):
            widget.blockSignals(True)
        self.kind_filter.setCurrentIndex(0)
        self.message_search.clear()
        for widget in (self.kind_filter, self.message_search):
            widget.blockSignals(False)
        self.detail.clear()
        model.open_session(hit.path, hit.session_id, MessageFilter(), at_row_id=hit.row_id)
        self.stats.set_session(hit.path, hit.session_id)
        self.search_panel.set_session(hit.path, hit.session_id)
        self._select_listed_session(hit.path, hit.session_id)

    def _select_listed_session(self, path: Path, session_id: str) -> None:
        """Show which session is open in the list too (it is already open: nothing reloads)."""
        for row in range(self.session_proxy.rowCount()):
            index = self.session_proxy.index(row, 0)
            info = index.data(SessionRole.INFO)
            if info is not None and (info.db_path, info.session_id) == (path, session_id):
                self._select_first_when_scanned = False
                self.session_view.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                return

    def _on_row_focused(self, number: int) -> None:
        index = self.message_model.index(number, 0)
        self.message_view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.message_view.setCurrentIndex(index)
        self.side_tabs.setCurrentWidget(self.detail)

    def jump_to_end(self) -> None:
        self.message_model.jump_to_end()

    def _on_page_loaded(self) -> None:
        if self.message_model.rowCount() and self.message_view.currentIndex().row() < 0:
            self.message_view.setCurrentIndex(self.message_model.index(0, 0))

    def _on_jumped_to_end(self) -> None:
        last = self.message_model.index(self.message_model.rowCount() - 1, 0)
        if last.isValid():
            self.message_view.scrollTo(last)
            self.message_view.setCurrentIndex(last)

    def _on_operation_done(self, summary: str, _result: object) -> None:
        self.notice.show_message(summary)
        self.scanner.rescan()

    def _show_detail(self, json: bool) -> None:
        self.side_tabs.setCurrentWidget(self.detail)
        self.detail.show_json(json)

    def _focus_session_filter(self) -> None:
        self.session_filter.setFocus()
        self.session_filter.selectAll()

    def _set_debug_logging(self, on: bool) -> None:
        self.settings.setValue(DEBUG_LOG_SETTING, on)
        logs.configure(debug=on)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Agency Desktop",
            f"Agency Desktop {__version__}\n\nBrowse, read and look after OpenAI Agents SDK session stores.",
        )

    # --- drag and drop

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_files(paths)

    # --- state

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.settings.value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.notice.place()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.sync()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every thread this window started; safe to call twice."""
        self.operations_menu.shutdown()
        self._index_timer.stop()
        self.indexer.stop()
        self.search_panel.shutdown()
        self.scanner.stop()
        self.message_model.shutdown()
        self.workers.shutdown()
        self.scratch.shutdown()
