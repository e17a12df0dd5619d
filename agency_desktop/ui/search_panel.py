"""Search every session of the open folder (or the open session) as you type.

The search runs in a worker; results arrive in batches and are listed a slice per
event-loop turn, so a query matching thousands of items never stalls painting.
Choosing a result opens its session at that item.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..search.records import MAX_HITS, SearchFilter, SearchHit, UnsearchableFile
from ..search.text import Query
from ..stores.items import ItemKind
from ..util.formatting import counted
from .gil import with_gui_turns
from .models.base import swap_source
from .models.search_results import (
    RELEVANCE,
    SORT,
    Column,
    SearchResultsModel,
    SearchResultsProxy,
)
from .search_indexer import SearchIndexer
from .widgets.highlight_delegate import install as install_highlighter
from .widgets.tables import narrow_combo, row_table
from .workers import Worker, WorkerPool

TYPING_DELAY_MS = 250
LIST_SLICE = 40  # results listed per event-loop turn (each makes six cells in Python)
FOLDER, SESSION = "folder", "session"
_ANY_DATE = QDate(2000, 1, 1)
COLUMN_WIDTHS = {
    Column.MATCH: 260,
    Column.SESSION: 120,
    Column.KIND: 80,
    Column.TIME: 140,
    Column.TOOL: 90,
}


def _search(*args: Any) -> Iterator[Any]:
    """search_files, imported when first used: it brings in the worker processes'
    machinery (multiprocessing), which start-up can do without."""
    from ..search.folder import search_files

    yield from search_files(*args)


def _search_server(key: Path, query: Query, search_filter: SearchFilter) -> Iterator[Any]:
    """A server store's items, read on the server (search/server.py: no local index); a
    driver's message may carry the URL as typed, so errors are the core's, masked."""
    from ..search.server import search_store
    from .server_locations import location_of, open_location
    from .server_store import masked

    url = str(location_of(key))
    yield from masked(url, lambda: search_store(open_location(key), query, search_filter))


# How results can be ordered: (label, column, sort role, order).
ORDERS = (
    ("Newest first", Column.TIME, SORT, Qt.SortOrder.DescendingOrder),
    ("By store and item", Column.FILE, SORT, Qt.SortOrder.AscendingOrder),
    ("Most relevant first", Column.MATCH, RELEVANCE, Qt.SortOrder.DescendingOrder),
)


class SearchPanel(QWidget):
    hitChosen = Signal(object)  # SearchHit
    menuAsked = Signal(object, object)  # SearchHit, global position

    def __init__(
        self,
        workers: WorkerPool,
        indexer: SearchIndexer,
        folder_files: Callable[[], list[Path]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self.indexer = indexer
        self._folder_files = folder_files
        self._root: Path | None = None
        self._server: Path | None = None  # the key of the server store shown, if one is
        self._session: tuple[Path, str] | None = None
        self._worker: Worker | None = None
        self._pending: list[SearchHit] = []
        self._skipped: list[UnsearchableFile] = []
        self._started = 0.0
        self._index_state = ""
        self.model = SearchResultsModel(self)
        self.proxy = SearchResultsProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        self._connect()

    # --- construction

    def _build(self) -> None:
        self.query = QLineEdit(placeholderText="Search all sessions", clearButtonEnabled=True)
        self.query.setObjectName("folderSearch")
        self.query.setAccessibleName("Search all sessions")
        self.scope = QComboBox()
        self.scope.addItem("Whole folder", FOLDER)
        self.scope.addItem("Open session", SESSION)
        self.kind = QComboBox()
        self.kind.addItem("All kinds", None)
        for kind in ItemKind:
            self.kind.addItem(kind.label.capitalize(), kind)
        self.tool = QComboBox()
        self.tool.addItem("Any tool", None)
        self.since = self._date_edit("From this day (any: no lower bound)", "Results from")
        self.until = self._date_edit(
            "Up to and including this day (any: no upper bound)", "Results up to"
        )
        self.rebuild = QToolButton()
        self.rebuild.setText("Rebuild index")
        self.rebuild.setToolTip("Throw the search index away and build it again from the files")
        self.results = self._results_table()
        self.order = QComboBox()
        self.order.setObjectName("searchOrder")
        self.order.setAccessibleName("Order of results")
        self.order.setPlaceholderText("As sorted by the column")
        for label, *_how in ORDERS:
            self.order.addItem(label)
        self.status = QLabel()
        self.status.setWordWrap(True)
        filters = QHBoxLayout()
        for widget in (self.scope, self.kind, self.tool):
            filters.addWidget(widget, 1)
        dates = QHBoxLayout()
        for part in (QLabel("From"), self.since, QLabel("to"), self.until):
            dates.addWidget(part)
        dates.addStretch(1)
        order = QHBoxLayout()
        order.addWidget(QLabel("Order"))
        order.addWidget(self.order, 1)  # a row of its own: the panel stays narrow at 200%
        for combo in (self.scope, self.kind, self.tool, self.order):
            narrow_combo(combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 0, 4)
        layout.addWidget(self.query)
        layout.addLayout(filters)
        layout.addLayout(dates)
        layout.addLayout(order)
        layout.addWidget(self.results, 1)
        bottom = QGridLayout()
        bottom.addWidget(self.status, 0, 0)
        bottom.addWidget(self.rebuild, 0, 1, Qt.AlignmentFlag.AlignTop)
        bottom.setColumnStretch(0, 1)
        layout.addLayout(bottom)
        self._typing = QTimer(self, singleShot=True, interval=TYPING_DELAY_MS)
        self._lister = QTimer(self, interval=0)

    def _results_table(self) -> QTableView:
        results = row_table("searchResults", self.proxy, COLUMN_WIDTHS)
        results.setAccessibleName("Search results")
        results.setSortingEnabled(True)
        results.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
        results.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.highlighter = install_highlighter(results, Column.MATCH)
        return results

    def _date_edit(self, tip: str, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setAccessibleName(name)
        edit.setCalendarPopup(True)
        edit.setMinimumDate(_ANY_DATE)
        edit.setSpecialValueText("any day")
        edit.setDate(_ANY_DATE)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setToolTip(tip)
        return edit

    def _connect(self) -> None:
        self.query.textChanged.connect(lambda _text: self._typing.start())
        self.query.returnPressed.connect(self.search)
        self._typing.timeout.connect(self.search)
        for combo in (self.scope, self.kind, self.tool):
            combo.currentIndexChanged.connect(self.search)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self.search)
        self._lister.timeout.connect(self._list_slice)
        self.results.selectionModel().currentRowChanged.connect(self._on_current)
        self.results.activated.connect(self._on_current)
        self.results.customContextMenuRequested.connect(self._on_menu_asked)
        self.order.currentIndexChanged.connect(self._apply_order)
        self.results.horizontalHeader().sectionClicked.connect(self._on_header_clicked)
        self.rebuild.clicked.connect(lambda: self.indexer.rebuild(self._folder_files()))
        self.indexer.progressed.connect(self._on_index_progress)
        self.indexer.updated.connect(self._on_index_updated)
        self.indexer.failed.connect(lambda message: self._set_index_state(f"Index: {message}"))

    # --- what is searched

    def set_folder(self, root: Path | None, server: Path | None = None) -> None:
        """A new folder, set of files or server store (`server`: its sessions' key): old
        results no longer apply."""
        self._root, self._server = root, server
        self._stop()
        self._fresh_results(root)
        self.query.clear()

    def set_session(self, db_path: Path | None, session_id: str | None) -> None:
        self._session = (db_path, session_id) if db_path and session_id else None
        if self.scope.currentData() == SESSION and self.query.text().strip():
            self.search()

    def search_filter(self) -> SearchFilter:
        since, until = self._day_bound(self.since), self._day_bound(self.until)
        kind = self.kind.currentData()  # Qt hands a StrEnum back as a plain str
        return SearchFilter(
            kinds=frozenset({ItemKind(kind)}) if kind else None,
            tool=self.tool.currentData(),
            since=since,
            until=until + timedelta(days=1) if until else None,
            session_id=self._session[1] if self._session and self._in_session else None,
        )

    @property
    def _in_session(self) -> bool:
        return bool(self.scope.currentData() == SESSION)

    @staticmethod
    def _day_bound(edit: QDateEdit) -> datetime | None:
        day = edit.date()
        if day == _ANY_DATE:
            return None
        return datetime(day.year(), day.month(), day.day()).astimezone()  # local midnight

    def _files(self) -> list[Path] | None:
        if not self._in_session:
            return self._folder_files()
        return [self._session[0]] if self._session else None

    def _fresh_results(self, root: Path | None) -> None:
        """An empty result list, swapped in at once; the old one (up to 5,000 results,
        30,000 cells) is emptied a slice per turn, as clearing it at once stalls painting."""
        fresh = SearchResultsModel(self)
        fresh.reset(root)
        self.model = swap_source(self.proxy, self.model, fresh)

    # --- searching

    def search(self) -> None:
        self._stop()
        self._fresh_results(self._root)
        self._skipped = []
        query = Query.parse(self.query.text())
        self.model.query = query
        self.highlighter.set_terms(query.terms)
        files = [self._server] if self._server is not None else self._files()
        if query.empty:
            self.status.setText(self._index_state)
            return
        if files is None or (self._in_session and self._session is None):
            self.status.setText("Open a session to search in it.")
            return
        self._started = time.monotonic()
        if self._server is not None:
            worker = Worker(_search_server, self._server, query, self.search_filter())
        else:
            worker = Worker(_search, files, query, self.search_filter(), self.indexer.usable_index)
        worker.signals.yielded.connect(lambda batch, w=worker: self._on_results(w, batch))
        worker.signals.returned.connect(lambda _result, w=worker: self._on_done(w))
        worker.signals.errored.connect(lambda exc, w=worker: self._on_failed(w, exc))
        self._worker = self._workers.start(worker)
        where = self._server or counted(len(files), "file")
        self.status.setText(f"Searching {where}…")

    def _stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        self._pending = []
        self._lister.stop()

    def _on_results(self, worker: Worker, batch: list[Any]) -> None:
        if worker is not self._worker:
            return
        self._pending += [r for r in batch if isinstance(r, SearchHit)]
        self._skipped += [r for r in batch if isinstance(r, UnsearchableFile)]
        if not self._lister.isActive():
            self._lister.start()

    @with_gui_turns
    def _list_slice(self) -> None:
        batch, self._pending = self._pending[:LIST_SLICE], self._pending[LIST_SLICE:]
        if not self._pending:
            self._lister.stop()
        self.model.add_hits(batch)
        self._show_count()

    def _on_done(self, worker: Worker) -> None:
        if worker is self._worker:
            self._worker = None
            self._show_count()

    def _on_failed(self, worker: Worker, exc: BaseException) -> None:
        if worker is self._worker:
            self._worker = None
            self.status.setText(f"Search failed: {exc}")

    @property
    def searching(self) -> bool:
        return self._worker is not None or bool(self._pending)

    def _show_count(self) -> None:
        found = self.model.rowCount() + len(self._pending)
        text = f"{counted(found, 'result')}" if found != 1 else "1 result"
        if found >= MAX_HITS:
            text = f"First {counted(MAX_HITS, 'result')} (narrow the search to see others)"
        if self._worker is not None:
            text += " so far…"
        else:
            text += f" in {time.monotonic() - self._started:.2f} s"
        if self._skipped:
            names = ", ".join(s.path.name for s in self._skipped[:3])
            more = f" and {len(self._skipped) - 3} more" if len(self._skipped) > 3 else ""
            text += (
                f" · {counted(len(self._skipped), 'file')} could not be searched ({names}{more})"
            )
            self.status.setToolTip("\n".join(s.message for s in self._skipped[:20]))
        self.status.setText(text)

    @property
    def terms(self) -> tuple[str, ...]:
        """The words searched for: what the conversation marks when a result is opened."""
        return self.highlighter.terms

    def _apply_order(self, choice: int) -> None:
        if choice < 0:
            return
        _label, column, role, order = ORDERS[choice]
        self.proxy.setSortRole(role)
        self.results.sortByColumn(column, order)

    def _on_header_clicked(self, _column: int) -> None:
        """A column's own order: typed values again, and the order list says it no longer applies."""
        self.proxy.setSortRole(SORT)
        self.order.blockSignals(True)
        self.order.setCurrentIndex(-1)
        self.order.blockSignals(False)

    def _on_menu_asked(self, where: QPoint) -> None:
        hit = self.results.indexAt(where).data(Qt.ItemDataRole.UserRole)
        if isinstance(hit, SearchHit):
            self.menuAsked.emit(hit, self.results.viewport().mapToGlobal(where))

    def _on_current(self, index: QModelIndex, _previous: QModelIndex | None = None) -> None:
        hit = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        if isinstance(hit, SearchHit):
            self.hitChosen.emit(hit)

    # --- the index

    def _on_index_progress(self, done: int, total: int) -> None:
        self._set_index_state(f"Indexing for search: {done:,} of {total:,} changed files…")

    def _on_index_updated(self) -> None:
        self._set_index_state("")
        worker = Worker(self.indexer.index.tools)
        worker.signals.returned.connect(self._set_tools)
        self._workers.start(worker)

    def _set_index_state(self, text: str) -> None:
        self._index_state = text
        self.rebuild.setToolTip(text or "Throw the search index away and build it again")
        if not self.searching and not self.model.rowCount():
            self.status.setText(text)

    def _set_tools(self, tools: list[str]) -> None:
        current = self.tool.currentData()
        self.tool.blockSignals(True)
        self.tool.clear()
        self.tool.addItem("Any tool", None)
        for name in tools:
            self.tool.addItem(name, name)
        self.tool.setCurrentIndex(max(0, self.tool.findData(current)) if current else 0)
        self.tool.blockSignals(False)

    def shutdown(self) -> None:
        self._stop()
