from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from agency_desktop.ops.reorganise import (
    merge_stores,
    move_session,
    rename_session,
    split_store,
)
from agency_desktop.stores.errors import SessionNotFoundError, StoreError
from agency_desktop.stores.listing import list_sessions
from tests.helpers.server_stores import read_sqlalchemy
from tests.helpers.servers import PgDatabase
from tests.helpers.stores import item_texts


def test_move_copies_then_removes_after_a_backup(store_folder: Path, tmp_path: Path) -> None:
    before = item_texts(store_folder / "shared.db", "shared-b")
    result, backup = move_session(
        store_folder / "shared.db", "shared-b", tmp_path / "moved.db", backups=tmp_path / "backups"
    )
    assert result.message_count == 12 and item_texts(tmp_path / "moved.db", "shared-b") == before
    assert item_texts(store_folder / "shared.db", "shared-b") == []
    assert item_texts(store_folder / "shared.db", "shared-a")  # the other session stays
    assert backup is not None and item_texts(backup, "shared-b") == before


def test_move_without_automatic_backup(store_folder: Path, tmp_path: Path) -> None:
    result, backup = move_session(
        store_folder / "shared.db",
        "shared-b",
        tmp_path / "moved.db",
        backups=tmp_path / "backups",
        auto_backup=False,
    )
    assert backup is None and not (tmp_path / "backups").exists()
    assert result.message_count == 12 and item_texts(store_folder / "shared.db", "shared-b") == []


def test_rename_changes_every_table(store_folder: Path) -> None:
    texts = item_texts(store_folder / "advanced.db", "adv-1")
    assert rename_session(store_folder / "advanced.db", "adv-1", "renamed") == 8
    assert item_texts(store_folder / "advanced.db", "renamed") == texts
    conn = sqlite3.connect(store_folder / "advanced.db")
    for table in ("agent_sessions", "message_structure", "turn_usage"):
        assert conn.execute(
            f"SELECT count(*) FROM {table} WHERE session_id='adv-1'"
        ).fetchone() == (0,)
    conn.close()
    with pytest.raises(ValueError, match="exists already"):
        rename_session(store_folder / "shared.db", "shared-a", "shared-b")
    with pytest.raises(SessionNotFoundError):
        rename_session(store_folder / "shared.db", "nope", "x")


def test_merge_keeps_every_session_and_never_replaces(store_folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "merged.db"
    report = merge_stores([store_folder / "plain.db", store_folder / "shared.db"], target)
    assert report.failures == [] and report.message_count == 24
    again = merge_stores([store_folder / "shared.db"], target)
    assert {w.session_id for w in again.written} == {"shared-a@shared", "shared-b@shared"}
    ids = {i.session_id for i in list_sessions(tmp_path)}
    assert ids == {"plain-1", "shared-a", "shared-b", "shared-a@shared", "shared-b@shared"}


def test_merge_reports_what_cannot_go_together(store_folder: Path, tmp_path: Path) -> None:
    report = merge_stores(
        [store_folder / "plain.db", store_folder / "advanced.db", store_folder / "notes.txt"],
        tmp_path / "m.db",
    )
    assert [w.session_id for w in report.written] == ["plain-1"]
    assert {p.name for p, _, _ in report.failures} == {"advanced.db", "notes.txt"}


def test_split_writes_one_store_per_session(store_folder: Path, tmp_path: Path) -> None:
    report = split_store(store_folder / "shared.db", tmp_path / "split")
    assert sorted(p.name for p in (tmp_path / "split").iterdir()) == [
        "shared--shared-a.db",
        "shared--shared-b.db",
    ]
    assert report.message_count == 16
    assert item_texts(tmp_path / "split" / "shared--shared-b.db", "shared-b") == item_texts(
        store_folder / "shared.db", "shared-b"
    )


def test_move_to_a_server_makes_the_sdks_tables_only_when_asked(
    store_folder: Path, tmp_path: Path, postgres_database: PgDatabase
) -> None:
    """An empty database: without create_tables the move is refused, naming the missing
    tables, and the file keeps its session; with it the SDK reads the moved session."""
    source, url = store_folder / "shared.db", postgres_database.url()
    before = item_texts(source, "shared-b")
    with pytest.raises(StoreError, match="no Agents SDK session tables") as refused:
        move_session(source, "shared-b", url, backups=tmp_path / "backups")
    assert "nothing was written" in str(refused.value)
    assert item_texts(source, "shared-b") == before
    assert not (tmp_path / "backups").exists()  # nothing left the file, so no backup
    result, backup = move_session(
        source, "shared-b", url, backups=tmp_path / "backups", create_tables=True
    )
    assert result.message_count == len(before) and result.location is not None
    read = read_sqlalchemy(postgres_database.url(driver="asyncpg"), "shared-b")
    assert [json.loads(text) for text in before] == read
    assert item_texts(source, "shared-b") == []
    assert backup is not None and item_texts(backup, "shared-b") == before
