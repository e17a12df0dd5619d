"""Items no agent should write, read by every part of the app without a crash or a hang.

A 50 MB message, a turn of 10,000 tool calls (written by the SDK), and rows only a
broken or hostile writer leaves (made by hand): JSON nested far beyond Python's
recursion limit, text that is not JSON, JSON null, a bare number, and bytes that are
not UTF-8. Each is listed, counted, paged, shown in the transcript and as JSON,
searched and exported; the broken ones are marked, never dropped.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.ops.export import ExportFormat, export_session
from agency_desktop.search.folder import search_files, update_index
from agency_desktop.search.index import SearchIndex
from agency_desktop.search.text import Query
from agency_desktop.stores.listing import scan_store
from agency_desktop.stores.paging import SessionReader
from agency_desktop.stores.stats import get_session_stats

HUGE_CHARS = 50 * 1024 * 1024
CALLS = 10_000
DEPTH = sys.getrecursionlimit() * 20
BROKEN_ROWS = {
    "deep": "[" * DEPTH + "]" * DEPTH,
    "not json": "{this is not json",
    "null": "null",
    "number": "42",
}


def _write_hostile_store(path: Path) -> Path:
    session = SQLiteSession("hostile", path)
    calls = [
        {
            "type": "function_call",
            "call_id": f"call_{n}",
            "name": "get_weather",
            "arguments": json.dumps({"city": "Paris"}),
            "id": f"fc_{n}",
        }
        for n in range(CALLS)
    ]
    outputs = [
        {"type": "function_call_output", "call_id": f"call_{n}", "output": "sunny"}
        for n in range(CALLS)
    ]
    huge = {"role": "user", "content": "needle " + "x" * HUGE_CHARS}
    asyncio.run(session.add_items([{"role": "user", "content": "Weather everywhere?"}]))
    asyncio.run(session.add_items([*calls, *outputs]))
    asyncio.run(session.add_items([huge]))
    session.close()
    conn = sqlite3.connect(path)
    with conn:
        for text in BROKEN_ROWS.values():
            conn.execute(
                "INSERT INTO agent_messages (session_id, message_data) VALUES ('hostile', ?)",
                (text,),
            )
        conn.execute(  # not UTF-8: SQLite stores what it is given
            "INSERT INTO agent_messages (session_id, message_data)"
            " VALUES ('hostile', CAST(x'7b22726f6c65223a2275736572222c2263223aff22fe7d' AS TEXT))"
        )
    conn.close()
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_hostile_store(tmp_path_factory.mktemp("hostile") / "hostile.db")


ITEMS = 1 + 2 * CALLS + 1 + len(BROKEN_ROWS) + 1


def test_listed_and_counted_with_the_broken_rows_marked(hostile: Path) -> None:
    (info,) = scan_store(hostile).sessions
    assert info.message_count == ITEMS
    stats = get_session_stats(hostile, "hostile")
    assert stats.message_count == ITEMS
    assert stats.tool_calls == {"get_weather": CALLS}
    assert stats.invalid_json_rows >= 3  # deep, not JSON, not UTF-8 (null and 42 parse)


def test_paged_through_to_the_end(hostile: Path) -> None:
    seen = 0
    after = None
    with SessionReader(hostile, "hostile") as reader:
        while page := reader.page_after(after, 500):
            seen += len(page)
            after = page[-1].row_id
        last = reader.page_before(None, 6)  # the huge one, then the hand-made rows
    assert seen == ITEMS
    assert [row.valid_json for row in last] == [True, False, False, True, True, False]
    huge = last[0]
    assert huge.size_bytes > HUGE_CHARS and len(huge.preview) < 1000


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_exported_in_every_format(hostile: Path, tmp_path: Path, fmt: ExportFormat) -> None:
    target = tmp_path / f"out.{fmt.extension}"
    assert export_session(hostile, "hostile", fmt, target) == ITEMS
    assert target.stat().st_size > HUGE_CHARS


@pytest.mark.parametrize("indexed", [False, True])
def test_searched_by_scan_and_by_index(hostile: Path, tmp_path: Path, indexed: bool) -> None:
    index = SearchIndex(tmp_path / "index.sqlite3") if indexed else None
    if index is not None:
        update_index(index, [hostile])
    hits = list(search_files([hostile], Query.parse("needle"), index=index))
    assert len(hits) == 1


def _shown(qtbot: Any, detail: Any, reader: SessionReader, row: Any) -> str:
    with qtbot.waitSignals([detail.detailShown], timeout=60_000):
        detail.show_row(reader.db_path, "hostile", row)
    return str(detail.transcript.toPlainText())


def test_every_kind_of_row_is_shown_in_the_transcript(qtbot: Any, hostile: Path) -> None:
    from agency_desktop.ui.widgets.message_detail import MessageDetail
    from agency_desktop.ui.workers import WorkerPool

    workers = WorkerPool()
    detail = MessageDetail(workers)
    qtbot.addWidget(detail)
    with SessionReader(hostile, "hostile") as reader:
        first = reader.page_after(None, 3)
        last = reader.page_before(None, 6)
        for row in [*first, *last]:
            text = _shown(qtbot, detail, reader, row)
            assert text  # something readable, whatever the row holds
        middle = reader.page_after(first[-1].row_id + CALLS, 1)[0]  # amid 10,000 calls
        assert "get_weather" in _shown(qtbot, detail, reader, middle)
    assert workers.shutdown()
