from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication


def test_a_count_that_finishes_after_another_session_was_chosen_is_not_shown(
    qtbot: Any, store_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agency_desktop.ui.widgets import stats_panel
    from agency_desktop.ui.workers import WorkerPool

    release = threading.Event()
    real = stats_panel.session_stats

    def slow_for_plain(path: Path, session_id: str, cache: Any) -> Any:
        if session_id == "plain-1":
            release.wait(10)  # still counting when the user has moved on
        return real(path, session_id, cache)

    monkeypatch.setattr(stats_panel, "session_stats", slow_for_plain)
    workers = WorkerPool()
    panel = stats_panel.StatsPanel(workers)
    qtbot.addWidget(panel)
    panel.set_session(store_folder / "plain.db", "plain-1")
    panel.refresh()  # no waiting for the delay
    panel.set_session(store_folder / "shared.db", "shared-b")
    panel.refresh()
    qtbot.waitUntil(lambda: panel.stats is not None, timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: workers.active == 0, timeout=5000)
    QApplication.processEvents()  # the late result, posted before its thread ended, arrives
    assert panel.stats is not None and panel.stats.session_id == "shared-b"
    assert workers.shutdown()


def test_a_count_scheduled_as_the_window_closes_never_starts(
    qtbot: Any, store_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agency_desktop.ui.widgets import stats_panel
    from agency_desktop.ui.workers import WorkerPool

    started: list[str] = []
    monkeypatch.setattr(stats_panel, "session_stats", lambda _p, s, _c: started.append(s))
    monkeypatch.setattr(stats_panel, "REFRESH_DELAY_MS", 0)
    workers = WorkerPool()
    panel = stats_panel.StatsPanel(workers)
    qtbot.addWidget(panel)
    panel.set_session(store_folder / "plain.db", "plain-1")  # counted a moment later
    panel.shutdown()
    assert workers.shutdown()
    QApplication.processEvents()  # where the delayed count would have fired
    panel.refresh()  # and a late refresh all the same: the pool is closed
    assert workers.active == 0 and started == []


def test_counting_a_folder_shows_progress_greys_old_figures_and_can_be_cancelled(
    qtbot: Any, many_stores: Path
) -> None:
    from agency_desktop.ui.widgets import stats_panel
    from agency_desktop.ui.workers import WorkerPool

    workers = WorkerPool()
    panel = stats_panel.StatsPanel(workers)
    qtbot.addWidget(panel)
    panel.show()
    stores = sorted(many_stores.glob("*.db"))
    panel.folder_scope.setChecked(True)
    panel.set_folder(many_stores, stores)
    panel.refresh()
    assert panel.progress.isVisible() and panel.cancel_button.isVisible()
    assert panel.progress.maximum() == len(stores) and not panel.body.isEnabled()
    qtbot.waitUntil(lambda: panel.stats is not None, timeout=30_000)
    assert panel.stats.session_count == len(stores)
    assert not panel.progress.isVisible() and panel.body.isEnabled()
    assert panel.status.text().endswith(f"{len(stores):,} sessions")

    panel.refresh()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: "cancelled" in panel.status.text(), timeout=30_000)
    assert not panel.body.isEnabled()  # the figures on show are from before: greyed
    assert not panel.cancel_button.isVisible()
    assert workers.shutdown()


@pytest.mark.parametrize(
    ("largest", "top", "ticks"), [(0, 1, 2), (1, 2, 3), (7, 10, 6), (1_000_000, 1_500_000, 4)]
)
def test_chart_axes_tick_at_whole_numbers(largest: float, top: int, ticks: int) -> None:
    from agency_desktop.ui.widgets.bar_charts import whole_number_ticks

    assert whole_number_ticks(largest) == (top, ticks)
    step = top // (ticks - 1)
    assert step * (ticks - 1) == top  # so "%d" labels are each different


def test_bar_labels_print_counts_in_full(qapp: Any) -> None:
    from agency_desktop.ui.widgets.bar_charts import bar_chart

    view = bar_chart("Items by kind", [("user", 1_000_000)], horizontal=True)
    [series] = view.chart().series()
    assert series.labelsPrecision() >= 7  # 1000000, not 1e+06


def _summary(panel: Any) -> dict[str, str]:
    from PySide6.QtWidgets import QFormLayout

    form = panel.summary
    return {
        form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().text(): form.itemAt(
            row, QFormLayout.ItemRole.FieldRole
        )
        .widget()
        .text()
        for row in range(form.rowCount())
    }


@pytest.mark.parametrize(
    ("store", "session", "expected"),
    [
        (
            "advanced.db",
            "adv-1",
            {"Tokens in all": "442", "Cost (estimate)": "≈ $0.001124 at gpt-4.1 prices"},
        ),
        (
            "plain.db",
            "plain-1",
            {
                "Token usage": "no usage recorded (AdvancedSQLiteSession records it with store_run_usage)"
            },
        ),
    ],
)
def test_usage_is_summed_and_priced_or_said_to_be_missing(
    qtbot: Any, store_folder: Path, store: str, session: str, expected: dict[str, str]
) -> None:
    from agency_desktop.ui.widgets.stats_panel import StatsPanel
    from agency_desktop.ui.workers import WorkerPool

    workers = WorkerPool()
    panel = StatsPanel(workers)
    qtbot.addWidget(panel)
    panel.set_session(store_folder / store, session)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.stats is not None, timeout=5000)
    shown = _summary(panel)
    assert {key: shown.get(key) for key in expected} == expected
    assert workers.shutdown()


def test_the_charts_module_is_imported_by_a_worker_not_the_gui_thread(
    qtbot: Any, store_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QtCharts took the GUI thread 20-50 ms to import when the first chart was drawn."""
    import sys

    from agency_desktop.ui.widgets import stats_panel
    from agency_desktop.ui.workers import WorkerPool

    importers: list[threading.Thread] = []

    class Watch:  # a finder that only notes which thread asks for the module
        @staticmethod
        def find_spec(name: str, *_: Any) -> None:
            if name == stats_panel.CHARTS_MODULE:
                importers.append(threading.current_thread())

    monkeypatch.delitem(sys.modules, stats_panel.CHARTS_MODULE, raising=False)
    monkeypatch.setattr(sys, "meta_path", [Watch(), *sys.meta_path])
    workers = WorkerPool()
    panel = stats_panel.StatsPanel(workers)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_session(store_folder / "plain.db", "plain-1")
    panel.refresh()
    qtbot.waitUntil(lambda: bool(panel.charts), timeout=5000)
    assert importers and threading.main_thread() not in importers
    assert workers.shutdown()
