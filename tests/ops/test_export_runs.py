"""Exports read in runs of rows, and rendered by worker processes, are the export read in
one pass; rows no agent should write come out in every format as they always have."""

from __future__ import annotations

import asyncio
import html
import io
import json
import sqlite3
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.ops import export, export_parts
from agency_desktop.ops.export import INVALID_KEY, ExportFormat, export_session
from agency_desktop.ops.spool import SPOOL_MIN_CHARS, Spooled
from agency_desktop.util import worker_processes
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import write_branched

SESSION = "odd"
# Written by the SDK: every kind of item a transcript tells apart, tool calls answered at
# once, late and never, a hosted call that carries its output, text that needs escaping.
SDK_ITEMS: list[dict[str, Any]] = [
    {"role": "user", "content": 'Weather in <Paris> & "Oslo"? It\'s ```cold```'},
    {"role": "user", "content": [{"type": "input_text", "text": "two"}, {"type": "input_image"}]},
    {
        "type": "function_call",
        "call_id": "c1",
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
    },
    {"type": "function_call_output", "call_id": "c1", "output": "Paris: sunny"},
    {
        "type": "function_call",
        "call_id": "c2",
        "name": "nested",
        "arguments": '{"a": {"b": [1, 2.5]}}',
    },
    {"role": "user", "content": "in between"},
    {"type": "function_call_output", "call_id": "c2", "output": '{"json": ["in", "text"]}'},
    {"type": "function_call", "call_id": "c3", "name": "never_answered", "arguments": "{}"},
    {"type": "mcp_call", "id": "m1", "name": "lookup", "arguments": '{"q": 1}', "output": "found"},
    {"type": "reasoning", "id": "r1", "summary": [{"type": "summary_text", "text": "hmm"}]},
    {
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Done 😀 é", "annotations": []}],
    },
    {"role": "system", "content": "be brief"},
    {"type": "web_search_call", "id": "w1", "status": "completed"},
    {"type": "function_call_output", "call_id": "zz", "output": "an orphan"},
    {"role": "user", "content": "lone \ud800 surrogate, \x01 control"},
]
# Written by hand, as a broken or hostile writer leaves them.
HAND_ROWS = [
    "{broken",
    "null",
    "42",
    '{"role": "user", "content": "not JSON to SQLite", "x": NaN}',
    '{"role": "user",\n "content": "stored on two lines"}',
    '{"role": "user", "content": "ends in CR"}\r',
    '{"role": "user", "content": "first", "content": "second"}',
    '{"type": "function_call_output", "call_id": "c3", "output": "late, \\u0000 nul"}',
]
NOT_UTF8 = "7b22726f6c65223a2275736572222c2263223aff22fe7d"  # {"role":"user","c":<ff>"<fe>}


def _write_odd_store(path: Path) -> Path:
    session = SQLiteSession(SESSION, path)
    try:
        asyncio.run(session.add_items(SDK_ITEMS))  # type: ignore[arg-type]
    finally:
        session.close()
    conn = sqlite3.connect(path)
    with conn:
        insert = (
            "INSERT INTO agent_messages (session_id, message_data, created_at) VALUES (?, ?, ?)"
        )
        for number, text in enumerate(HAND_ROWS):
            conn.execute(insert, (SESSION, text, f"2025-03-0{number % 9 + 1} 10:00:0{number}"))
        conn.execute(
            f"INSERT INTO agent_messages (session_id, message_data) VALUES (?, CAST(x'{NOT_UTF8}' AS TEXT))",
            (SESSION,),
        )
        conn.execute(
            "INSERT INTO agent_messages (session_id, message_data) VALUES (?, x'7b7d')", (SESSION,)
        )
        # Times as other writers keep them: none, ISO with an offset, an early year, no time.
        stamps = [None, "2025-03-01T10:00:00+02:00", "0999-01-02 03:04:05", "not a time"]
        first = conn.execute("SELECT min(id) FROM agent_messages").fetchone()[0]
        for offset, stamp in enumerate(stamps):
            conn.execute(
                "UPDATE agent_messages SET created_at = ? WHERE id = ?", (stamp, first + offset)
            )
    conn.close()
    return path


@pytest.fixture(scope="module")
def odd_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_odd_store(tmp_path_factory.mktemp("odd") / "odd.db")


def _export(db: Path, fmt: ExportFormat, session_id: str = SESSION, **options: Any) -> str:
    buffer = io.StringIO()
    export_session(db, session_id, fmt, buffer, **options)
    return buffer.getvalue()


@pytest.fixture
def runs_of_three(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every session is cut into runs of three rows, rendered by the worker processes."""
    monkeypatch.setattr(export_parts, "RANGE_ITEMS", 3)
    monkeypatch.setattr(export_parts, "INLINE_BELOW", 0)


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_runs_rendered_by_worker_processes_are_the_export_in_one_pass(
    odd_store: Path, monkeypatch: pytest.MonkeyPatch, fmt: ExportFormat
) -> None:
    notes = {"title": "T", "tags": ["x"], "note": "n", "bookmarks": []}
    whole = _export(odd_store, fmt), _export(odd_store, fmt, notes=notes)
    monkeypatch.setattr(export_parts, "RANGE_ITEMS", 3)
    monkeypatch.setattr(export_parts, "INLINE_BELOW", 0)
    assert (_export(odd_store, fmt), _export(odd_store, fmt, notes=notes)) == whole
    worker_processes.set_enabled(False)  # runs of three, all read and rendered here
    try:
        assert _export(odd_store, fmt) == whole[0]
    finally:
        worker_processes.set_enabled(None)


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_a_branch_in_runs_is_the_branch_in_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: ExportFormat
) -> None:
    db = write_branched(tmp_path / "branched.db")
    whole = _export(db, fmt, "branched", branch="what-if-rome")
    monkeypatch.setattr(export_parts, "RANGE_ITEMS", 3)
    monkeypatch.setattr(export_parts, "INLINE_BELOW", 0)
    assert _export(db, fmt, "branched", branch="what-if-rome") == whole
    assert "Rome" in whole and whole != _export(db, fmt, "branched")


def _stored(db: Path) -> list[Any]:
    conn = sqlite3.connect(db)
    conn.text_factory = bytes
    try:
        return [
            row[0] for row in conn.execute("SELECT message_data FROM agent_messages ORDER BY id")
        ]
    finally:
        conn.close()


def test_jsonl_keeps_stored_text_and_wraps_what_is_not_json(odd_store: Path) -> None:
    lines = _export(odd_store, ExportFormat.JSONL).split("\n")
    assert lines.pop() == ""
    stored = _stored(odd_store)
    line_of = dict(zip(stored, lines, strict=True))
    sdk_rows = stored[: len(SDK_ITEMS)]
    assert [line_of[raw] for raw in sdk_rows] == [raw.decode() for raw in sdk_rows]
    assert json.loads(line_of[b"{broken"]) == {INVALID_KEY: "{broken"}
    for kept in ("null", "42", HAND_ROWS[3], HAND_ROWS[6], HAND_ROWS[7]):
        assert line_of[kept.encode()] == kept  # NaN: not JSON to SQLite, but to Python
    for rewritten in HAND_ROWS[4:6]:  # a line break in the stored text
        assert line_of[rewritten.encode()] == json.dumps(json.loads(rewritten))
    not_utf8 = bytes.fromhex(NOT_UTF8)
    assert json.loads(line_of[not_utf8]) == {INVALID_KEY: not_utf8.decode("utf-8", "replace")}
    assert line_of[b"{}"] == "{}"  # a BLOB, as its text


def test_json_is_the_jsonl_lines_in_an_array(odd_store: Path) -> None:
    lines = _export(odd_store, ExportFormat.JSONL).rstrip("\n").split("\n")
    assert _export(odd_store, ExportFormat.JSON) == "[\n" + ",\n".join(lines) + "\n]\n"


def test_markdown_and_html_show_every_odd_row(odd_store: Path) -> None:
    markdown = _export(odd_store, ExportFormat.MARKDOWN)
    page = _export(odd_store, ExportFormat.HTML)
    for broken in ("{broken", bytes.fromhex(NOT_UTF8).decode("utf-8", "replace")):
        assert broken in markdown
        assert html.escape(broken) in page
    assert markdown.count("**Unreadable item #") == page.count('class="unreadable"') == 2
    assert "**item**" in markdown and "null" in markdown and "42" in markdown
    assert "not JSON to SQLite" in markdown and "stored on two lines" in markdown
    assert "**User** · 2025-03-07 10:00:06\n\nsecond" in markdown  # the last of a repeated key
    assert " · 999-01-02 03:04:05" in markdown and " · 2025-03-01 10:00:00\n" in markdown
    assert '<time datetime="2025-03-01T10:00:00+02:00">2025-03-01 10:00:00 UTC+02:00</time>' in page
    assert "Paris: sunny" in markdown and html.escape("Paris: sunny") in page
    assert "**Tool call: get_weather** `c1`" in markdown and '"city": "Paris"' in markdown
    assert page.count('class="tool late"') == 1  # the orphan: every other result is close by
    assert "lone \ufffd surrogate, \ufffd control" in page
    assert "lone \ufffd surrogate, \x01 control" in markdown  # UTF-8 can hold no surrogate


def test_markdown_with_a_lone_surrogate_is_written_to_a_file(
    odd_store: Path, tmp_path: Path
) -> None:
    target = tmp_path / "odd.md"
    export_session(odd_store, SESSION, ExportFormat.MARKDOWN, target)
    assert "lone \ufffd surrogate" in target.read_text(encoding="utf-8")


def test_cancelled_in_runs_leaves_nothing(
    odd_store: Path, tmp_path: Path, runs_of_three: None
) -> None:
    token = CancelToken()

    def cancel_after_first_run(done: int, total: int, message: str) -> None:
        if done >= 3:
            token.cancel()

    target = tmp_path / "out.html"
    with pytest.raises(OperationCancelled):
        export_session(
            odd_store, SESSION, "html", target, progress=cancel_after_first_run, cancel=token
        )
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def long_store(tmp_path: Path) -> Path:
    """Three runs of three rows (a tool call, its result, a message): each longer than
    a worker process passes back through the pipe."""
    path = tmp_path / "long.db"
    words = "words " * (SPOOL_MIN_CHARS // 6 + 1)
    items: list[Any] = []
    for n in range(3):
        call = {"type": "function_call", "call_id": f"c{n}", "name": "look", "arguments": "{}"}
        items += [call, {"type": "function_call_output", "call_id": f"c{n}", "output": "ok"}]
        items.append({"role": "user", "content": f"{n} {words}"})
    session = SQLiteSession("long", path)
    try:
        asyncio.run(session.add_items(items))
    finally:
        session.close()
    return path


def _spying_on_chunks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    written: list[object] = []

    def write_chunk(handle: Any, chunk: object) -> None:
        written.append(chunk)
        original(handle, chunk)

    original = export.write_chunk
    monkeypatch.setattr(export, "write_chunk", write_chunk)
    return written


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_long_runs_handed_over_as_files_are_the_export_and_leave_no_file(
    long_store: Path,
    tmp_path: Path,
    runs_of_three: None,
    monkeypatch: pytest.MonkeyPatch,
    fmt: ExportFormat,
) -> None:
    expected = _export(long_store, fmt, "long")  # to a stream: nothing spooled
    written = _spying_on_chunks(monkeypatch)
    target = tmp_path / "out" / f"long.{fmt.extension}"
    export_session(long_store, "long", fmt, target)
    assert target.read_text(encoding="utf-8") == expected
    assert sum(isinstance(chunk, Spooled) for chunk in written) == 3
    assert [path.name for path in target.parent.iterdir()] == [target.name]


def test_a_long_export_is_sent_to_disk_as_it_grows(
    long_store: Path, tmp_path: Path, runs_of_three: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agency_desktop.ops import atomic

    asked: list[tuple[int, int]] = []
    monkeypatch.setattr(atomic, "WRITEBACK_EVERY_BYTES", SPOOL_MIN_CHARS)
    monkeypatch.setattr(
        atomic, "_ADVISE", lambda _fd, start, length, _how: asked.append((start, length))
    )
    target = tmp_path / "long.jsonl"
    export_session(long_store, "long", "jsonl", target)
    size = target.stat().st_size
    assert len(asked) >= 2 and asked[0][0] == 0  # from the start, each range after the last
    assert all(start == a + n for (a, n), (start, _) in pairwise(asked))
    assert sum(length for _, length in asked) > size - atomic.WRITEBACK_EVERY_BYTES


def test_a_cancel_removes_the_parts_handed_over(
    long_store: Path, tmp_path: Path, runs_of_three: None
) -> None:
    token = CancelToken()

    def cancel_after_first_run(done: int, total: int, message: str) -> None:
        if done >= 3:
            token.cancel()

    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(OperationCancelled):
        export_session(
            long_store,
            "long",
            "html",
            folder / "long.html",
            progress=cancel_after_first_run,
            cancel=token,
        )
    assert list(folder.iterdir()) == []
