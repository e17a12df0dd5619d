"""The store seam: the SQLite file store behind `base.Store`, and the registry of kinds."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agency_desktop.stores.base import Store, StoreChangedError, StoreNow
from agency_desktop.stores.errors import SessionNotFoundError, StoreError
from agency_desktop.stores.listing import read_store_sessions
from agency_desktop.stores.paging import SessionReader
from agency_desktop.stores.registry import (
    KINDS,
    UnknownStoreKind,
    kind_of,
    names_a_folder,
    open_store,
)
from agency_desktop.stores.sqlite_file import SQLiteFileStore
from agency_desktop.stores.sqlite_writes import SessionExistsError
from agency_desktop.stores.stats import get_session_stats
from agency_desktop.util.progress import CancelToken, OperationCancelled, Reporter
from tests.helpers.stores import item_texts, write_plain


def test_a_path_opens_the_file_store_and_an_unknown_url_is_named(tmp_path: Path) -> None:
    assert isinstance(open_store(tmp_path / "a.db"), SQLiteFileStore)
    assert kind_of(str(tmp_path / "a.db")) is SQLiteFileStore
    store = open_store(tmp_path / "a.db")
    assert open_store(store) is store
    with pytest.raises(UnknownStoreKind, match="ftp://"):
        open_store("ftp://example.org/sessions")
    with pytest.raises(ValueError):  # a ValueError to callers that catch that
        kind_of("mongodb://localhost/db")
    assert KINDS[-1] is SQLiteFileStore  # it claims every path: server kinds go before it


def test_a_folder_or_a_missing_path_is_listed_as_a_folder(store_folder: Path) -> None:
    assert names_a_folder(store_folder)
    assert names_a_folder(store_folder / "absent")
    assert not names_a_folder(store_folder / "plain.db")


def test_reads_answer_as_the_readers_below_the_seam_do(store_folder: Path) -> None:
    path = store_folder / "shared.db"
    store = open_store(path)
    assert list(store.sessions()) == read_store_sessions(path)
    assert store.stats("shared-b").as_dict() == get_session_stats(path, "shared-b").as_dict()
    with store.reader("shared-b") as items, SessionReader(path, "shared-b") as direct:
        assert items.page_after(None, 50) == direct.page_after(None, 50)
        assert items.source == str(path)
        last = items.last_row_id()
        assert last is not None
    with SessionReader(path, "shared-b") as direct:
        assert store.read_item("shared-b", last) == direct.read_item(last)
    data = store.read_session("shared-b")
    texts = [m.message_data for m in data.messages]
    assert texts == item_texts(path, "shared-b")
    with pytest.raises(SessionNotFoundError):
        store.read_session("nope")


def test_item_tables_hold_every_row_of_every_pair(store_folder: Path) -> None:
    with open_store(store_folder / "shared.db").item_tables() as tables:
        tails = {table.name: table.tail() for table in tables}
        rows = [row for table in tables for row in table.rows_after(-1, 1000)]
        assert all(
            table.count_upto(tail[0] or 0) == tail[1]
            for table, tail in zip(tables, tails.values(), strict=True)
        )
    assert sum(count for _, count in tails.values()) == len(rows)
    assert {row[1] for row in rows} == {"shared-a", "shared-b"}


def test_reading_a_file_that_is_not_a_store_names_it(
    broken_folder: tuple[Path, dict[str, Path]],
) -> None:
    _, files = broken_folder
    store = open_store(files["random"])
    with pytest.raises(StoreError, match=r"random\.db"):
        list(store.sessions())
    with pytest.raises(StoreError), store.item_tables():
        pass


def test_a_guarded_delete_changes_nothing_when_the_guard_objects(store_folder: Path) -> None:
    path = store_folder / "shared.db"
    store = open_store(path)
    before = item_texts(path, "shared-a")
    seen: list[int] = []

    def guard(now: StoreNow) -> str | None:
        info = now.info("shared-a")
        assert info is not None
        seen.append(info.message_count)
        return "changed since the preview"

    with pytest.raises(StoreChangedError, match="preview"):
        store.delete_sessions(["shared-a"], guard=guard)
    assert seen == [len(before)] and item_texts(path, "shared-a") == before
    assert store.delete_sessions(["shared-a"], guard=lambda now: None) == len(before)
    assert item_texts(path, "shared-a") == [] and item_texts(path, "shared-b")


def test_append_writes_one_session_in_one_verified_transaction(
    store_folder: Path, tmp_path: Path
) -> None:
    source = open_store(store_folder / "plain.db")
    data = source.read_session("plain-1")
    target_path = write_plain(tmp_path / "target.db", "other")
    target = open_store(target_path)
    assert target.append_session(data) is False
    assert item_texts(target_path, "plain-1") == item_texts(store_folder / "plain.db", "plain-1")
    with pytest.raises(SessionExistsError):
        target.append_session(data)
    assert target.append_session(data, session_id="plain-1", replace=True) is True
    assert target.append_session(data, session_id="copy") is False
    assert len(item_texts(target_path, "copy")) == len(data.messages)


def test_a_cancelled_append_leaves_the_store_as_it_was(store_folder: Path, tmp_path: Path) -> None:
    data = open_store(store_folder / "plain.db").read_session("plain-1")
    target_path = write_plain(tmp_path / "target.db", "other")
    token = CancelToken()
    token.cancel()
    with pytest.raises(OperationCancelled):
        open_store(target_path).append_session(data, report=Reporter(None, token))
    assert item_texts(target_path, "plain-1") == []


def test_a_plain_session_is_not_appended_to_an_advanced_store(store_folder: Path) -> None:
    data = open_store(store_folder / "plain.db").read_session("plain-1")
    with pytest.raises(ValueError, match="AdvancedSQLiteSession"):
        open_store(store_folder / "advanced.db").append_session(data)


def test_every_kind_implements_the_whole_seam() -> None:
    for kind in KINDS:
        assert issubclass(kind, Store)
        assert not getattr(kind, "__abstractmethods__", None), kind
        assert kind.kind and kind.label


def test_stores_are_usable_from_threads(store_folder: Path) -> None:
    """Each thread opens its own reader, as the GUI's workers do."""
    store = open_store(store_folder / "shared.db")
    counts: list[int] = []

    def count() -> None:
        with store.reader("shared-b") as items:
            counts.append(items.count())

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(counts)) == 1 and counts[0] > 0
