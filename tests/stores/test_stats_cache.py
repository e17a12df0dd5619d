"""The stats cache gives the same figures as counting afresh, reading only new rows."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.stores import stats_cache
from agency_desktop.stores.stats import get_session_stats
from agency_desktop.stores.stats_cache import StatsCache
from tests.helpers.stores import age_store, run_turns, write_advanced, write_plain

STORES = [
    ("plain.db", "plain-1"),
    ("shared.db", "shared-b"),
    ("advanced.db", "adv-1"),
    ("custom.db", "custom-1"),
]


def _same(path: Path, session_id: str, cache: StatsCache) -> None:
    assert (
        get_session_stats(path, session_id, cache=cache).as_dict()
        == get_session_stats(path, session_id).as_dict()
    )


def _entries(cache: StatsCache) -> list[tuple[int, int]]:
    conn = sqlite3.connect(cache.path)
    try:
        return conn.execute("SELECT last_id, row_count FROM row_totals ORDER BY key").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize(("name", "session_id"), STORES)
def test_cached_stats_equal_fresh_ones(
    store_folder: Path, tmp_path: Path, name: str, session_id: str
) -> None:
    cache = StatsCache(tmp_path / "cache.sqlite3")
    _same(store_folder / name, session_id, cache)  # first: counted and remembered
    _same(store_folder / name, session_id, cache)  # again: from the cache
    assert len(_entries(cache)) == 1


def test_rows_appended_later_are_added(tmp_path: Path) -> None:
    cache = StatsCache(tmp_path / "cache.sqlite3")
    store = write_plain(tmp_path / "s.db", "grows", ("Paris",))
    _same(store, "grows", cache)
    ((first_last_id, first_count),) = _entries(cache)
    write_plain(store, "grows", ("Oslo", "Lima"))  # the SDK appends two more turns
    _same(store, "grows", cache)
    ((last_id, count),) = _entries(cache)
    assert count == first_count * 3 and last_id > first_last_id


def test_removed_items_make_it_count_again(tmp_path: Path) -> None:
    cache = StatsCache(tmp_path / "cache.sqlite3")
    store = write_plain(tmp_path / "s.db", "popped", ("Paris", "Oslo"))
    _same(store, "popped", cache)
    session = SQLiteSession("popped", store)
    asyncio.run(session.pop_item())
    session.close()
    _same(store, "popped", cache)
    asyncio.run(run_turns(SQLiteSession("popped", store), ["Lima"]))  # and grows past the gap
    _same(store, "popped", cache)


def test_a_row_deleted_below_the_end_is_noticed_through_the_count(tmp_path: Path) -> None:
    cache = StatsCache(tmp_path / "cache.sqlite3")
    store = write_advanced(tmp_path / "a.db", "adv")
    _same(store, "adv", cache)
    conn = sqlite3.connect(store)
    conn.execute("DELETE FROM agent_messages WHERE id = (SELECT min(id) FROM agent_messages)")
    conn.commit()
    conn.close()
    _same(store, "adv", cache)


def test_a_replaced_store_file_starts_afresh(tmp_path: Path) -> None:
    cache = StatsCache(tmp_path / "cache.sqlite3")
    store = write_plain(tmp_path / "s.db", "same-id", ("Paris", "Oslo", "Lima"))
    _same(store, "same-id", cache)
    other = write_plain(tmp_path / "other.db", "same-id", ("Rome",))
    other.replace(store)  # as a restore does: a new file under the old name
    _same(store, "same-id", cache)


def test_a_broken_cache_is_only_a_miss(tmp_path: Path, store_folder: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not a database")
    _same(store_folder / "plain.db", "plain-1", StatsCache(path))


def test_counting_with_the_cache_changes_nothing_beside_the_store(
    store_folder: Path, tmp_path: Path
) -> None:
    before = {p.name: p.read_bytes() for p in store_folder.iterdir()}
    cache = StatsCache(tmp_path / "cache.sqlite3")
    for name, session_id in STORES:
        get_session_stats(store_folder / name, session_id, cache=cache)
        get_session_stats(store_folder / name, session_id, cache=cache)
    assert {p.name: p.read_bytes() for p in store_folder.iterdir()} == before


def _counting_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    for name in ("_count", "row_totals", "_last_id"):
        real = getattr(stats_cache, name)
        monkeypatch.setattr(
            stats_cache, name, lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a)
        )
    return calls


def test_a_store_unchanged_since_it_was_counted_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = StatsCache(tmp_path / "cache.sqlite3")
    store = write_plain(tmp_path / "s.db", "still", ("Paris", "Oslo"))
    age_store(store, 60)
    _same(store, "still", cache)
    calls = _counting_calls(monkeypatch)
    _same(store, "still", cache)
    assert calls == []  # the signature alone said nothing changed
    write_plain(store, "still", ("Lima",))  # an agent appends: the signature moves on
    _same(store, "still", cache)
    assert "row_totals" in calls


def test_a_store_written_a_moment_ago_is_checked_by_counting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its mtime might not move on the next write (same clock tick), so it is not trusted."""
    cache = StatsCache(tmp_path / "cache.sqlite3")
    store = write_plain(tmp_path / "s.db", "busy", ("Paris",))
    _same(store, "busy", cache)
    calls = _counting_calls(monkeypatch)
    _same(store, "busy", cache)
    assert "_count" in calls


def test_pruning_the_oldest_items_of_a_settled_store_is_noticed(
    tmp_path: Path,
) -> None:
    """Compaction deletes a prefix of the session: a settled signature still changes."""
    cache = StatsCache(tmp_path / "cache.sqlite3")
    store = write_plain(tmp_path / "s.db", "pruned", ("Paris", "Oslo", "Lima"))
    age_store(store, 60)
    _same(store, "pruned", cache)
    conn = sqlite3.connect(store)
    conn.execute("DELETE FROM agent_messages WHERE id <= (SELECT min(id) + 2 FROM agent_messages)")
    conn.commit()
    conn.close()
    _same(store, "pruned", cache)


def test_entries_used_last_outlive_entries_saved_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full cache drops the entry used longest ago, even one answered from the cache
    without being saved again (a store unchanged since it was counted)."""
    monkeypatch.setattr(stats_cache, "MAX_ENTRIES", 2)
    cache = StatsCache(tmp_path / "cache.sqlite3")
    stores = {
        name: write_plain(tmp_path / f"{name}.db", name, ("Paris",))
        for name in ("kept", "idle", "new")
    }
    for store in stores.values():
        age_store(store, 60)
    _same(stores["kept"], "kept", cache)
    _same(stores["idle"], "idle", cache)
    _same(stores["kept"], "kept", cache)  # used again, from the cache alone
    _same(stores["new"], "new", cache)  # a third entry: one of the first two goes
    conn = sqlite3.connect(cache.path)
    try:
        keys = [row[0] for row in conn.execute("SELECT key FROM row_totals")]
    finally:
        conn.close()
    assert len(keys) == 2
    assert not any("idle" in key for key in keys)
