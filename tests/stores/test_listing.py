from __future__ import annotations

from pathlib import Path

import pytest

from agency_desktop.stores.errors import ProblemKind
from agency_desktop.stores.listing import find_problem_files, list_sessions, scan_directory
from agency_desktop.stores.schema import StoreKind
from tests.helpers.stores import write_plain


def test_lists_one_entry_per_session_with_kind_and_counts(store_folder: Path) -> None:
    found = {info.session_id: info for info in list_sessions(store_folder)}
    assert set(found) == {"plain-1", "shared-a", "shared-b", "adv-1", "custom-1"}
    assert found["plain-1"].message_count == 8  # two turns: user, call, result, answer
    assert found["shared-b"].message_count == 12
    assert found["shared-a"].db_path == found["shared-b"].db_path == store_folder / "shared.db"
    assert found["plain-1"].kind is StoreKind.PLAIN
    assert found["adv-1"].kind is StoreKind.ADVANCED
    assert found["custom-1"].kind is StoreKind.CUSTOM
    assert (found["custom-1"].sessions_table, found["custom-1"].messages_table) == (
        "my_sessions",
        "my_items",
    )
    for info in found.values():
        assert info.size_bytes == info.db_path.stat().st_size
        assert info.created_at is not None and info.updated_at is not None
        assert info.updated_at >= info.created_at
        assert info.last_message_id is not None


def test_not_a_store_files_are_skipped_and_reported_with_reason(
    store_folder: Path, broken_folder
) -> None:
    folder, _files = broken_folder
    write_plain(folder / "good.db", "good")
    assert [i.session_id for i in list_sessions(folder)] == ["good"]
    problems = {p.path.name: p.kind for p in find_problem_files(folder)}
    assert problems == {
        "empty.db": ProblemKind.EMPTY,
        "random.db": ProblemKind.NOT_SQLITE,
        "header.db": ProblemKind.NOT_SQLITE,
        "truncated.db": ProblemKind.CORRUPT,
        "other.sqlite": ProblemKind.NOT_A_STORE,
    }
    assert (
        find_problem_files(store_folder) == []
    )  # notes.txt is neither SQLite nor named like a store


def test_recursive_listing_finds_nested_stores(store_folder: Path) -> None:
    write_plain(store_folder / "team" / "nested.db", "nested")
    assert "nested" not in {i.session_id for i in list_sessions(store_folder)}
    assert "nested" in {i.session_id for i in list_sessions(store_folder, recursive=True)}


def test_scan_streams_one_result_per_candidate_file(store_folder: Path) -> None:
    scans = list(scan_directory(store_folder))
    assert [s.path.name for s in scans] == ["advanced.db", "custom.db", "plain.db", "shared.db"]


def test_missing_or_file_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder"):
        list_sessions(tmp_path / "absent")
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError):
        list_sessions(tmp_path / "f")


def test_a_fifo_named_like_a_store_is_reported_not_opened(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.db")  # opening it to read would block forever
    (problem,) = find_problem_files(tmp_path)
    assert problem.kind is ProblemKind.UNREADABLE and "regular file" in problem.detail


def test_sessions_are_found_by_seeks_or_by_a_scan_with_the_same_result(tmp_path: Path) -> None:
    """The SDK indexes session_id, and listing skips along that index; a store without
    the index is read the plain way, with the same sessions."""
    import sqlite3

    from agency_desktop.stores.listing import read_store_sessions
    from agency_desktop.stores.schema import discover_layout

    store = tmp_path / "many.db"
    for n in range(5):
        write_plain(store, f"s-{n}", ("Paris",) * (n + 1))
    conn = sqlite3.connect(store)
    assert discover_layout(conn).pairs[0].session_indexed  # the SDK's index is seen
    conn.close()
    indexed = sorted((i.session_id, i.message_count) for i in read_store_sessions(store))
    conn = sqlite3.connect(store)
    conn.execute("DROP INDEX idx_agent_messages_session_id")
    conn.commit()
    conn.close()
    plain = sorted((i.session_id, i.message_count) for i in read_store_sessions(store))
    assert indexed == plain == [(f"s-{n}", 4 * (n + 1)) for n in range(5)]


@pytest.mark.parametrize(
    "index",
    [
        "CREATE INDEX odd ON agent_messages (session_id) WHERE id > 2",
        "CREATE INDEX odd ON agent_messages (session_id COLLATE NOCASE, id)",
    ],
)
def test_an_index_the_planner_cannot_seek_with_is_not_taken_for_one(
    tmp_path: Path, index: str
) -> None:
    """Each step of the skip scan would then read the whole table: DISTINCT is used."""
    import sqlite3

    from agency_desktop.stores.listing import read_store_sessions
    from agency_desktop.stores.schema import discover_layout

    store = write_plain(tmp_path / "odd.db", "odd-1", ("Paris",))
    conn = sqlite3.connect(store)
    conn.execute("DROP INDEX idx_agent_messages_session_id")
    conn.execute(index)
    conn.commit()
    assert not discover_layout(conn).pairs[0].session_indexed
    conn.close()
    assert [i.session_id for i in read_store_sessions(store)] == ["odd-1"]


def test_sessions_carry_the_tokens_their_turns_used_where_the_store_keeps_usage(
    store_folder: Path,
) -> None:
    found = {info.session_id: info for info in list_sessions(store_folder)}
    # adv-1: two turns of two model calls each, stored with store_run_usage: 2 x (110 + 111).
    assert found["adv-1"].tokens == 442
    assert found["plain-1"].tokens is None  # SQLiteSession keeps no usage: none, not zero
    assert found["adv-1"].as_dict()["tokens"] == 442
