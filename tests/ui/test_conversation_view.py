"""The conversation tab: the whole session as a chat, read a window at a time."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agency_desktop.stores.listing import read_store_sessions
from agency_desktop.stores.paging import SessionReader
from agency_desktop.ui.chat_document import SELECTED_BORDER
from agency_desktop.ui.widgets import conversation_view
from agency_desktop.ui.widgets.conversation_view import ConversationView
from agency_desktop.ui.workers import WorkerPool
from tests.helpers.stores import write_plain

CITIES = ("Paris", "Oslo", "Lima", "Rome") * 10  # 40 turns, 160 items


@pytest.fixture(scope="module")
def _chat_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plain(tmp_path_factory.mktemp("chat") / "chat.db", "chat", CITIES)


@pytest.fixture
def chat(_chat_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copyfile(_chat_template, tmp_path / "chat.db"))


@pytest.fixture
def view(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConversationView]:
    monkeypatch.setattr(conversation_view, "PAGE", 10)
    monkeypatch.setattr(conversation_view, "MAX_ITEMS", 40)
    pool = WorkerPool()
    widget = ConversationView(pool)
    widget.resize(500, 400)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    pool.shutdown()


def _ids(path: Path) -> list[int]:
    with SessionReader(path, "chat") as reader:
        return [row.row_id for row in reader.page_after(None, 1000)]


def _show(qtbot: Any, view: ConversationView, path: Path, row_id: int) -> None:
    with qtbot.waitSignal(view.itemShown, timeout=5000) as shown:
        view.show_item(path, "chat", row_id)
    assert shown.args == [row_id] and not view.drawing  # shown once its place is drawn


def _selected_entries(view: ConversationView) -> list[tuple[int, ...]]:
    return [p.entry.row_ids for p in view._placed if p.table.format().border() == SELECTED_BORDER]


def test_shows_the_turns_around_the_item_not_only_its_own(qtbot: Any, view, chat) -> None:
    ids = _ids(chat)
    _show(qtbot, view, chat, ids[80])
    text = view.browser.toPlainText()
    assert text.count("User ·") >= 2  # several turns, as a chat shows them
    held = view.item_ids
    start = ids.index(held[0])
    assert held == ids[start : start + len(held)] and held[0] < ids[80] < held[-1]
    assert len(_selected_entries(view)) == 1 and ids[80] in _selected_entries(view)[0]
    assert "◀ selected" in text


def test_the_header_names_the_conversation_its_store_and_length(qtbot: Any, view, chat) -> None:
    (info,) = read_store_sessions(chat)
    view.set_session(info)
    assert view.title.text() == "Weather in Paris?"
    assert view.facts.text() == "Session chat · chat.db · 160 items"


def test_another_item_already_read_is_marked_without_reading_again(qtbot: Any, view, chat) -> None:
    ids = _ids(chat)
    _show(qtbot, view, chat, ids[80])
    before = view.item_ids
    _show(qtbot, view, chat, ids[84])  # the signal comes at once: nothing is read
    assert view.item_ids == before and view._worker is None
    assert ids[84] in _selected_entries(view)[0] and len(_selected_entries(view)) == 1


def test_scrolling_to_the_end_reads_on_and_holds_a_bounded_window(qtbot: Any, view, chat) -> None:
    ids = _ids(chat)
    _show(qtbot, view, chat, ids[0])
    bar = view.browser.verticalScrollBar()
    for _ in range(30):
        if view.item_ids[-1] == ids[-1]:
            break
        last = view.item_ids[-1]
        bar.setValue(bar.maximum())
        qtbot.waitUntil(
            lambda last=last: view.item_ids[-1] != last and not view.drawing, timeout=5000
        )
        assert len(view.item_ids) <= conversation_view.MAX_ITEMS
    held = view.item_ids  # the far start was let go, whole entries at a time
    assert 30 <= len(held) <= 40 and held == ids[-len(held) :]
    assert view.browser.toPlainText().rstrip().endswith("Rome is warm.")


def test_scrolling_up_reads_earlier_items_and_keeps_the_view_still(qtbot: Any, view, chat) -> None:
    ids = _ids(chat)
    _show(qtbot, view, chat, ids[-1])
    bar = view.browser.verticalScrollBar()
    first = view.item_ids[0]
    bar.setValue(bar.minimum())
    top_before = view._entry_top(view._placed[0])
    qtbot.waitUntil(lambda: view.item_ids[0] != first and not view.drawing, timeout=5000)
    assert view.item_ids[0] == ids[ids.index(first) - 10]
    (holding,) = [p for p in view._placed if first in p.entry.row_ids]
    assert abs(view._entry_top(holding) - top_before) < 20  # what was on top stays there
    assert bar.value() > bar.minimum()


def test_another_session_empties_the_view_until_it_is_read(
    qtbot: Any, view, chat, tmp_path
) -> None:
    other = write_plain(tmp_path / "other.db", "chat", ("Lima",))
    ids = _ids(chat)
    _show(qtbot, view, chat, ids[0])
    view.show_item(other, "chat", _ids(other)[0])
    assert view.browser.toPlainText() == ""  # never the first session's text under the second
    qtbot.waitUntil(lambda: "Lima" in view.browser.toPlainText(), timeout=5000)
    assert "Paris" not in view.browser.toPlainText()


def test_usage_per_turn_and_per_session_with_an_estimated_cost(
    qtbot: Any, view, tmp_path: Path
) -> None:
    from agency_desktop.util.pricing import Price, PriceTable
    from tests.helpers.stores import write_advanced

    path = write_advanced(tmp_path / "adv.db", "chat")  # Paris then Oslo, usage stored
    (info,) = read_store_sessions(path)
    view.set_session(info)
    view.set_prices(PriceTable({"m": Price(1.0, 2.0)}, "m"))
    _show(qtbot, view, path, _ids(path)[0])
    text = view.browser.toPlainText()
    # Each turn made two model calls of 100+i in and 10 out (see run_turns).
    assert "turn 1 · 220 tokens (200 in, 20 out)" in text
    assert "turn 2 · 222 tokens (202 in, 20 out)" in text
    facts = view.facts.text()
    assert "442 tokens (402 in, 40 out)" in facts
    assert "≈ $0.000482 estimate at m prices" in facts  # (402 x 1 + 40 x 2) / 1e6


def test_a_store_without_usage_says_nothing_of_tokens(qtbot: Any, view, chat) -> None:
    (info,) = read_store_sessions(chat)
    view.set_session(info)
    _show(qtbot, view, chat, _ids(chat)[0])
    assert "token" not in view.facts.text() and "token" not in view.browser.toPlainText()


def test_another_session_of_the_same_store_never_shows_the_first_ones_usage(
    qtbot: Any, view, tmp_path: Path
) -> None:
    from tests.helpers.stores import write_advanced

    path = write_advanced(tmp_path / "adv.db", "chat")
    write_advanced(path, "other", ("Rome",))
    infos = {info.session_id: info for info in read_store_sessions(path)}
    view.set_session(infos["chat"])
    _show(qtbot, view, path, _ids(path)[0])
    assert "442 tokens" in view.facts.text()
    view.set_session(infos["other"])  # its own usage comes with its first page
    assert "token" not in view.facts.text()
