from __future__ import annotations

from pathlib import Path

import pytest

from agency_desktop.ops.progress import CancelToken, OperationCancelled
from agency_desktop.sessions.listing import list_sessions
from agency_desktop.ui.widgets.stats_panel import folder_stats


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
