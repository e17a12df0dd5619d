"""Numbers and charts (QtCharts) for the selected session or the whole folder."""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...stores.folder_stats import folder_stats
from ...stores.items import ItemKind
from ...stores.stats import SessionStats
from ...stores.stats_cache import StatsCache
from ...util.formatting import counted, dollars, expires_in, human_size, local_time
from ...util.pricing import default_table
from ..gil import with_gui_turns
from ..server_locations import open_location
from ..workers import Worker, WorkerPool

if TYPE_CHECKING:
    from PySide6.QtCharts import QChartView

MAX_BARS = 12
NO_USAGE = "no usage recorded (AdvancedSQLiteSession records it with store_run_usage)"
REFRESH_DELAY_MS = 250
CHARTS_MODULE = f"{__package__}.bar_charts"
MAX_HOURLY_BUCKETS = 48


def session_stats(location: Path, session_id: str, cache: StatsCache) -> SessionStats:
    """Runs in a worker: one session's counts, read past what the cache has seen."""
    return open_location(location).stats(session_id, cache=cache)


def store_stats(location: Path) -> SessionStats:
    """Runs in a worker: a server store's counts, all sessions, counted where they are."""
    return open_location(location).stats(None)


def timeline_buckets(timeline: Counter[str]) -> list[tuple[str, int]]:
    """Hourly buckets for short spans, daily ones otherwise."""
    hours = sorted(timeline.items())
    if len({hour[:10] for hour, _ in hours}) == 1:
        return [(hour[11:] + ":00", count) for hour, count in hours]
    if len(hours) <= MAX_HOURLY_BUCKETS:
        return [(f"{hour[5:10]} {hour[11:]}h", count) for hour, count in hours]
    days: Counter[str] = Counter()
    for hour, count in hours:
        days[hour[:10]] += count
    return sorted(days.items())


class StatsPanel(QWidget):
    statsShown = Signal(object)  # the SessionStats on display
    _store: Path | None = None  # a server store's key: counted whole by its server
    _undrawn: SessionStats | None = None  # figures shown whose charts wait to be seen
    _charts_loading = False  # QtCharts asked for in a worker

    def __init__(self, workers: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statsPanel")
        self._workers = workers
        self.prices = default_table()  # the main window hands over the user's (Preferences)
        self._worker: Worker | None = None
        self._cache = StatsCache()  # a session counted once is then read only past its end
        self._session: tuple[Path, str] | None = None
        self._folder: tuple[Path, list[Path]] | None = None
        self.stats: SessionStats | None = None
        self.charts: dict[str, QChartView] = {}
        self._delay = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._delay.timeout.connect(self.refresh)

        self.session_scope = QRadioButton("This session")
        self.folder_scope = QRadioButton("Whole folder")
        self.session_scope.setChecked(True)
        scope = QButtonGroup(self)
        scope.addButton(self.session_scope)
        scope.addButton(self.folder_scope)
        scope.buttonToggled.connect(lambda *_: self.refresh())
        scope_row = QHBoxLayout()
        scope_row.addWidget(self.session_scope)
        scope_row.addWidget(self.folder_scope)
        scope_row.addStretch(1)

        self.summary = QFormLayout()
        self.status = QLabel("Select a session to see its numbers.")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("statsProgress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel counting")
        self.cancel_button.clicked.connect(self.cancel_count)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self._show_counting(False)
        self.grid = QGridLayout()
        self.body = body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(self.summary)
        body_layout.addLayout(self.grid)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(scope_row)
        layout.addWidget(self.status)
        layout.addLayout(progress_row)
        layout.addWidget(scroll)

    def set_session(self, db_path: Path | None, session_id: str | None) -> None:
        """Counted a moment later: the session's first page goes first (a million items
        keep both cores busy for a second), and walking the list with the arrow keys
        starts no count for the sessions passed on the way."""
        self._session = (db_path, session_id) if db_path and session_id else None
        if self.session_scope.isChecked():
            self._refresh_soon()

    def set_store(self, key: Path | None) -> None:
        """A server store shown instead of a folder: its whole is counted by the server."""
        self._store = key
        self.folder_scope.setText("Whole store" if key is not None else "Whole folder")
        if self.folder_scope.isChecked():
            self._refresh_soon()

    def set_folder(self, folder: Path | None, stores: list[Path] | None) -> None:
        """`stores` None: the folder is being read; it is counted once it has been."""
        if self._store is not None:
            self.set_store(None)
        if stores is None:
            self._folder = None
            if self.folder_scope.isChecked():
                self.cancel_count()
                self._delay.stop()
                self.body.setEnabled(False)
                self.status.setText("Reading the folder…")
            return
        self._folder = (folder, stores) if folder else None
        if self.folder_scope.isChecked():
            self._refresh_soon()

    def _refresh_soon(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        self._delay.start()

    def shutdown(self) -> None:
        """No count starts after this (the window is closing)."""
        self._delay.stop()
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def refresh(self) -> None:
        self._delay.stop()
        if self._worker is not None:
            self._worker.cancel()
        if self.session_scope.isChecked() and self._session:
            worker = Worker(session_stats, *self._session, self._cache)
            self.status.setText(f"Counting session {self._session[1]}…")
        elif self.folder_scope.isChecked() and self._folder:
            worker = Worker(folder_stats, *self._folder, controls=True)
            self.status.setText(f"Counting {counted(len(self._folder[1]), 'store')}…")
            self.progress.setRange(0, len(self._folder[1]))
            self.progress.setValue(0)
            self._show_counting(True)
        elif self.folder_scope.isChecked() and self._store is not None:
            worker = Worker(store_stats, self._store)
            self.status.setText("Counting the whole store…")
        else:
            return
        self.body.setEnabled(False)  # the figures on show are the last scope's: greyed
        self._load_charts()
        # Bound methods, not lambdas: Qt drops them with the panel when it is deleted.
        worker.signals.returned.connect(self._on_result)
        worker.signals.errored.connect(self._on_error)
        worker.signals.progress.connect(self._on_progress)
        worker.signals.cancelled.connect(self._on_cancelled)
        self._worker = self._workers.start(worker)

    def _load_charts(self) -> None:
        """Import QtCharts in a worker while the first figures are counted: imported by
        the GUI thread when it drew the first chart, it held that thread 20-50 ms (more
        while a folder streams in)."""
        if not self._charts_loading:
            self._charts_loading = True
            self._workers.run(importlib.import_module, CHARTS_MODULE)

    def cancel_count(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def _show_counting(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)

    def _on_progress(self, done: int, total: int, _message: str) -> None:
        if self._from_current_worker():
            self.progress.setValue(done)
            self.status.setText(f"Counting stores: {done:,} / {total:,}")

    def _on_cancelled(self) -> None:
        if self._from_current_worker():
            self._show_counting(False)
            self.status.setText("Counting cancelled. The greyed figures are from before.")

    # A worker replaced meanwhile may still deliver what it had: only the newest is shown.

    def _from_current_worker(self) -> bool:
        return self._worker is not None and self.sender() is self._worker.signals

    def _on_result(self, stats: SessionStats) -> None:
        if self._from_current_worker():
            self._on_stats(stats)

    def _on_error(self, exc: BaseException) -> None:
        if self._from_current_worker():
            self._show_counting(False)
            self.status.setText(f"Could not count: {exc}")

    @with_gui_turns
    def _on_stats(self, stats: SessionStats) -> None:
        self.stats = stats
        self._show_counting(False)
        self.body.setEnabled(True)
        scope = (
            f"session {stats.session_id}"
            if stats.session_id
            else f"{counted(stats.session_count, 'session')}"
        )
        self.status.setText(f"{stats.location or stats.db_path.name}: {scope}")
        self._fill_summary(stats)
        self._undrawn = stats
        if self.isVisible():
            self._draw_charts()
        self.statsShown.emit(stats)

    def showEvent(self, event: QShowEvent) -> None:
        self._draw_charts()  # before the panel is painted
        super().showEvent(event)

    def _draw_charts(self) -> None:
        """The charts of the figures on show, drawn once the panel is seen: made while the
        panel sat behind another tab, they held the GUI thread 15-45 ms for nothing as
        the first session of a folder opened."""
        if self._undrawn is not None:
            stats, self._undrawn = self._undrawn, None
            self._fill_charts(stats)

    def _fill_summary(self, stats: SessionStats) -> None:
        while self.summary.rowCount():
            self.summary.removeRow(0)
        rows = [
            ("Items", f"{stats.message_count:,}"),
            ("User turns", f"{stats.user_turns:,}"),
            ("Tool calls", f"{sum(stats.tool_calls.values()):,}"),
            ("Store size", human_size(stats.size_bytes)),
            ("Item data", human_size(stats.data_bytes)),
            ("First item", local_time(stats.created_at)),
            ("Last activity", local_time(stats.updated_at)),
            ("Unreadable rows", f"{stats.invalid_json_rows:,}"),
        ]
        if expires := getattr(stats, "expires_at", None):  # Redis keys with a TTL
            label = "TTL" if stats.session_id else "First to expire"  # of the whole store
            rows.insert(7, (label, f"{expires_in(expires)} (at {local_time(expires)})"))
        rows += self._usage_rows(stats)
        if stats.branches:
            rows.append(("Branches", _branches_text(stats)))
        for label, value in rows:
            text = QLabel(value)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.summary.addRow(label, text)

    def _usage_rows(self, stats: SessionStats) -> list[tuple[str, str]]:
        usage = stats.token_usage
        if usage is None or not usage.turns:
            return [("Token usage", NO_USAGE)]
        rows = [
            ("Requests", f"{usage.requests:,}"),
            ("Tokens in / out", f"{usage.input_tokens:,} / {usage.output_tokens:,}"),
            ("Tokens in all", f"{usage.total_tokens:,}"),
        ]
        cost = self.prices.estimate(usage.input_tokens, usage.output_tokens)
        if cost is not None:
            rows.append(("Cost (estimate)", f"≈ {dollars(cost)} at {self.prices.model} prices"))
        return rows

    def _fill_charts(self, stats: SessionStats) -> None:
        for view in self.charts.values():
            self.grid.removeWidget(view)
            view.deleteLater()
        self.charts = {}
        kinds = [(kind.label, stats.by_kind[kind]) for kind in ItemKind if stats.by_kind[kind]]
        self._add_chart("kinds", "Items by kind", kinds, horizontal=True)
        tools = stats.tool_calls.most_common(MAX_BARS)
        if tools:
            self._add_chart("tools", "Tool calls by tool", tools, horizontal=True)
        self._add_chart("timeline", "Items over time", timeline_buckets(stats.timeline))
        if stats.token_usage is not None and stats.token_usage.turns:
            self._add_usage_chart(stats)

    def _add_chart(
        self, key: str, title: str, values: list[tuple[str, int]], horizontal: bool = False
    ) -> None:
        from . import bar_charts  # QtCharts costs start-up time: loaded for the first chart

        self._place(key, bar_charts.bar_chart(title, values, horizontal=horizontal))

    def _add_usage_chart(self, stats: SessionStats) -> None:
        from . import bar_charts

        assert stats.token_usage is not None
        self._place("usage", bar_charts.usage_chart(stats.token_usage.turns[-40:]))

    def _place(self, key: str, view: QChartView) -> None:
        view.setObjectName(f"chart_{key}")
        self.grid.addWidget(view, len(self.charts), 0)
        self.charts[key] = view


def _branches_text(stats: SessionStats) -> str:
    """Each branch's items, and its tokens where usage is kept: one branch a line."""
    tokens = stats.branch_tokens if stats.token_usage else {}
    lines = []
    for branch, items in (stats.branches or {}).items():
        line = f"{branch}: {counted(items, 'item')}"
        if branch in tokens:
            line += f", {counted(tokens[branch], 'token')}"
        lines.append(line)
    return "\n".join(lines)
