from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agency_desktop.ops.backup import backup_store
from agency_desktop.stores.errors import StoreError
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import item_texts


def test_backup_reports_progress_and_verifies(store_folder: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    result = backup_store(
        store_folder / "advanced.db",
        tmp_path / "out.db",
        progress=lambda done, total, _: seen.append((done, total)),
    )
    assert result.path == tmp_path / "out.db" and result.size_bytes > 0
    assert seen and seen[-1][0] == seen[-1][1]
    assert item_texts(result.path, "adv-1") == item_texts(store_folder / "advanced.db", "adv-1")
    conn = sqlite3.connect(result.path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_cancelled_backup_leaves_nothing_behind(store_folder: Path, tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(OperationCancelled):
        backup_store(store_folder / "plain.db", tmp_path / "out" / "x.db", cancel=token)
    assert list((tmp_path / "out").iterdir()) == []


def test_refuses_to_overwrite_without_being_asked(store_folder: Path, tmp_path: Path) -> None:
    backup_store(store_folder / "plain.db", tmp_path / "x.db")
    with pytest.raises(FileExistsError):
        backup_store(store_folder / "shared.db", tmp_path / "x.db")
    assert item_texts(tmp_path / "x.db", "plain-1")  # still the first backup
    backup_store(store_folder / "shared.db", tmp_path / "x.db", overwrite=True)
    assert item_texts(tmp_path / "x.db", "shared-a")


def test_unreadable_source_is_a_store_error(broken_folder, tmp_path: Path) -> None:
    _, files = broken_folder
    with pytest.raises(StoreError, match=r"random\.db"):
        backup_store(files["random"], tmp_path / "x.db")
    assert not (tmp_path / "x.db").exists()


def test_overwrite_refuses_a_target_whose_wal_holds_data(
    store_folder: Path, tmp_path: Path
) -> None:
    target = backup_store(store_folder / "plain.db", tmp_path / "x.db").path
    holder = sqlite3.connect(target)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("PRAGMA wal_autocheckpoint=0")
    holder.execute("INSERT INTO agent_messages (session_id, message_data) VALUES ('plain-1', '{}')")
    holder.commit()  # the row lives in x.db-wal while the holder stays open
    try:
        with pytest.raises(FileExistsError, match="in use"):
            backup_store(store_folder / "shared.db", target, overwrite=True)
        assert item_texts(target, "plain-1")[-1] == "{}"
    finally:
        holder.close()
