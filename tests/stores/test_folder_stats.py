"""A folder's stats, counted in the worker processes, add up to its stores' own."""

from __future__ import annotations

from pathlib import Path

import pytest

from agency_desktop.stores.folder_stats import CHUNK, folder_stats
from agency_desktop.stores.listing import list_sessions
from agency_desktop.stores.stats import get_session_stats
from agency_desktop.util.progress import CancelToken, OperationCancelled


def test_folder_stats_add_up_every_readable_store(
    store_folder: Path, broken_folder: tuple[Path, dict[str, Path]]
) -> None:
    _, broken = broken_folder
    stores = sorted(store_folder.glob("*.db"))
    seen: list[tuple[int, int]] = []
    stats = folder_stats(
        store_folder, stores + list(broken.values()), progress=lambda d, t, _m: seen.append((d, t))
    )
    assert stats.session_count == len(list_sessions(store_folder)) == 5
    assert stats.message_count == sum(get_session_stats(p).message_count for p in stores)
    total = len(stores) + len(broken)
    assert seen[0] == (0, total) and seen[-1] == (total, total)


def test_a_big_folder_is_counted_in_the_worker_processes_to_the_same_sum(
    many_stores: Path,
) -> None:
    stores = sorted(many_stores.glob("*.db"))
    assert len(stores) > 3 * CHUNK
    stats = folder_stats(many_stores, stores)
    one = get_session_stats(stores[0])
    assert stats.session_count == len(stores)
    assert stats.message_count == one.message_count * len(stores)
    assert stats.by_kind == {kind: n * len(stores) for kind, n in one.by_kind.items()}
    assert stats.tool_calls == {tool: n * len(stores) for tool, n in one.tool_calls.items()}


def test_cancelling_stops_at_the_next_chunk(many_stores: Path) -> None:
    stores = sorted(many_stores.glob("*.db"))
    token = CancelToken()
    seen: list[int] = []

    def progress(done: int, _total: int, _message: str) -> None:
        seen.append(done)
        token.cancel()  # as the panel's Cancel button does, while the first chunks count

    with pytest.raises(OperationCancelled):
        folder_stats(many_stores, stores, progress=progress, cancel=token)
    assert seen == [0]
