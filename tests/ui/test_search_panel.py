"""Searching from the window: results as they arrive, filters, and opening a result at its item."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.search.folder import search_files
from agency_desktop.search.records import SearchHit
from agency_desktop.search.text import Query
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.listing import iter_candidate_files
from agency_desktop.ui import search_indexer
from agency_desktop.ui.models.message_table import Role as MessageRole
from agency_desktop.ui.models.search_results import (
    HIT,
    RELEVANCE,
    Column,
    SearchResultsModel,
    SearchResultsProxy,
)
from agency_desktop.ui.models.session_list import Role as SessionRole
from agency_desktop.ui.settings import Settings
from tests.helpers.stores import write_plain

TIMEOUT = 15_000


@pytest.fixture(autouse=True)
def _index_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_indexer, "INDEX_DELAY_MS", 0)


def _hits(folder: Path, text: str) -> list[SearchHit]:
    found = search_files(sorted(iter_candidate_files(folder)), Query.parse(text))
    return [hit for hit in found if isinstance(hit, SearchHit)]


def test_results_model_passes_qt_model_tester(qtmodeltester: Any, store_folder: Path) -> None:
    model = SearchResultsModel()
    model.reset(store_folder)
    model.add_hits(_hits(store_folder, "paris"))
    assert model.rowCount() == 12
    assert model.index(0, Column.FILE).data() in {"plain.db", "shared.db", "advanced.db"}
    qtmodeltester.check(model)
    proxy = SearchResultsProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.TIME)
    qtmodeltester.check(proxy)


def _search(qtbot: Any, window: Any, text: str, count: int) -> Any:
    panel = window.search_panel
    window.show_search()
    panel.query.setText(text)
    panel.search()
    qtbot.waitUntil(
        lambda: not panel.searching and panel.proxy.rowCount() == count, timeout=TIMEOUT
    )
    return panel


def test_typing_a_query_lists_every_match_in_the_folder(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    panel = _search(qtbot, window, "paris", 12)
    sessions = {panel.proxy.index(r, Column.SESSION).data() for r in range(12)}
    assert sessions == {"plain-1", "shared-a", "adv-1"}
    assert panel.status.text().startswith("12 results")
    panel.kind.setCurrentIndex(panel.kind.findData(ItemKind.FUNCTION_CALL))
    qtbot.waitUntil(lambda: not panel.searching and panel.proxy.rowCount() == 3, timeout=TIMEOUT)
    assert {panel.proxy.index(r, Column.TOOL).data() for r in range(3)} == {"get_weather"}


def test_a_result_opens_its_session_at_that_item(
    qtbot: Any, main_window: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "stores"
    path = write_plain(folder / "long.db", "long-1", ("Paris",))
    write_plain(folder / "other.db", "other-1", ("Rome",))
    session = SQLiteSession("long-1", path)
    try:  # a session far longer than one page, then a last turn about Lima
        items = asyncio.run(session.get_items())
        asyncio.run(session.add_items(items * 150))
    finally:
        session.close()
    write_plain(path, "long-1", ("Lima",))
    window = main_window(folder)
    qtbot.waitUntil(lambda: window.session_model.session_count() == 2, timeout=TIMEOUT)
    panel = _search(qtbot, window, "lima", 4)
    wanted = next(
        panel.proxy.index(r, 0).data(HIT)
        for r in range(4)
        if panel.proxy.index(r, Column.KIND).data() == "tool result"
    )
    row = next(r for r in range(4) if panel.proxy.index(r, 0).data(HIT) is wanted)
    panel.results.setCurrentIndex(panel.proxy.index(row, 0))
    model = window.message_model

    def focused() -> bool:
        current = window.message_view.currentIndex()
        return current.isValid() and current.data(MessageRole.ROW_ID) == wanted.row_id

    qtbot.waitUntil(focused, timeout=TIMEOUT)
    number = window.message_view.currentIndex().row()
    assert model.row(number).kind is ItemKind.FUNCTION_CALL_OUTPUT
    # Its position in the session is shown, though the first 600 items were never loaded.
    assert model.index(number, 0).data() == f"{4 * 151 + 3:,}"
    assert window.session_view.currentIndex().data(SessionRole.INFO).session_id == "long-1"
    assert window.side_tabs.currentWidget() is window.detail


def test_open_session_scope_searches_only_that_session(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    qtbot.waitUntil(lambda: window.session_model.session_count() == 5, timeout=TIMEOUT)
    proxy = window.session_proxy
    row = next(
        r
        for r in range(proxy.rowCount())
        if proxy.index(r, 0).data(SessionRole.INFO).session_id == "shared-b"
    )
    window.session_view.setCurrentIndex(proxy.index(row, 0))
    panel = window.search_panel
    panel.scope.setCurrentIndex(panel.scope.findData("session"))
    panel = _search(qtbot, window, "oslo", 4)
    assert {panel.proxy.index(r, Column.SESSION).data() for r in range(4)} == {"shared-b"}


def test_the_folder_is_indexed_in_the_background_and_searches_use_it(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    stores = sorted(iter_candidate_files(store_folder))
    # The first update may hold only the files listed so far: wait for the whole folder.
    qtbot.waitUntil(
        lambda: set(window.indexer.index.freshness(stores).fresh) == set(stores), timeout=TIMEOUT
    )
    panel = window.search_panel
    qtbot.waitUntil(lambda: panel.tool.findData("get_weather") > 0, timeout=TIMEOUT)
    panel.tool.setCurrentIndex(panel.tool.findData("get_weather"))
    _search(qtbot, window, "rome", 2)  # the calls of shared-b and custom-1


def test_turning_the_index_off_deletes_it_and_search_still_works(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    with qtbot.waitSignal(window.indexer.updated, timeout=TIMEOUT):
        pass
    assert window.indexer.index.path.exists()
    window.keep_index_action.trigger()
    qtbot.waitUntil(lambda: not window.indexer.busy, timeout=TIMEOUT)
    assert not window.indexer.index.path.exists()
    assert Settings(window.settings.store).keep_index is False
    _search(qtbot, window, "paris", 12)
    assert not window.indexer.index.path.exists()


def test_unsearchable_files_are_named_in_the_status(
    qtbot: Any, main_window: Any, broken_folder: tuple[Path, dict[str, Path]]
) -> None:
    folder, _files = broken_folder
    write_plain(folder / "good.db", "good-1", ("Paris",))
    window = main_window(folder)
    qtbot.waitUntil(lambda: window.session_model.session_count() == 1, timeout=TIMEOUT)
    panel = _search(qtbot, window, "paris", 4)
    assert "could not be searched" in panel.status.text()


def test_results_order_by_store_and_item_or_by_relevance(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    panel = _search(qtbot, window, "oslo", 12)
    panel.order.setCurrentIndex(1)  # by store and item
    keys = [
        (str(panel.proxy.index(r, 0).data(HIT).path), panel.proxy.index(r, 0).data(HIT).row_id)
        for r in range(12)
    ]
    assert keys == sorted(keys)
    panel.order.setCurrentIndex(2)  # most relevant first
    scores = [panel.proxy.index(r, Column.MATCH).data(RELEVANCE) for r in range(12)]
    assert scores == sorted(scores, reverse=True)
    panel.results.horizontalHeader().sectionClicked.emit(Column.SESSION)
    assert panel.order.currentIndex() == -1  # the list's order is the column's now


def test_matches_are_marked_in_results_and_in_the_conversation(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    from agency_desktop.ui.widgets.highlight_delegate import runs

    window = main_window(store_folder)
    panel = _search(qtbot, window, "oslo", 12)
    assert panel.highlighter.terms == ("oslo",)
    excerpt = panel.proxy.index(0, Column.MATCH).data()
    assert ("Oslo", True) in runs(excerpt, panel.terms)
    panel.results.grab()  # painted through the delegate without a complaint
    panel.results.setCurrentIndex(panel.proxy.index(0, 0))
    browser = window.detail.transcript
    qtbot.waitUntil(lambda: "Oslo" in browser.toPlainText(), timeout=TIMEOUT)
    at = browser.toPlainText().index("Oslo")
    cursor = browser.textCursor()
    cursor.setPosition(at + 1)
    assert cursor.charFormat().background().color().name() == "#ffe066"


def test_a_result_offers_open_copy_and_show_in_folder(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    from PySide6.QtWidgets import QApplication

    window = main_window(store_folder)
    window.show()
    panel = _search(qtbot, window, "lima", 4)
    hit = panel.proxy.index(0, 0).data(HIT)
    position = panel.results.visualRect(panel.proxy.index(0, 0)).center()
    panel.results.customContextMenuRequested.emit(position)
    menu = window.context_menus.shown
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert list(actions) == [
        "Open",
        "Copy Excerpt",
        "Copy Session ID",
        "Copy File Path",
        "Show in Folder",
    ]
    actions["Copy Session ID"].trigger()
    assert QApplication.clipboard().text() == hit.session_id
    actions["Open"].trigger()
    qtbot.waitUntil(lambda: window.message_model.session_id == hit.session_id, timeout=TIMEOUT)
    menu.close()


def test_a_cell_is_cut_into_runs_at_its_matches() -> None:
    from agency_desktop.ui.widgets.highlight_delegate import runs

    assert runs("Oslo: light snow in oslo", ("oslo",)) == [
        ("Oslo", True),
        (": light snow in ", False),
        ("oslo", True),
    ]
    assert runs("nothing here", ("oslo",)) == [("nothing here", False)]
