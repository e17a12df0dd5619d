"""Names from a file or a folder that try to be something else: table names with
quotes, spaces and SQL in them; file names with spaces, accents and newlines; symlink
loops and folders that cannot be read. Quoted, never executed; listed, never fatal."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from agency_desktop.ops.backup import backup_store
from agency_desktop.ops.export import export_session
from agency_desktop.ops.migrate import copy_session
from agency_desktop.search.folder import search_files, update_index
from agency_desktop.search.index import SearchIndex
from agency_desktop.search.text import Query
from agency_desktop.stores.errors import ProblemKind
from agency_desktop.stores.health import check_store
from agency_desktop.stores.listing import iter_candidate_files, list_sessions, scan_directory
from agency_desktop.stores.paging import SessionReader
from agency_desktop.stores.schema import quote_identifier
from agency_desktop.stores.stats import get_session_stats
from tests.helpers.stores import item_texts, write_plain

SESSIONS = 'sess" ; DROP TABLE victim; --'
MESSAGES = "msg items'); DELETE FROM victim; --"


@pytest.fixture
def hostile_tables(tmp_path: Path) -> Path:
    """Deliberately hand-made: the SDK cannot make such names (it does not quote them)."""
    path = tmp_path / "tables" / "hostile.db"
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE victim (x)")
    conn.execute("INSERT INTO victim VALUES ('still here')")
    conn.execute(
        f"CREATE TABLE {quote_identifier(SESSIONS)} (session_id TEXT PRIMARY KEY,"
        " created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
        " updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
    )
    conn.execute(
        f"CREATE TABLE {quote_identifier(MESSAGES)} (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " session_id TEXT NOT NULL, message_data TEXT NOT NULL,"
        " created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
        f" FOREIGN KEY (session_id) REFERENCES {quote_identifier(SESSIONS)} (session_id))"
    )
    conn.execute(f"INSERT INTO {quote_identifier(SESSIONS)} (session_id) VALUES ('s')")
    for text in ("Paris is sunny", "Oslo has snow"):
        conn.execute(
            f"INSERT INTO {quote_identifier(MESSAGES)} (session_id, message_data) VALUES ('s', ?)",
            (f'{{"role": "user", "content": "{text}"}}',),
        )
    conn.commit()
    conn.close()
    return path


def _victim(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT x FROM victim").fetchall()
    finally:
        conn.close()


def test_hostile_table_names_are_read_and_written_quoted(
    hostile_tables: Path, tmp_path: Path
) -> None:
    (info,) = list_sessions(hostile_tables.parent)
    assert (info.sessions_table, info.messages_table, info.message_count) == (SESSIONS, MESSAGES, 2)
    assert get_session_stats(hostile_tables, "s").message_count == 2
    with SessionReader(hostile_tables, "s") as reader:
        assert [row.preview for row in reader.page_after(None, 5)] == [
            "Paris is sunny",
            "Oslo has snow",
        ]
    index = SearchIndex(tmp_path / "index.sqlite3")
    update_index(index, [hostile_tables])
    for used in (None, index):
        assert len(list(search_files([hostile_tables], Query.parse("oslo"), index=used))) == 1
    assert check_store(hostile_tables).ok
    export_session(hostile_tables, "s", "jsonl", tmp_path / "s.jsonl")
    copy = backup_store(hostile_tables, tmp_path / "backup.db").path
    # Written for an agent to use, such names would break it (the SDK does not quote
    # them): a copy is refused, with the reason, and nothing is written.
    with pytest.raises(ValueError, match="cannot open tables named"):
        copy_session(hostile_tables, "s", tmp_path / "copied.db")
    assert not (tmp_path / "copied.db").exists()
    assert item_texts(copy, "s", MESSAGES) == item_texts(hostile_tables, "s", MESSAGES)
    for store in (hostile_tables, copy):
        assert _victim(store) == [("still here",)]


NAMES = ["with spaces.db", "naïve café — 東京.db", "line\nbreak.db", "quote'and\"double.db"]


@pytest.mark.parametrize("name", NAMES)
def test_file_names_of_any_kind(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "odd names"
    store = write_plain(folder / name, "odd-1", ("Paris",))
    (info,) = list_sessions(folder)
    assert info.db_path == store and info.message_count == 4
    assert get_session_stats(store, "odd-1").message_count == 4
    assert len(list(search_files([store], Query.parse("paris")))) > 0
    copy = backup_store(store, tmp_path / "backups").path
    assert item_texts(copy, "odd-1") == item_texts(store, "odd-1")


def test_a_symlink_loop_is_reported_not_followed(store_folder: Path) -> None:
    (store_folder / "loop-a.db").symlink_to(store_folder / "loop-b.db")
    (store_folder / "loop-b.db").symlink_to(store_folder / "loop-a.db")
    (store_folder / "sub").mkdir()
    (store_folder / "sub" / "back-up").symlink_to(store_folder, target_is_directory=True)
    for recursive in (False, True):
        scans = {scan.path.name: scan for scan in scan_directory(store_folder, recursive)}
        assert scans["loop-a.db"].problem is not None
        assert scans["loop-a.db"].problem.kind is ProblemKind.UNREADABLE
        assert scans["plain.db"].problem is None
    listed = list(iter_candidate_files(store_folder, recursive=True))
    assert len(listed) == len(set(listed))  # the link back up was not walked into


def test_a_folder_that_cannot_be_read_is_passed_over(
    store_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for a subfolder of another user's (mode 000): here os.scandir refuses it, as
    root, who may read anything, could not otherwise be shown the case."""
    locked = store_folder / "private"
    write_plain(locked / "secret.db", "secret-1", ("Rome",))
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = {info.session_id for info in list_sessions(store_folder, recursive=True)}
    assert "plain-1" in found and "secret-1" not in found
