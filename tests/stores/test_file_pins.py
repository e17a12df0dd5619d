"""Our reads of a store's bytes never drop the locks our SQLite connections hold on it."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agency_desktop.ops.archive_format import file_sha256
from agency_desktop.stores import file_pins
from agency_desktop.stores.readonly import check_sqlite_header, has_sqlite_header, reading

_WRITE_AT_ONCE = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE agent_sessions SET updated_at = updated_at")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        print(exc)
    else:
        print("written")
    """
)


def _write_from_another_process(store: Path) -> str:
    """What a writer (an agent in another process) gets when it tries to commit now."""
    done = subprocess.run(
        [sys.executable, "-c", _WRITE_AT_ONCE, str(store)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


@pytest.fixture
def rollback_store(store_folder: Path) -> Path:
    """A store in rollback-journal mode: a reader's SHARED lock is all that keeps a
    writer from committing while it reads, so a lost lock shows at once."""
    store = store_folder / "plain.db"
    conn = sqlite3.connect(store)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return store


def _open_and_close_another_connection(store: Path) -> None:
    with reading(store) as conn:
        conn.execute("SELECT count(*) FROM agent_sessions").fetchone()


@pytest.mark.parametrize(
    "read_bytes",
    [check_sqlite_header, has_sqlite_header, file_sha256, _open_and_close_another_connection],
    ids=["header", "has header", "sha256", "another connection"],
)
def test_reading_a_store_we_hold_keeps_our_lock_on_it(
    rollback_store: Path, read_bytes: object
) -> None:
    with reading(rollback_store) as conn:
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM agent_messages").fetchone()  # SHARED lock held
        assert callable(read_bytes)
        read_bytes(rollback_store)  # a close of a plain descriptor here would drop it
        assert _write_from_another_process(rollback_store) == "database is locked"
        conn.execute("COMMIT")
    assert _write_from_another_process(rollback_store) == "written"


def test_descriptors_close_with_their_last_user(store_folder: Path) -> None:
    store = store_folder / "plain.db"
    held = file_pins.held_count()
    with reading(store), reading(store):
        check_sqlite_header(store)
        assert file_pins.held_count() == held + 1  # one descriptor, shared
    assert file_pins.held_count() == held


def test_pinned_bytes_are_the_file_s_bytes(store_folder: Path) -> None:
    store = store_folder / "advanced.db"
    with reading(store):
        assert file_sha256(store) == hashlib.sha256(store.read_bytes()).hexdigest()
    with file_pins.reading_bytes(store) as stream:
        assert stream.read(16) == b"SQLite format 3\x00"


def test_a_file_replaced_under_its_name_gets_a_descriptor_of_its_own(
    store_folder: Path, tmp_path: Path
) -> None:
    store = store_folder / "plain.db"
    held = file_pins.held_count()
    with reading(store):
        replacement = tmp_path / "replacement.db"
        replacement.write_bytes((store_folder / "custom.db").read_bytes())
        replacement.replace(store)
        assert file_sha256(store) == hashlib.sha256(store.read_bytes()).hexdigest()
        assert file_pins.held_count() == held + 1  # the old file's, still held
    assert file_pins.held_count() == held
