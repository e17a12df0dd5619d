from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from agency_desktop.stores.listing import list_sessions
from agency_desktop.ui.widgets.stats_panel import folder_stats
from agency_desktop.util.progress import CancelToken, OperationCancelled


def test_folder_stats_add_up_every_store(store_folder: Path) -> None:
    stores = sorted(store_folder.glob("*.db"))
    stats = folder_stats(store_folder, stores, progress=lambda *_: None, cancel=CancelToken())
    assert stats.session_count == len(list_sessions(store_folder)) == 5
    assert stats.message_count == 8 + 4 + 12 + 8 + 4


def test_folder_stats_stop_at_the_next_store_once_cancelled(store_folder: Path) -> None:
    stores = sorted(store_folder.glob("*.db"))
    token = CancelToken()
    seen: list[str] = []

    def progress(done: int, total: int, name: str) -> None:
        seen.append(name)
        token.cancel()  # as closing the window does, while the first store is counted

    with pytest.raises(OperationCancelled):
        folder_stats(store_folder, stores, progress=progress, cancel=token)
    assert seen == [stores[0].name]


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
