"""Viewing a store changes nothing and leaves nothing beside it."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest

from agency_desktop.stores.errors import ProblemKind, StoreError
from agency_desktop.stores.listing import list_sessions, read_store_sessions
from agency_desktop.stores.paging import SessionReader
from agency_desktop.stores.readonly import open_readonly, reading
from agency_desktop.stores.stats import get_session_stats


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: _digest(p) for p in sorted(folder.iterdir())}


def test_viewing_every_kind_of_store_leaves_folder_byte_identical(store_folder: Path) -> None:
    before = _snapshot(store_folder)
    sessions = list_sessions(store_folder)
    for info in sessions:
        get_session_stats(info.db_path, info.session_id)
        with SessionReader(info.db_path, info.session_id) as reader:
            reader.page_after()
            reader.page_before()
    assert len(sessions) == 5
    assert _snapshot(store_folder) == before  # same files (no -wal/-shm), same bytes


def test_reader_connection_refuses_writes(store_folder: Path) -> None:
    with reading(store_folder / "plain.db") as conn, pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM agent_messages")
    assert len(read_store_sessions(store_folder / "plain.db")) == 1


def test_viewing_while_an_agent_writes_leaves_its_wal_alone(store_folder: Path) -> None:
    path = store_folder / "plain.db"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("INSERT INTO agent_messages (session_id, message_data) VALUES ('plain-1', '{}')")
    writer.commit()  # the row now lives in the writer's WAL
    try:
        (info,) = read_store_sessions(path)
        assert info.message_count == 9
        assert Path(f"{path}-wal").exists()  # still the writer's; we did not remove it
    finally:
        writer.close()
    assert not Path(f"{path}-wal").exists()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("empty", ProblemKind.EMPTY),
        ("random", ProblemKind.NOT_SQLITE),
        ("header_only", ProblemKind.NOT_SQLITE),
    ],
)
def test_unreadable_files_raise_store_error_naming_the_file(
    broken_folder, name: str, kind: ProblemKind
) -> None:
    _, files = broken_folder
    with pytest.raises(StoreError) as caught:
        open_readonly(files[name])
    assert caught.value.kind in (kind, ProblemKind.CORRUPT)
    assert str(files[name]) in str(caught.value)


def test_truncated_store_is_reported_corrupt_when_read(broken_folder) -> None:
    _, files = broken_folder
    with pytest.raises(StoreError) as caught:
        read_store_sessions(files["truncated"])
    assert caught.value.kind is ProblemKind.CORRUPT
    assert "truncated.db" in str(caught.value)


def test_missing_file_is_reported_and_not_created(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        open_readonly(tmp_path / "nope.db")
    assert caught.value.kind is ProblemKind.MISSING
    assert list(tmp_path.iterdir()) == []


def test_store_locked_by_a_writer_is_reported_locked(store_folder: Path) -> None:
    path = store_folder / "plain.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError) as caught:
            open_readonly(path, timeout=0.1)
        assert caught.value.kind is ProblemKind.LOCKED
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_reader_can_be_used_from_a_worker_thread(store_folder: Path) -> None:
    results: list[int] = []
    with SessionReader(store_folder / "plain.db", "plain-1") as reader:
        worker = threading.Thread(target=lambda: results.append(reader.count()))
        worker.start()
        worker.join()
    assert results == [8]
