"""A folder's check: the same answers from a snapshot in memory as from the file itself."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.stores import health
from agency_desktop.stores.health import CHUNK, check_directory, check_store
from tests.helpers.stores import (
    corrupt_row,
    folder_snapshot,
    run_turns,
    write_advanced,
    write_plain,
    write_upgraded,
)


def _through_sqlite(path: Path, monkeypatch: pytest.MonkeyPatch) -> health.StoreHealth:
    with monkeypatch.context() as patched:
        patched.setattr(health, "read_if_idle", lambda store, limit: None)
        return check_store(path)


def _stores(folder: Path) -> list[Path]:
    corrupted = write_plain(folder / "corrupt.db", "c", ("Paris", "Oslo"))
    corrupt_row(corrupted)
    rollback = write_plain(folder / "rollback.db", "r")
    conn = sqlite3.connect(rollback)
    conn.execute("PRAGMA journal_mode = DELETE")  # deliberately not as the SDK left it
    conn.close()
    return [
        write_upgraded(folder / "upgraded.db"),
        write_advanced(folder / "advanced.db", "a"),
        write_plain(folder / "custom.db", "t", sessions_table="s", messages_table="m"),
        corrupted,
        rollback,
    ]


def test_a_snapshot_in_memory_gives_what_the_file_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for store in _stores(tmp_path / "stores"):
        before = folder_snapshot(store.parent)
        in_memory = check_store(store)
        assert folder_snapshot(store.parent) == before  # not even a -wal made and deleted
        assert in_memory == _through_sqlite(store, monkeypatch), store.name
        assert in_memory.messages > 0


def test_a_store_an_agent_has_open_is_checked_in_place_with_its_wal(tmp_path: Path) -> None:
    store = write_plain(tmp_path / "open.db", "s1")
    session = SQLiteSession("s1", store)
    try:
        asyncio.run(run_turns(session, ("Oslo",)))  # still in the -wal
        items = len(asyncio.run(session.get_items()))
        checked = check_store(store)
    finally:
        session.close()
    assert checked.ok and checked.messages == items


def test_a_big_folder_is_checked_by_the_workers_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "many"
    template = write_upgraded(folder / "store-00.db")
    for number in range(1, CHUNK + 8):
        shutil.copyfile(template, folder / f"store-{number:02}.db")
    corrupt_row(folder / "store-37.db")
    results = check_directory(folder)
    assert [r.path.name for r in results] == sorted(p.name for p in folder.glob("*.db"))
    assert results == [check_store(path) for path in sorted(folder.glob("*.db"))]
    assert [r.path.name for r in results if r.invalid_json_rows] == ["store-37.db"]
