from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from agents import SQLiteSession
from agents.extensions.memory import AdvancedSQLiteSession

from agency_desktop.ops.migrate import copy_session, migrate_session_to_file
from agency_desktop.ops.store_writer import SessionExistsError
from agency_desktop.stores.errors import StoreError
from agency_desktop.stores.stats import get_session_stats
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import item_texts, run_turns


def test_advanced_memory_session_keeps_structure_and_usage(tmp_path: Path) -> None:
    memory = AdvancedSQLiteSession(session_id="adv", create_tables=True)
    asyncio.run(run_turns(memory, ["Paris", "Oslo"], store_usage=True))
    migrated = migrate_session_to_file(memory, tmp_path / "adv.db")
    assert isinstance(migrated, AdvancedSQLiteSession)
    assert asyncio.run(migrated.get_items()) == asyncio.run(memory.get_items())
    assert asyncio.run(migrated.get_session_usage()) == asyncio.run(memory.get_session_usage())
    assert [t["turn"] for t in asyncio.run(migrated.get_conversation_turns())] == [1, 2]
    migrated.close()
    stats = get_session_stats(tmp_path / "adv.db", "adv")
    assert stats.branches == {"main": 8} and stats.token_usage is not None


def test_custom_table_names_survive_migration(tmp_path: Path) -> None:
    memory = SQLiteSession("c", sessions_table="s_tab", messages_table="m_tab")
    asyncio.run(run_turns(memory, ["Rome"]))
    migrate_session_to_file(memory, tmp_path / "c.db").close()
    assert len(item_texts(tmp_path / "c.db", "c", table="m_tab")) == 4


def test_cancel_leaves_no_partial_file(tmp_path: Path) -> None:
    memory = SQLiteSession("m")
    asyncio.run(run_turns(memory, ["Rome"]))
    token = CancelToken()
    token.cancel()
    with pytest.raises(OperationCancelled):
        migrate_session_to_file(memory, tmp_path / "m.db", cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_copy_between_files_into_a_store_with_other_sessions(store_folder: Path) -> None:
    result = copy_session(store_folder / "shared.db", "shared-a", store_folder / "plain.db")
    assert (result.created_file, result.message_count) == (False, 4)
    assert item_texts(store_folder / "plain.db", "shared-a") == item_texts(
        store_folder / "shared.db", "shared-a"
    )
    assert len(item_texts(store_folder / "plain.db", "plain-1")) == 8
    with pytest.raises(SessionExistsError):
        copy_session(store_folder / "shared.db", "shared-a", store_folder / "plain.db")
    renamed = copy_session(
        store_folder / "shared.db", "shared-b", store_folder / "shared.db", new_session_id="b2"
    )
    assert renamed.session_id == "b2"
    assert item_texts(store_folder / "shared.db", "b2") == item_texts(
        store_folder / "shared.db", "shared-b"
    )


def test_refuses_mixing_plain_and_advanced_layouts(store_folder: Path) -> None:
    with pytest.raises(ValueError, match="AdvancedSQLiteSession"):
        copy_session(store_folder / "plain.db", "plain-1", store_folder / "advanced.db")
    assert item_texts(store_folder / "advanced.db", "plain-1") == []


def test_refuses_to_write_into_a_file_that_is_not_a_store(
    store_folder: Path, broken_folder
) -> None:
    _, files = broken_folder
    before = files["other_schema"].read_bytes()
    with pytest.raises(StoreError, match="no Agents SDK session tables"):
        copy_session(store_folder / "plain.db", "plain-1", files["other_schema"])
    assert files["other_schema"].read_bytes() == before


def test_replacing_a_session_backs_up_the_store_first(
    store_folder: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(tmp_path / "appdata"))
    before = item_texts(store_folder / "plain.db", "plain-1")
    copy_session(
        store_folder / "shared.db",
        "shared-a",
        store_folder / "plain.db",
        new_session_id="plain-1",
        overwrite=True,
    )
    assert item_texts(store_folder / "plain.db", "plain-1") == item_texts(
        store_folder / "shared.db", "shared-a"
    )
    (backup,) = (tmp_path / "appdata" / "backups" / "plain").iterdir()
    assert item_texts(backup, "plain-1") == before


def test_a_row_stored_as_a_blob_is_copied_as_is(store_folder: Path, tmp_path: Path) -> None:
    import sqlite3

    blob = b'{"role": "user", "content": "written as bytes by some tool"}'
    with sqlite3.connect(
        store_folder / "plain.db"
    ) as conn:  # deliberately unusual, as found in the wild
        conn.execute(
            "INSERT INTO agent_messages (session_id, message_data) VALUES ('plain-1', ?)", (blob,)
        )
    conn.close()
    result = copy_session(store_folder / "plain.db", "plain-1", tmp_path / "copy.db")
    assert result.message_count == 9
    assert item_texts(tmp_path / "copy.db", "plain-1")[-1] == blob
