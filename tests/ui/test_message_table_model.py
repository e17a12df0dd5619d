from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.paging import MessageFilter
from agency_desktop.ui.models import message_table
from agency_desktop.ui.models.message_table import Column, MessageTableModel, Role
from tests.helpers.stores import corrupt_row, run_turns, write_plain

CITIES = ("Paris", "Oslo", "Lima", "Rome") * 15  # 60 turns, 240 items


@pytest.fixture(scope="module")
def _long_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plain(tmp_path_factory.mktemp("long") / "long.db", "long", CITIES)


@pytest.fixture
def long_store(_long_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "long.db"
    shutil.copyfile(_long_template, target)
    return target


@pytest.fixture
def model(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[MessageTableModel]:
    monkeypatch.setattr(message_table, "PAGE_SIZE", 50)
    created = MessageTableModel()
    yield created
    created.shutdown()
    assert not created._loader.qthread.isRunning()


def _open(qtbot: Any, model: MessageTableModel, path: Path, session: str, **kwargs: Any) -> None:
    with qtbot.waitSignal(model.pageLoaded, timeout=5000):
        model.open_session(path, session, **kwargs)


def _positions(model: MessageTableModel) -> list[int]:
    return [
        int(model.index(r, Column.POSITION).data().replace(",", ""))
        for r in range(model.rowCount())
    ]


def test_first_page_appears_and_model_passes_tester(
    qtbot: Any, qtmodeltester: Any, model, long_store
) -> None:
    _open(qtbot, model, long_store, "long")
    assert model.rowCount() == 50 and model.total == 240
    assert model.index(0, Column.KIND).data() == "user"
    assert model.index(1, Column.TOOL).data() == "get_weather"
    assert model.index(0, Column.PREVIEW).data() == "Weather in Paris?"
    qtmodeltester.check(model)


def test_fetch_more_pages_forward_by_row_id(qtbot: Any, model, long_store) -> None:
    _open(qtbot, model, long_store, "long")
    while model.canFetchMore():
        with qtbot.waitSignal(model.pageLoaded):
            model.fetchMore()
    assert model.rowCount() == 240
    assert _positions(model) == list(range(1, 241))
    assert not model.canFetchMore()


def test_jump_to_end_reads_only_the_last_page(qtbot: Any, model, long_store) -> None:
    _open(qtbot, model, long_store, "long")
    with qtbot.waitSignal(model.pageLoaded):
        model.jump_to_end()
    assert model.rowCount() == 50
    assert _positions(model) == list(range(191, 241))
    assert model.index(49, Column.KIND).data() == "assistant"
    with qtbot.waitSignal(model.rowsPrepended):
        model.fetch_earlier()
    assert _positions(model) == list(range(141, 241))


def test_window_is_bounded(qtbot: Any, model, long_store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(message_table, "MAX_WINDOW", 120)
    _open(qtbot, model, long_store, "long")
    while model.canFetchMore():
        with qtbot.waitSignal(model.pageLoaded):
            model.fetchMore()
    assert model.rowCount() == 120
    assert _positions(model) == list(range(121, 241))
    assert not model.at_start


def test_kind_filter_and_search(qtbot: Any, model, long_store) -> None:
    calls = MessageFilter(kinds=frozenset({ItemKind.FUNCTION_CALL}))
    _open(qtbot, model, long_store, "long", message_filter=calls)
    assert model.total == 60
    assert {model.index(r, Column.KIND).data() for r in range(model.rowCount())} == {"tool call"}
    with qtbot.waitSignal(model.pageLoaded):
        model.set_filter(MessageFilter(text="lima"))
    assert model.total == 60  # user question, call, result and answer of each Lima turn
    assert all(
        "lima" in model.index(r, Column.PREVIEW).data().lower() for r in range(model.rowCount())
    )


def test_invalid_json_rows_are_shown_and_marked(qtbot: Any, model, long_store) -> None:
    bad = corrupt_row(long_store, "{broken")
    _open(qtbot, model, long_store, "long")
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(Role.ROW_ID) == bad)
    assert model.index(row, Column.KIND).data() == "invalid JSON"
    assert model.index(row, Column.PREVIEW).data() == "{broken"


def test_follows_an_agent_appending(qtbot: Any, model, tmp_path: Path) -> None:
    path = write_plain(tmp_path / "live.db", "live", ("Paris",))
    _open(qtbot, model, path, "live")
    assert model.rowCount() == 4
    session = SQLiteSession("live", path)
    asyncio.run(run_turns(session, ["Oslo"]))
    session.close()
    qtbot.waitUntil(lambda: model.rowCount() == 8, timeout=5000)
    assert model.index(7, Column.PREVIEW).data() == "Oslo is snow."


def test_restarts_when_items_are_removed(qtbot: Any, model, tmp_path: Path) -> None:
    path = write_plain(tmp_path / "pop.db", "pop", ("Paris", "Oslo"))
    _open(qtbot, model, path, "pop")
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM agent_messages WHERE id > 4")
    conn.close()
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=5000)


def test_unknown_session_reports_failure(qtbot: Any, model, long_store) -> None:
    with qtbot.waitSignal(model.loadFailed) as failure:
        model.open_session(long_store, "missing")
    assert "missing" in failure.args[0]


def _last_id(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT max(id) FROM agent_messages").fetchone()[0])
    finally:
        conn.close()


def test_a_session_opened_with_its_listed_size_shows_it_without_counting_first(
    qtbot: Any, model, long_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agency_desktop.stores.paging import SessionReader

    calls: list[str] = []  # in the loader's thread, in the order it made them
    real_count, real_page = SessionReader.count, SessionReader.page_after
    monkeypatch.setattr(
        SessionReader, "count", lambda self: calls.append("count") or real_count(self)
    )
    monkeypatch.setattr(
        SessionReader,
        "page_after",
        lambda self, *a: calls.append("page") or real_page(self, *a),
    )
    _open(qtbot, model, long_store, "long", known=(240, _last_id(long_store)))
    assert model.rowCount() == 50 and model.total == 240
    qtbot.waitUntil(lambda: "count" in calls, timeout=5000)
    assert calls[:2] == ["page", "count"]  # the page first; the count only checks it
    assert model.total == 240 and _positions(model)[0] == 1


@pytest.mark.parametrize("jump", [False, True])
def test_a_session_listed_before_an_agent_wrote_is_opened_again_from_a_count(
    qtbot: Any, model, long_store, jump: bool
) -> None:
    stale = (236, _last_id(long_store) - 4)  # as listed before the last turn was written
    with qtbot.waitSignal(model.sessionOpened, timeout=5000):
        model.open_session(long_store, "long", known=stale)
        if jump:
            model.jump_to_end()
    qtbot.waitUntil(lambda: model.total == 240, timeout=5000)
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() > 0, timeout=5000)
    ids = [model.index(r, 0).data(Role.ROW_ID) for r in range(model.rowCount())]
    conn = sqlite3.connect(long_store)
    try:
        order = [row[0] for row in conn.execute("SELECT id FROM agent_messages ORDER BY id")]
    finally:
        conn.close()
    assert _positions(model) == [order.index(i) + 1 for i in ids]  # every position true
    assert (_positions(model)[0] > 1) is jump


def test_filtered_rows_keep_their_numbers_in_the_session(qtbot: Any, model, long_store) -> None:
    """A search or kind filter must not renumber the # column (each turn is 4 items)."""
    answers = MessageFilter(kinds=frozenset({ItemKind.ASSISTANT}))
    _open(qtbot, model, long_store, "long", message_filter=answers)
    assert _positions(model) == list(range(4, 201, 4))
    with qtbot.waitSignal(model.jumpedToEnd):
        model.jump_to_end()
    assert _positions(model) == list(range(44, 241, 4))
    last = model.index(model.rowCount() - 1, 0).data(Role.ROW_ID)
    assert model.position_of(last) == 240
    with qtbot.waitSignal(model.pageLoaded):
        model.set_filter(MessageFilter())
    assert _positions(model)[:3] == [1, 2, 3]
