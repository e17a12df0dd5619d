"""diff_sessions: two sessions the SDK wrote, compared item by item; nothing changes."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.ops.backup import backup_store
from agency_desktop.stores.errors import ProblemKind, SessionNotFoundError, StoreError
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.session_diff import DiffOp, diff_sessions
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import (
    corrupt_row,
    folder_snapshot,
    item_texts,
    write_long,
    write_plain,
)

Items = list[Any]


def copy_items(
    source: Path,
    session_id: str,
    target: Path,
    target_id: str,
    edit: Callable[[Items], Items] = lambda items: items,
) -> Path:
    """Session `target_id` in `target`: the items the SDK returns for the source session,
    edited as a branch or a restore might leave them, added back through the SDK."""

    async def copy() -> None:
        source_session = SQLiteSession(session_id, source)
        target_session = SQLiteSession(target_id, target)
        try:
            await target_session.add_items(edit(await source_session.get_items()))
        finally:
            source_session.close()
            target_session.close()

    asyncio.run(copy())
    return target


def edit_row(
    path: Path, row_id: int, edit: Callable[[str], str], table: str = "agent_messages"
) -> str:
    """Rewrite one stored item's text with sqlite3, deliberately; returns the new text."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            query = f"SELECT message_data FROM {table} WHERE id = ?"
            (text,) = conn.execute(query, (row_id,)).fetchone()
            new = edit(text)
            conn.execute(f"UPDATE {table} SET message_data = ? WHERE id = ?", (new, row_id))
    finally:
        conn.close()
    return new


def row_of(
    path: Path, session_id: str, call_id: str, kind: str, table: str = "agent_messages"
) -> int:
    conn = sqlite3.connect(path)
    try:
        query = (
            f"SELECT id FROM {table} WHERE session_id = ? AND json_extract(message_data,"
            " '$.call_id') = ? AND json_extract(message_data, '$.type') = ?"
        )
        return int(conn.execute(query, (session_id, call_id, kind)).fetchone()[0])
    finally:
        conn.close()


def new_output(text: str) -> str:
    item = json.loads(text)
    item["output"] = "Oslo: rain"
    return json.dumps(item)


@pytest.fixture
def chat(tmp_path: Path) -> Path:
    """Two turns (eight items) written by the SDK, in a folder of its own."""
    return write_plain(tmp_path / "stores" / "chat.db", "chat", ("Paris", "Oslo"))


def test_a_session_and_its_backup_are_the_same_and_nothing_changes(chat: Path) -> None:
    backup = backup_store(chat, chat.parent / "backup.db").path
    before = folder_snapshot(chat.parent)
    diff = diff_sessions(chat, "chat", backup, "chat")
    assert folder_snapshot(chat.parent) == before  # viewing changes nothing
    assert diff.identical and diff.first_difference is None
    assert diff.counts == {"same": 8, "added": 0, "removed": 0, "changed": 0}
    assert [(e.op, e.a_position, e.b_position, e.count) for e in diff.entries] == [
        (DiffOp.SAME, 1, 1, 8)
    ]
    assert diff.as_dict()["entries"] == []
    assert diff.as_dict(include_same=True)["entries"][0]["summary"] == "8 items the same"
    assert diff.summary_line() == "The sessions are the same: 8 items each."


def test_items_appended_after_a_backup_are_added_at_the_end(chat: Path) -> None:
    backup = backup_store(chat, chat.parent / "backup.db").path
    write_plain(chat, "chat", ("Lima",))  # the agent goes on after the backup
    before = folder_snapshot(chat.parent)
    diff = diff_sessions(backup, "chat", chat, "chat")
    assert folder_snapshot(chat.parent) == before
    assert not diff.identical
    assert (diff.common_prefix, diff.first_difference) == (8, 9)
    assert diff.counts == {"same": 8, "added": 4, "removed": 0, "changed": 0}
    added = diff.differences()
    assert [(e.op, e.a_position, e.b_position, e.b_row_id) for e in added] == [
        (DiffOp.ADDED, None, position, position) for position in (9, 10, 11, 12)
    ]
    assert [e.kind for e in added] == [
        ItemKind.USER,
        ItemKind.FUNCTION_CALL,
        ItemKind.FUNCTION_CALL_OUTPUT,
        ItemKind.ASSISTANT,
    ]
    assert [e.summary for e in added] == [
        "Weather in Lima?",
        'get_weather({"city":"Lima"})',
        "Lima: overcast",
        "Lima is overcast.",
    ]
    assert [e.call_id for e in added] == [None, "call_0_Lima", "call_0_Lima", None]
    assert diff.summary_line() == (
        "4 added, 0 removed, 0 changed, 8 items the same; the first difference is at item 9."
    )


def test_an_item_popped_with_the_sdk_is_removed(chat: Path) -> None:
    backup = backup_store(chat, chat.parent / "backup.db").path
    session = SQLiteSession("chat", chat)
    try:
        popped = asyncio.run(session.pop_item())
    finally:
        session.close()
    assert popped is not None and popped["role"] == "assistant"
    diff = diff_sessions(backup, "chat", chat, "chat")
    (removed,) = diff.differences()
    assert (removed.op, removed.a_position, removed.b_position) == (DiffOp.REMOVED, 8, None)
    assert (removed.a_row_id, removed.kind, removed.summary) == (
        8,
        ItemKind.ASSISTANT,
        "Oslo is snow.",
    )
    assert diff.counts == {"same": 7, "added": 0, "removed": 1, "changed": 0}


def test_a_changed_item_is_paired_by_call_id_past_an_item_inserted_before_it(
    chat: Path,
) -> None:
    # B: the same items with another tool result (Paris's, a real one) inserted before
    # Oslo's. That result is of the same kind at the same offset as Oslo's, so only the
    # call id tells which of the two Oslo's result became.
    branch = copy_items(
        chat,
        "chat",
        chat.parent / "branch.db",
        "chat",
        lambda items: [*items[:6], items[2], *items[6:]],
    )
    oslo = row_of(branch, "chat", "call_1_Oslo", "function_call_output")
    edit_row(branch, oslo, new_output)
    before = folder_snapshot(chat.parent)
    diff = diff_sessions(chat, "chat", branch, "chat")
    assert folder_snapshot(chat.parent) == before
    added, changed = diff.differences()
    assert (added.op, added.a_position, added.b_position) == (DiffOp.ADDED, None, 7)
    assert (added.call_id, added.summary) == ("call_0_Paris", "Paris: sunny")
    assert (changed.op, changed.a_position, changed.b_position) == (DiffOp.CHANGED, 7, 8)
    assert (changed.a_row_id, changed.b_row_id) == (7, oslo)
    assert changed.call_id == "call_1_Oslo" and changed.kind is ItemKind.FUNCTION_CALL_OUTPUT
    assert changed.fields == ("$.output",)
    assert changed.summary == "Oslo: rain"
    assert diff.counts == {"same": 7, "added": 1, "removed": 0, "changed": 1}
    assert diff.as_dict()["entries"][1]["fields"] == ["$.output"]


def test_key_order_and_whitespace_are_not_a_change(chat: Path) -> None:
    copy = backup_store(chat, chat.parent / "copy.db").path

    def reordered(text: str) -> str:
        item = json.loads(text)
        return json.dumps(dict(reversed(item.items())), indent=1)

    new = edit_row(copy, 2, reordered)
    assert new != edit_row(chat, 2, lambda text: text)  # the stored texts do differ
    assert diff_sessions(chat, "chat", copy, "chat").identical


def test_a_row_that_is_not_json_compares_by_its_text(chat: Path) -> None:
    copy = backup_store(chat, chat.parent / "copy.db").path
    corrupt_row(copy, "{not json")
    # Its kind is unknown, so it pairs with the tool call it replaced, whatever that was.
    (changed,) = diff_sessions(chat, "chat", copy, "chat").differences()
    assert (changed.op, changed.a_position, changed.b_position) == (DiffOp.CHANGED, 2, 2)
    assert (changed.fields, changed.summary) == (("$",), "{not json")
    corrupt_row(chat, "{not json")
    assert diff_sessions(chat, "chat", copy, "chat").identical


def test_custom_table_names_and_two_sessions_of_one_store(tmp_path: Path) -> None:
    tables = {"sessions_table": "my_sessions", "messages_table": "my_items"}
    custom = write_plain(tmp_path / "custom.db", "custom", ("Paris", "Oslo"), **tables)
    plain = write_plain(tmp_path / "plain.db", "plain", ("Paris", "Oslo"))
    assert diff_sessions(custom, "custom", plain, "plain").identical
    write_plain(custom, "other", ("Paris", "Rome"), **tables)
    diff = diff_sessions(custom, "custom", custom, "other")
    assert diff.common_prefix == 4
    assert [(e.op, e.a_position, e.b_position) for e in diff.differences()] == [
        (DiffOp.CHANGED, position, position) for position in (5, 6, 7, 8)
    ]
    user, call, result, _answer = diff.differences()
    assert user.fields == ("$.content",) and user.summary == "Weather in Rome?"
    assert call.fields == ("$.arguments", "$.call_id", "$.id")  # paired by kind and offset
    assert (result.b_row_id, result.call_id) == (15, "call_1_Rome")


def test_a_missing_session_or_store_is_named(chat: Path) -> None:
    with pytest.raises(SessionNotFoundError, match=r"chat\.db: no session 'nope'"):
        diff_sessions(chat, "chat", chat, "nope")
    with pytest.raises(StoreError) as caught:
        diff_sessions(chat.parent / "absent.db", "chat", chat, "chat")
    assert caught.value.kind is ProblemKind.MISSING and "absent.db" in str(caught.value)


def test_progress_is_reported_and_a_cancel_stops_it(tmp_path: Path) -> None:
    long = write_long(tmp_path / "long.db", "long", 12_000)
    reports: list[tuple[int, int, str]] = []
    diff = diff_sessions(long, "long", long, "long", progress=lambda *r: reports.append(r))
    assert diff.identical and diff.a.items == 12_000
    assert reports[0] == (5000, 24_000, "Reading") and reports[-1] == (24_000, 24_000, "Comparing")
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(OperationCancelled):
        diff_sessions(long, "long", long, "long", cancel=cancel)


def test_the_common_prefix_is_never_held_in_memory(tmp_path: Path) -> None:
    long = write_long(tmp_path / "long.db", "long", 30_000)
    backup = backup_store(long, tmp_path / "backup.db").path
    write_plain(long, "long", ("Lima",))
    tracemalloc.start()
    try:
        diff = diff_sessions(backup, "long", long, "long")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert diff.counts == {"same": 30_000, "added": 4, "removed": 0, "changed": 0}
    # The items' texts alone are several megabytes; reading keeps one batch at a time.
    texts = sum(len(text) for text in _texts(long))
    assert texts > 3_000_000
    assert peak < texts / 2


def _texts(path: Path) -> list[str]:
    return item_texts(path, "long")


def test_one_change_amid_a_long_repetitive_session_is_found_quickly(tmp_path: Path) -> None:
    # write_long repeats the same turns: every item has thousands of twins, which makes
    # the matcher quadratic unless the common start and end are cut off before it.
    long = write_long(tmp_path / "long.db", "long", 30_000)
    copy = backup_store(long, tmp_path / "copy.db").path
    edit_row(copy, 2, new_output)  # the first tool call gets an output field
    started = time.monotonic()
    diff = diff_sessions(long, "long", copy, "long")
    assert time.monotonic() - started < 20  # minutes when the matcher sees it all
    (changed,) = diff.differences()
    assert (changed.a_position, changed.b_position, changed.fields) == (2, 2, ("$.output",))
    assert [(e.op, e.count) for e in diff.entries] == [
        (DiffOp.SAME, 1),
        (DiffOp.CHANGED, 1),
        (DiffOp.SAME, 29_998),
    ]
