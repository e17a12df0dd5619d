from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from agents import SQLiteSession

from agency_desktop.ops.maintenance import find_empty_stores, remove_empty_stores, vacuum_store
from tests.helpers.stores import item_texts


def test_vacuum_reclaims_space_and_keeps_items(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    session = SQLiteSession("s", path)
    asyncio.run(session.add_items([{"role": "user", "content": "x" * 5000}] * 200))
    asyncio.run(session.add_items([{"role": "user", "content": "keep"}]))
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM agent_messages WHERE message_data LIKE '%xxxx%'")
    conn.commit()
    conn.close()
    session.close()
    result = vacuum_store(path)
    assert result.reclaimed > 500_000 and result.bytes_after < result.bytes_before
    assert item_texts(path, "s") == ['{"role": "user", "content": "keep"}']


def test_only_stores_without_sessions_are_trashed(tmp_path: Path, store_folder: Path) -> None:
    empty = tmp_path / "empty.db"
    session = SQLiteSession("gone", empty)
    asyncio.run(session.clear_session())
    session.close()
    assert find_empty_stores(tmp_path) == [empty]
    assert find_empty_stores(store_folder) == []
    moved: list[list[str]] = []

    def trash(paths: list[str]) -> None:
        moved.append(paths)
        for p in paths:
            Path(p).unlink()

    done, skipped = remove_empty_stores([empty, store_folder / "plain.db"], trash=trash)
    assert done == [empty] and not empty.exists()
    assert [(p.name, why) for p, why in skipped] == [("plain.db", "it holds 1 sessions now")]
