from __future__ import annotations

from pathlib import Path

import pytest

from agency_desktop.stores import parallel, row_totals
from agency_desktop.stores.errors import ProblemKind, SessionNotFoundError, StoreError
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.stats import get_session_stats
from tests.helpers.stores import corrupt_row


def test_session_stats_count_kinds_tools_and_turns(store_folder: Path) -> None:
    stats = get_session_stats(store_folder / "shared.db", "shared-b")
    assert stats.message_count == 12
    assert stats.session_count == 1
    assert stats.user_turns == 3
    assert stats.by_kind[ItemKind.USER] == 3
    assert stats.by_kind[ItemKind.FUNCTION_CALL] == 3
    assert stats.by_kind[ItemKind.FUNCTION_CALL_OUTPUT] == 3
    assert stats.by_kind[ItemKind.ASSISTANT] == 3
    assert stats.tool_calls == {"get_weather": 3}
    assert stats.invalid_json_rows == 0
    assert stats.token_usage is None
    assert stats.size_bytes == (store_folder / "shared.db").stat().st_size


def test_whole_store_stats_add_up_all_sessions(store_folder: Path) -> None:
    stats = get_session_stats(store_folder / "shared.db").as_dict()
    assert stats["session_count"] == 2
    assert stats["message_count"] == 16
    assert stats["by_kind"]["user"] == 4
    assert stats["created_at"] <= stats["updated_at"]


def test_advanced_store_reports_token_usage_per_turn_and_branches(store_folder: Path) -> None:
    stats = get_session_stats(store_folder / "advanced.db", "adv-1")
    assert stats.token_usage is not None
    assert [t["user_turn_number"] for t in stats.token_usage.turns] == [1, 2]
    # each turn makes two model requests with the scripted usage (110 and 111 total tokens)
    assert stats.token_usage.requests == 4
    assert stats.token_usage.total_tokens == 2 * 110 + 2 * 111
    assert stats.branches == {"main": 8}


def test_custom_table_names_are_read(store_folder: Path) -> None:
    assert get_session_stats(store_folder / "custom.db", "custom-1").tool_calls == {
        "get_weather": 1
    }


def test_rows_that_are_not_json_are_counted_not_dropped(store_folder: Path) -> None:
    corrupt_row(store_folder / "plain.db")
    stats = get_session_stats(store_folder / "plain.db", "plain-1")
    assert stats.invalid_json_rows == 1
    assert stats.message_count == 8
    assert sum(stats.by_kind.values()) == 7


def test_unknown_session_and_non_store_are_clear_errors(store_folder: Path, broken_folder) -> None:
    with pytest.raises(SessionNotFoundError, match="nope"):
        get_session_stats(store_folder / "plain.db", "nope")
    _, files = broken_folder
    with pytest.raises(StoreError) as caught:
        get_session_stats(files["other_schema"])
    assert caught.value.kind is ProblemKind.NOT_A_STORE


def test_timeline_counts_items_per_hour(store_folder: Path) -> None:
    stats = get_session_stats(store_folder / "shared.db", "shared-b")
    assert sum(stats.timeline.values()) == 12
    assert all(len(hour) == 13 for hour in stats.timeline)


@pytest.mark.parametrize("broken", [False, True])
def test_a_long_session_counted_in_parts_adds_up_to_the_same_stats(
    store_folder: Path, monkeypatch: pytest.MonkeyPatch, broken: bool
) -> None:
    """Parts are counted in the worker processes; the totals must not depend on the split."""
    store = store_folder / "shared.db"
    if broken:
        corrupt_row(store)
    whole = get_session_stats(store).as_dict()
    monkeypatch.setattr(row_totals, "SPLIT_MIN_ROWS", 2)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    calls: list[tuple[object, ...]] = []
    submit = parallel.submit
    monkeypatch.setattr(
        parallel, "submit", lambda *args, **kw: calls.append(args) or submit(*args, **kw)
    )
    assert get_session_stats(store).as_dict() == whole
    assert calls  # it was split
    assert whole["invalid_json_rows"] == int(broken)
