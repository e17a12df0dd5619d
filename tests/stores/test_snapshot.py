"""A store's snapshot is one consistent state, and reading it changes nothing beside it."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.stores import snapshot
from agency_desktop.stores.errors import ProblemKind, StoreError
from agency_desktop.stores.snapshot import open_image, read_snapshot
from tests.helpers.stores import folder_snapshot, run_turns, write_broken_files, write_plain

needs_ofd_locks = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="open-file-description locks are Linux's"
)


def _items_in(image: bytes, session_id: str) -> list[str]:
    conn = open_image(image)
    try:
        rows = conn.execute(
            "SELECT message_data FROM agent_messages WHERE session_id = ? ORDER BY id",
            (session_id,),
        )
        return [text for (text,) in rows]
    finally:
        conn.close()


@needs_ofd_locks
def test_an_idle_store_is_read_as_its_bytes_and_nothing_appears_beside_it(
    tmp_path: Path,
) -> None:
    store = write_plain(tmp_path / "idle.db", "s1", ("Paris", "Oslo"))
    before = folder_snapshot(tmp_path)
    assert snapshot._read_idle(store) == store.read_bytes()  # no SQLite open at all
    assert read_snapshot(store) == store.read_bytes()
    assert folder_snapshot(tmp_path) == before  # no -wal or -shm, the store untouched


def test_a_store_an_agent_has_open_is_read_with_its_wal(tmp_path: Path) -> None:
    store = write_plain(tmp_path / "open.db", "s1")
    session = SQLiteSession("s1", store)
    try:
        asyncio.run(run_turns(session, ("Oslo",)))  # these items are still in the -wal
        assert Path(f"{store}-wal").exists()
        assert snapshot._read_idle(store) is None
        expected = [item for item in asyncio.run(session.get_items())]
        image = read_snapshot(store)
    finally:
        session.close()
    assert len(_items_in(image, "s1")) == len(expected)
    assert snapshot.is_whole_image(image)


@needs_ofd_locks
def test_a_writer_holding_the_lock_sends_the_read_through_sqlite(tmp_path: Path) -> None:
    store = write_plain(tmp_path / "busy.db", "s1")
    writer = sqlite3.connect(store, isolation_level=None, timeout=0)
    try:
        writer.execute("PRAGMA journal_mode = MEMORY")  # writes without a -journal file
        writer.execute("BEGIN EXCLUSIVE")  # SQLite's write lock on the SHARED bytes
        assert snapshot._read_idle(store) is None
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert snapshot._read_idle(store) == store.read_bytes()  # and the lock was let go


def test_a_file_changed_after_its_header_was_written_is_not_taken_as_is(tmp_path: Path) -> None:
    store = write_plain(tmp_path / "grown.db", "s1")
    with store.open("ab") as handle:
        handle.write(b"\0" * 4096)  # a page more than the header counts
    assert snapshot._read_idle(store) is None
    image = read_snapshot(store)  # SQLite's view of it: the pages the header counts
    assert len(_items_in(image, "s1")) == len(_items_in(store.read_bytes(), "s1"))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("empty", ProblemKind.EMPTY),
        ("random", ProblemKind.NOT_SQLITE),
        ("truncated", ProblemKind.CORRUPT),
        ("header_only", ProblemKind.NOT_SQLITE),
    ],
)
def test_files_that_are_no_whole_store_are_named_with_the_reason(
    tmp_path: Path, name: str, kind: ProblemKind
) -> None:
    template = write_plain(tmp_path / "template.db", "s1")
    broken = write_broken_files(tmp_path / "broken", template)[name]
    with pytest.raises(StoreError) as raised:
        read_snapshot(broken)
    assert raised.value.kind is kind
    assert str(broken) in str(raised.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as raised:
        read_snapshot(tmp_path / "gone.db")
    assert raised.value.kind is ProblemKind.MISSING
