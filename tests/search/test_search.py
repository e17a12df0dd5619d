"""Folder search: the scan and the index give the same answers, and stay current."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.search.folder import search_files, update_index
from agency_desktop.search.index import SearchIndex
from agency_desktop.search.records import SearchFilter, SearchHit, UnsearchableFile
from agency_desktop.search.text import Query
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.listing import iter_candidate_files
from agency_desktop.util.progress import CancelToken
from tests.helpers.stores import folder_snapshot, write_plain

Key = tuple[str, str, str, int, ItemKind]


def _stores(folder: Path) -> list[Path]:
    return sorted(iter_candidate_files(folder))


def _keys(results: list[SearchHit | UnsearchableFile]) -> set[Key]:
    return {
        (hit.path.name, hit.messages_table, hit.session_id, hit.row_id, hit.kind)
        for hit in results
        if isinstance(hit, SearchHit)
    }


def _search(
    folder: Path, text: str, index: SearchIndex | None = None, **filters: object
) -> list[SearchHit | UnsearchableFile]:
    search_filter = SearchFilter(**filters)  # type: ignore[arg-type]
    return list(search_files(_stores(folder), Query.parse(text), search_filter, index))


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    return SearchIndex(tmp_path / "cache" / "index.sqlite3")


def _indexed(folder: Path, index: SearchIndex) -> SearchIndex:
    update_index(index, _stores(folder))
    assert set(index.freshness(_stores(folder)).fresh) == set(_stores(folder))
    return index


QUERIES = ["paris", "PAR", "sunny paris", "get_weather", "oslo snow", "rome", "absent-word"]


@pytest.mark.parametrize("text", QUERIES)
def test_scan_and_index_find_the_same_items(
    store_folder: Path, index: SearchIndex, text: str
) -> None:
    scanned = _keys(_search(store_folder, text))
    _indexed(store_folder, index)
    assert _keys(_search(store_folder, text, index)) == scanned
    assert _keys(index_only(store_folder, index, text)) == scanned


def index_only(folder: Path, index: SearchIndex, text: str) -> list[SearchHit]:
    fresh = index.freshness(_stores(folder)).fresh
    pages = index.search(Query.parse(text), SearchFilter(), fresh.values(), 1000, page=5)
    return [hit for page in pages for hit in page]


def test_a_city_is_found_in_every_item_of_its_turns(store_folder: Path) -> None:
    hits = [hit for hit in _search(store_folder, "paris") if isinstance(hit, SearchHit)]
    # Paris turns: plain-1, shared-a, adv-1; each stores the question, the call, its
    # result and the answer.
    assert sorted({hit.session_id for hit in hits}) == ["adv-1", "plain-1", "shared-a"]
    assert len(hits) == 12
    assert {hit.kind for hit in hits} == {
        ItemKind.USER, ItemKind.FUNCTION_CALL, ItemKind.FUNCTION_CALL_OUTPUT, ItemKind.ASSISTANT,
    }  # fmt: skip
    assert all("paris" in hit.snippet.lower() for hit in hits)


@pytest.mark.parametrize("use_index", [False, True])
def test_json_keys_and_call_ids_are_not_content(
    store_folder: Path, index: SearchIndex, use_index: bool
) -> None:
    searched = _indexed(store_folder, index) if use_index else None
    for text in ("role", "content", "call_id", "output_text", "call_0_Paris"):
        assert _keys(_search(store_folder, text, searched)) == set(), text


@pytest.mark.parametrize("use_index", [False, True])
def test_filters_by_kind_tool_session_and_time(
    store_folder: Path, index: SearchIndex, use_index: bool
) -> None:
    searched = _indexed(store_folder, index) if use_index else None
    calls = _search(store_folder, "paris", searched, kinds=frozenset({ItemKind.FUNCTION_CALL}))
    assert {(h.kind, h.tool) for h in calls if isinstance(h, SearchHit)} == {
        (ItemKind.FUNCTION_CALL, "get_weather")
    }
    assert len(_keys(calls)) == 3
    assert _keys(_search(store_folder, "paris", searched, tool="get_weather")) == _keys(calls)
    assert _keys(_search(store_folder, "paris", searched, tool="other_tool")) == set()
    one_store = [store_folder / "shared.db"]
    scoped = search_files(
        one_store, Query.parse("oslo"), SearchFilter(session_id="shared-b"), searched
    )
    assert {hit.session_id for hit in scoped if isinstance(hit, SearchHit)} == {"shared-b"}
    now = datetime.now(UTC)
    assert len(_keys(_search(store_folder, "paris", searched, since=now - timedelta(days=1)))) == 12
    assert _keys(_search(store_folder, "paris", searched, since=now + timedelta(hours=1))) == set()
    assert _keys(_search(store_folder, "paris", searched, until=now - timedelta(days=1))) == set()


def test_non_ascii_words_are_found_in_any_case(tmp_path: Path, index: SearchIndex) -> None:
    folder = tmp_path / "stores"
    write_plain(folder / "intl.db", "intl-1", ("Zürich", "Kraków"))
    for text in ("zürich", "ZÜRICH", "Krak", "kraków"):
        scanned = _keys(_search(folder, text))
        assert len(scanned) == 4, text  # question, call, result, answer
        _indexed(folder, index)
        assert _keys(_search(folder, text, index)) == scanned, text


def test_query_syntax_is_never_interpreted(store_folder: Path, index: SearchIndex) -> None:
    _indexed(store_folder, index)
    for text in ('"', "paris OR", "NOT paris", "par* (", "-paris", "paris:", "^paris", "_%"):
        results = _search(store_folder, text, index)
        assert _keys(results) == _keys(_search(store_folder, text)), text


def test_appended_items_are_found_before_and_after_the_index_catches_up(
    store_folder: Path, index: SearchIndex
) -> None:
    _indexed(store_folder, index)
    assert _keys(_search(store_folder, "lima", index, session_id="plain-1")) == set()
    write_plain(store_folder / "plain.db", "plain-1", ("Lima",))  # an agent carries on
    stale = index.freshness(_stores(store_folder)).stale(_stores(store_folder))
    assert stale == [store_folder / "plain.db"]
    scanned = _keys(_search(store_folder, "lima", index, session_id="plain-1"))
    assert len(scanned) == 4  # found by scanning the changed file
    update_index(index, _stores(store_folder))
    assert index.freshness(_stores(store_folder)).stale(_stores(store_folder)) == []
    assert {
        k for k in _keys(index_only(store_folder, index, "lima")) if k[2] == "plain-1"
    } == scanned


def test_removed_items_leave_the_index(store_folder: Path, index: SearchIndex) -> None:
    _indexed(store_folder, index)
    path = store_folder / "plain.db"
    session = SQLiteSession("plain-1", path)
    try:
        asyncio.run(session.clear_session())
    finally:
        session.close()
    update_index(index, _stores(store_folder))
    assert {k[2] for k in _keys(index_only(store_folder, index, "oslo"))} == {"shared-b", "adv-1"}


def test_deleted_files_are_forgotten(store_folder: Path, index: SearchIndex) -> None:
    _indexed(store_folder, index)
    (store_folder / "custom.db").unlink()
    assert index.forget_missing() == 1
    with index.connect() as conn:
        tables = {row[0] for row in conn.execute("SELECT messages_table FROM sources")}
    assert "my_items" not in tables


def test_indexing_in_small_steps_gives_the_same_index(store_folder: Path, tmp_path: Path) -> None:
    whole = _indexed(store_folder, SearchIndex(tmp_path / "whole.sqlite3"))
    stepped = SearchIndex(tmp_path / "stepped.sqlite3")
    update_index(stepped, _stores(store_folder), budget=3)
    for text in QUERIES:
        assert _keys(index_only(store_folder, stepped, text)) == _keys(
            index_only(store_folder, whole, text)
        )


def test_a_cancelled_update_keeps_its_work_and_resumes(
    store_folder: Path, index: SearchIndex
) -> None:
    cancel = CancelToken()

    def progress(done: int, _total: int, _name: str) -> None:
        if done >= 1:
            cancel.cancel()

    update_index(index, _stores(store_folder), progress=progress, cancel=cancel, budget=2)
    stores = _stores(store_folder)
    assert 0 < len(index.freshness(stores).fresh) < len(stores)
    update_index(index, stores)
    assert set(index.freshness(stores).fresh) == set(stores)


def test_search_and_indexing_write_nothing_into_the_stores(
    store_folder: Path, index: SearchIndex
) -> None:
    before = folder_snapshot(store_folder)
    _search(store_folder, "paris")
    _indexed(store_folder, index)
    _search(store_folder, "paris", index)
    assert folder_snapshot(store_folder) == before
    assert index.path.parent != store_folder


def test_unreadable_files_are_named_not_fatal(
    broken_folder: tuple[Path, dict[str, Path]], index: SearchIndex
) -> None:
    _folder, files = broken_folder
    paths = sorted(files.values())
    for searched in (None, index):
        if searched is not None:
            update_index(searched, paths)
        results = list(search_files(paths, Query.parse("paris"), SearchFilter(), searched))
        problems = {r.path: r.message for r in results if isinstance(r, UnsearchableFile)}
        assert set(problems) == set(paths)
        assert all(str(path) in message for path, message in problems.items())


def test_the_index_is_private_and_can_be_cleared(store_folder: Path, index: SearchIndex) -> None:
    _indexed(store_folder, index)
    assert stat.S_IMODE(index.path.stat().st_mode) == 0o600
    index.clear()
    assert not index.path.exists()
    assert index.freshness(_stores(store_folder)).fresh == {}


def test_reading_a_deleted_index_does_not_bring_it_back(
    store_folder: Path, index: SearchIndex
) -> None:
    """A reader still running when the user turns the index off must not re-create it."""
    _indexed(store_folder, index)
    index.clear()
    assert index.tools() == []
    assert index.indexed_files() == 0
    assert index.forget_missing() == 0
    assert _keys(_search(store_folder, "paris", index)) == _keys(_search(store_folder, "paris"))
    assert not index.path.exists()
    assert not index.path.parent.exists() or list(index.path.parent.iterdir()) == []


def test_results_stop_at_the_limit(store_folder: Path, index: SearchIndex) -> None:
    hits = list(search_files(_stores(store_folder), Query.parse("paris"), limit=5))
    assert len(hits) == 5
    _indexed(store_folder, index)
    assert (
        len(list(search_files(_stores(store_folder), Query.parse("paris"), index=index, limit=5)))
        == 5
    )


def test_the_index_knows_the_tools_it_has_seen(store_folder: Path, index: SearchIndex) -> None:
    _indexed(store_folder, index)
    assert index.tools() == ["get_weather"]
