from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QUrl

from agency_desktop.stores.paging import ContextItem
from agency_desktop.ui.chat_document import insert_entries
from agency_desktop.ui.chat_markdown import REASONING_SCHEME, ChatTurn, chat_entries, render_turn
from agency_desktop.ui.widgets.message_detail import MessageDetail
from agency_desktop.ui.workers import WorkerPool


def _items(*items: Any) -> list[ContextItem]:
    return [
        ContextItem(i, None, json.dumps(item), len(json.dumps(item)))
        for i, item in enumerate(items, 1)
    ]


USER = {"role": "user", "content": "Weather in Paris?"}
CALL = {
    "type": "function_call",
    "name": "get_weather",
    "call_id": "c1",
    "arguments": '{"city": "Paris"}',
}
RESULT = {"type": "function_call_output", "call_id": "c1", "output": "Sunny"}
REASONING = {
    "type": "reasoning",
    "summary": [{"type": "summary_text", "text": "Check the tool first."}],
}
ANSWER = {
    "type": "message",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "It is sunny."}],
}


def test_tool_results_follow_their_calls() -> None:
    text = render_turn(ChatTurn(_items(USER, CALL, ANSWER, RESULT), selected_id=2))
    call, result, answer = (
        text.index("Tool call: get_weather"),
        text.index("Sunny"),
        text.index("It is sunny."),
    )
    assert call < result < answer  # the result is drawn with its call, not where it was stored
    assert text.count("Sunny") == 1
    assert "◀ selected" in text[call:result]


def test_result_found_outside_the_turn_is_used() -> None:
    turn = ChatTurn(
        _items(USER, CALL),
        selected_id=2,
        extra_outputs={"c1": ContextItem(9, None, json.dumps(RESULT), 60)},
    )
    assert "Sunny" in render_turn(turn)
    assert "No result recorded yet" in render_turn(ChatTurn(_items(USER, CALL), selected_id=2))


def test_reasoning_is_folded_until_asked_for() -> None:
    turn = ChatTurn(_items(USER, REASONING, ANSWER), selected_id=1)
    assert "Check the tool first." not in render_turn(turn)
    assert f"({REASONING_SCHEME}:2)" in render_turn(turn)
    assert "Check the tool first." in render_turn(turn, expanded_reasoning={2})


def test_unreadable_and_truncated_items_are_labelled() -> None:
    broken = ContextItem(1, None, "{nope", 5)
    huge = ContextItem(2, None, '{"role": "user", "content": "xxx', 80_000_000)
    text = render_turn(ChatTurn([broken, huge], selected_id=1))
    assert "Unreadable item (not valid JSON)" in text and "Large item (76.3 MB)" in text


def test_hostile_content_renders_inert(qtbot: Any) -> None:
    hostile = {
        "role": "user",
        "content": '<script>alert(1)</script> <img src="http://example.invalid/x.png"> '
        "![tracker](http://example.invalid/t.png) [click](http://example.invalid)",
    }
    pool = WorkerPool()
    detail = MessageDetail(pool)
    qtbot.addWidget(detail)
    requested: list[str] = []
    browser = detail.transcript
    original = browser.loadResource

    def spy(kind: int, name: QUrl | str) -> Any:
        requested.append(QUrl(name).toString())
        return original(kind, name)

    browser.loadResource = spy  # type: ignore[method-assign]
    insert_entries(browser.document(), chat_entries(_items(hostile), 1), None)
    browser.grab()  # lay out and paint: this is when images would be fetched
    pool.shutdown()
    plain = browser.toPlainText()
    assert "<script>alert(1)</script>" in plain and "<img" in plain  # shown as text, not markup
    assert set(requested) == {"http://example.invalid/t.png"}  # asked for, and refused:
    assert original(2, QUrl(requested[0])) is None
    assert not browser.openLinks() and not browser.openExternalLinks()
