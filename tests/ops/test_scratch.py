from __future__ import annotations

import asyncio
from pathlib import Path

from agents.extensions.memory import AdvancedSQLiteSession

from agency_desktop.ops.export import export_session
from agency_desktop.ops.scratch import ScratchSessions
from agency_desktop.stores.listing import list_sessions
from agency_desktop.stores.paging import SessionReader
from tests.helpers.stores import item_texts


def test_duplicate_is_an_exact_in_memory_copy(store_folder: Path, tmp_path: Path) -> None:
    scratch = ScratchSessions(tmp_path / "snapshots")
    copy = scratch.duplicate(store_folder / "shared.db", "shared-b")
    assert copy.session_id == "shared-b-copy" and str(copy.db_path) == ":memory:"
    snapshot = scratch.snapshot(copy.session_id)
    assert item_texts(snapshot, "shared-b-copy") == item_texts(
        store_folder / "shared.db", "shared-b"
    )
    saved = scratch.save_to_file(copy.session_id, tmp_path / "saved.db")
    assert asyncio.run(saved.get_items()) == asyncio.run(copy.get_items())
    saved.close()
    scratch.close_all()
    assert list((tmp_path / "snapshots").iterdir()) == []


def test_advanced_sessions_stay_advanced(store_folder: Path, tmp_path: Path) -> None:
    scratch = ScratchSessions(tmp_path / "snapshots")
    copy = scratch.duplicate(store_folder / "advanced.db", "adv-1")
    assert isinstance(copy, AdvancedSQLiteSession)
    assert asyncio.run(copy.get_session_usage())["total_tokens"] == 442
    scratch.close_all()


def test_new_and_imported_sessions_are_viewable(store_folder: Path, tmp_path: Path) -> None:
    scratch = ScratchSessions(tmp_path / "snapshots")
    empty = scratch.new("blank")
    assert scratch.new("blank").session_id == "blank-2"
    export_session(store_folder / "plain.db", "plain-1", "jsonl", tmp_path / "e.jsonl")
    imported = scratch.import_file(tmp_path / "e.jsonl", "from-export")
    snapshot = scratch.snapshot(imported.session_id)
    with SessionReader(snapshot, "from-export") as reader:
        assert reader.count() == 8
    assert [i.session_id for i in list_sessions(tmp_path / "snapshots")] == ["from-export"]
    assert asyncio.run(empty.get_items()) == []
    scratch.close_all()
