from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from agency_desktop.stores.errors import SessionNotFoundError
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.paging import PREVIEW_READ_BYTES, MessageFilter, SessionReader
from tests.helpers.stores import corrupt_row, item_texts, write_plain

CITIES = ("Paris", "Oslo", "Lima", "Rome", "Paris", "Oslo")


@pytest.fixture
def long_store(tmp_path: Path) -> Path:
    return write_plain(tmp_path / "long.db", "long", CITIES)  # 24 items


def test_pages_forward_by_row_id_without_gaps(long_store: Path) -> None:
    with SessionReader(long_store, "long") as reader:
        seen, after = [], None
        while page := reader.page_after(after, limit=5):
            seen += [row.row_id for row in page]
            after = page[-1].row_id
        assert len(seen) == reader.count() == 24
        assert seen == sorted(seen)


def test_pages_backward_from_the_end(long_store: Path) -> None:
    with SessionReader(long_store, "long") as reader:
        last = reader.page_before(None, limit=5)
        assert [r.row_id for r in last][-1] == reader.last_row_id()
        earlier = reader.page_before(last[0].row_id, limit=5)
        assert earlier[-1].row_id < last[0].row_id
        assert [r.row_id for r in earlier] == sorted(r.row_id for r in earlier)


def test_rows_carry_kind_tool_call_id_and_preview(long_store: Path) -> None:
    with SessionReader(long_store, "long") as reader:
        user, call, result, answer = reader.page_after(limit=4)
    assert (user.kind, user.preview) == (ItemKind.USER, "Weather in Paris?")
    assert (call.kind, call.tool_name) == (ItemKind.FUNCTION_CALL, "get_weather")
    assert result.kind is ItemKind.FUNCTION_CALL_OUTPUT and result.call_id == call.call_id
    assert answer.kind is ItemKind.ASSISTANT and answer.preview == "Paris is sunny."


def test_invalid_json_rows_are_kept_and_marked(long_store: Path) -> None:
    bad_id = corrupt_row(long_store, "{oops")
    with SessionReader(long_store, "long") as reader:
        rows = {row.row_id: row for row in reader.page_after(limit=100)}
        assert len(rows) == 24
        assert rows[bad_id].valid_json is False
        assert rows[bad_id].preview == "{oops"
        assert reader.read_item(bad_id) == "{oops"


def test_huge_item_is_previewed_without_loading_it(long_store: Path) -> None:
    huge = json.dumps({"role": "user", "content": "x" * (PREVIEW_READ_BYTES * 4)})
    with sqlite3.connect(long_store) as conn:
        conn.execute(
            "INSERT INTO agent_messages (session_id, message_data) VALUES ('long', ?)", (huge,)
        )
    conn.close()
    with SessionReader(long_store, "long") as reader:
        (row,) = reader.page_before(None, limit=1)
        assert row.kind is ItemKind.USER and row.valid_json
        assert row.size_bytes == len(huge)
        assert len(row.preview) <= 200
        assert reader.read_item(row.row_id) == huge


def test_iter_items_yields_every_stored_text_in_order(long_store: Path) -> None:
    with SessionReader(long_store, "long") as reader:
        texts = [text for _, _, text in reader.iter_items(batch=7)]
    assert texts == item_texts(long_store, "long")


def test_unknown_session_is_a_clear_error(long_store: Path) -> None:
    with pytest.raises(SessionNotFoundError, match="other"):
        SessionReader(long_store, "other")


def test_kind_filter_matches_python_classification(long_store: Path) -> None:
    corrupt_row(long_store, "[not an object")
    with SessionReader(long_store, "long") as reader:
        every = reader.page_after(limit=1000)
        for kind in ItemKind:
            reader.set_filter(MessageFilter(kinds=frozenset({kind})))
            expected = [r.row_id for r in every if r.kind is kind]
            assert [r.row_id for r in reader.page_after(limit=1000)] == expected, kind
            assert reader.count() == len(expected)


def test_text_filter_is_literal_and_case_insensitive(long_store: Path) -> None:
    with SessionReader(long_store, "long", MessageFilter(text="OSLO")) as reader:
        rows = reader.page_after(limit=1000)
        assert rows and all("oslo" in r.preview.lower() for r in rows)
        reader.set_filter(MessageFilter(text="100%_"))
        assert reader.page_after() == [] and reader.count() == 0


def test_filtered_paging_backwards_and_positions(long_store: Path) -> None:
    calls = MessageFilter(kinds=frozenset({ItemKind.FUNCTION_CALL}))
    with SessionReader(long_store, "long", calls) as reader:
        last_two = reader.page_before(None, limit=2)
        assert [r.kind for r in last_two] == [ItemKind.FUNCTION_CALL] * 2
        assert reader.count_before(last_two[-1].row_id) == reader.count() - 1 == 5


def test_context_is_the_turn_around_an_item(long_store: Path) -> None:
    with SessionReader(long_store, "long") as reader:
        rows = reader.page_after(limit=8)
        turn = reader.context(rows[5].row_id)  # the second turn's tool call
        assert [c.row_id for c in turn] == [r.row_id for r in rows[4:8]]
        output = reader.find_call_output(rows[5].call_id or "", rows[5].row_id)
        assert output is not None and output.row_id == rows[6].row_id


def test_data_version_changes_when_another_connection_writes(long_store: Path) -> None:
    with SessionReader(long_store, "long") as reader:
        before = reader.data_version()
        assert reader.data_version() == before
        with sqlite3.connect(long_store) as writer:
            writer.execute(
                "INSERT INTO agent_messages (session_id, message_data) VALUES ('long', '{}')"
            )
        writer.close()
        assert reader.data_version() != before
        assert reader.count() == 25


def test_text_filter_finds_non_ascii_and_quoted_text(tmp_path: Path) -> None:
    import asyncio

    from agents import SQLiteSession

    session = SQLiteSession("s", tmp_path / "u.db")
    items = [
        {"role": "user", "content": t} for t in ("Wetter in München", "21 °C", 'she said "hi"')
    ]
    asyncio.run(session.add_items(items))
    session.close()
    with SessionReader(tmp_path / "u.db", "s") as reader:
        for text in ("München", "°C", 'said "hi"'):
            reader.set_filter(MessageFilter(text=text))
            assert reader.count() == 1, text


def test_positions_in_session_count_every_item_not_only_matches(long_store: Path) -> None:
    with SessionReader(long_store, "long") as reader:
        every = [row.row_id for row in reader.page_after(limit=100)]
        reader.set_filter(MessageFilter(kinds=frozenset({ItemKind.ASSISTANT})))
        answers = [row.row_id for row in reader.page_after(limit=100)]
        positions = reader.positions_in_session(answers)
    # Each turn is user, call, result, answer: the answers are items 4, 8, 12, ...
    assert positions == [every.index(row_id) + 1 for row_id in answers] == list(range(4, 25, 4))


def test_whole_items_page_both_ways_for_the_conversation_view(long_store: Path) -> None:
    with SessionReader(long_store, "long", MessageFilter(text="Oslo")) as reader:
        first = reader.items_after(None, 5)
        after = reader.items_after(first[-1].row_id, 100)
        last = reader.items_before(None, 3)
        before = reader.items_before(last[0].row_id, 2)
    texts = item_texts(long_store, "long")
    assert [item.text for item in first + after] == texts  # the filter is not applied
    assert [item.text for item in before + last] == texts[-5:]
