from __future__ import annotations

import asyncio
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.ops.export import (
    INVALID_KEY,
    ExportFormat,
    export_file_name,
    export_many,
    export_session,
    folder_sessions,
)
from agency_desktop.ops.html_transcript import render_html
from agency_desktop.ops.importing import import_items, read_items_file
from agency_desktop.stores.paging import SessionReader
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import corrupt_row, item_texts


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_then_import_round_trips_exactly(
    store_folder: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"export.{fmt}"
    assert export_session(store_folder / "shared.db", "shared-b", fmt, out) == 12
    result = import_items(out, tmp_path / "new.db", "restored")
    assert result.message_count == 12
    assert item_texts(tmp_path / "new.db", "restored") == item_texts(
        store_folder / "shared.db", "shared-b"
    )


def test_json_export_is_an_array_of_the_stored_items(store_folder: Path) -> None:
    buffer = io.StringIO()
    export_session(store_folder / "plain.db", "plain-1", "json", buffer)
    items = json.loads(buffer.getvalue())
    assert [json.dumps(i) for i in items] == item_texts(store_folder / "plain.db", "plain-1")


def test_invalid_rows_survive_export_and_import(store_folder: Path, tmp_path: Path) -> None:
    corrupt_row(store_folder / "plain.db", "{broken")
    out = tmp_path / "e.jsonl"
    export_session(store_folder / "plain.db", "plain-1", "jsonl", out)
    assert INVALID_KEY in out.read_text()
    assert "{broken" in read_items_file(out)
    import_items(out, tmp_path / "n.db", "n")
    assert item_texts(tmp_path / "n.db", "n") == item_texts(store_folder / "plain.db", "plain-1")


def test_markdown_transcript(store_folder: Path) -> None:
    buffer = io.StringIO()
    export_session(store_folder / "plain.db", "plain-1", "markdown", buffer)
    text = buffer.getvalue()
    assert text.startswith("# Session `plain-1`")
    assert "**User**" in text and "Weather in Paris?" in text
    assert "**Tool call: get_weather**" in text and '"city": "Paris"' in text
    assert "**Tool result**" in text and "Paris: sunny" in text


def test_export_refuses_to_overwrite_and_leaves_no_temp(store_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "e.json"
    export_session(store_folder / "plain.db", "plain-1", "json", out)
    with pytest.raises(FileExistsError):
        export_session(store_folder / "plain.db", "plain-1", "json", out)
    assert [p.name for p in out.parent.iterdir()] == ["e.json"]


def test_bad_import_files_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[{}, nope]")
    with pytest.raises(ValueError, match=r"bad\.json"):
        read_items_file(tmp_path / "bad.json")
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\nnope\n')
    with pytest.raises(ValueError, match="line 2"):
        read_items_file(tmp_path / "bad.jsonl")


# --- HTML export


def _add_items(db: Path, session_id: str, items: list[dict[str, Any]]) -> None:
    """Store items the way an agent would: through the SDK's own session."""
    session = SQLiteSession(session_id, db)
    try:
        asyncio.run(session.add_items(items))  # type: ignore[arg-type]
    finally:
        session.close()


def _html(db: Path, session_id: str) -> str:
    buffer = io.StringIO()
    export_session(db, session_id, "html", buffer)
    return buffer.getvalue()


class _Tags(HTMLParser):
    """Every tag and attribute a browser would see in the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


SAFE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "code", "p", "main",
    "article", "div", "span", "time", "a", "section", "pre", "details", "summary", "footer",
}  # fmt: skip
XSS = "<script>alert(1)</script> and <img src=x onerror=alert(2)>"
CSP_HEADER = "Content-Security-Policy"


def test_html_shows_untrusted_content_only_as_escaped_text(
    store_folder: Path, tmp_path: Path
) -> None:
    db = store_folder / "plain.db"
    evil_id = '"><script>alert(3)</script>'
    _add_items(db, evil_id, [{"role": "user", "content": XSS}])
    _add_items(db, evil_id, [{"role": "assistant", "content": "</pre></div><script>x()</script>"}])
    out = tmp_path / "page.html"
    assert export_session(db, evil_id, "html", out) == 2
    page = out.read_text(encoding="utf-8")
    assert html.escape(XSS) in page
    assert html.escape(evil_id) in page
    assert re.search(r"<\s*(script|img|iframe|object|embed|link|base|form)", page, re.I) is None
    tags = _tags(page)
    assert {tag for tag, _ in tags} <= SAFE_TAGS
    attrs = [(name, value or "") for _, pairs in tags for name, value in pairs]
    assert not [name for name, _ in attrs if name.startswith("on") or name == "src"]
    assert all(value.startswith("#") for name, value in attrs if name == "href")
    csp = [
        dict(pairs) for tag, pairs in tags if tag == "meta" and ("http-equiv", CSP_HEADER) in pairs
    ]
    assert csp == [
        {"http-equiv": CSP_HEADER, "content": "default-src 'none'; style-src 'unsafe-inline'"}
    ]


def test_html_is_a_chat_with_tool_calls_beside_their_results(store_folder: Path) -> None:
    page = _html(store_folder / "plain.db", "plain-1")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count('class="msg user"') == 2 and page.count('class="msg assistant"') == 2
    assert html.escape("Weather in Paris?") in page and "Oslo is snow." in page
    tools = re.findall(r'<section class="tool".*?</section>', page, re.S)
    assert len(tools) == 2
    assert "get_weather" in tools[0] and html.escape('"city": "Paris"') in tools[0]
    assert 'class="result"' in tools[0] and "Paris: sunny" in tools[0]
    assert "Oslo: snow" in tools[1]
    assert "<time datetime=" in page and "<footer>8 items</footer>" in page
    assert "prefers-color-scheme: dark" in page and "white-space: pre-wrap" in page


def test_html_reasoning_sits_in_details(store_folder: Path) -> None:
    db = store_folder / "plain.db"
    thought = "Think <b>carefully</b> about Paris"
    _add_items(
        db,
        "plain-1",
        [
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [{"type": "summary_text", "text": thought}],
            }
        ],
    )
    page = _html(db, "plain-1")
    details = re.findall(r'<details class="reasoning".*?</details>', page, re.S)
    assert len(details) == 1 and html.escape(thought) in details[0]
    assert "<summary>Reasoning" in details[0]


def _call(call_id: str, city: str) -> dict[str, Any]:
    arguments = json.dumps({"city": city})
    return {
        "type": "function_call",
        "call_id": call_id,
        "name": "get_weather",
        "arguments": arguments,
    }


def _output(call_id: str, text: str) -> dict[str, Any]:
    return {"type": "function_call_output", "call_id": call_id, "output": text}


def test_html_pairs_parallel_calls_and_links_a_late_result(store_folder: Path) -> None:
    db = store_folder / "plain.db"
    _add_items(
        db,
        "tools",
        [
            _call("c1", "Rome"),
            _call("c2", "Lima"),
            {"role": "user", "content": "still there?"},
            _output("c2", "Lima: overcast"),
            _output("c1", "Rome: warm"),
        ],
    )
    page = _html(db, "tools")
    tools = re.findall(r'<section class="tool".*?</section>', page, re.S)
    assert len(tools) == 2 and "Rome: warm" in tools[0] and "Lima: overcast" in tools[1]

    with SessionReader(db, "tools") as reader:
        call_row = next(reader.iter_items())[0]
        narrow = "".join(render_html("tools", str(db), reader.iter_items(), lookahead=2))
    late = re.findall(r'<section class="tool late".*?</section>', narrow, re.S)
    assert len(late) == 2
    assert f'href="#item-{call_row}"' in late[1] and "Rome: warm" in late[1]
    assert narrow.count("No result nearby") == 2


def test_html_shows_unreadable_rows_as_escaped_raw_text(store_folder: Path) -> None:
    db = store_folder / "plain.db"
    corrupt_row(db, "<script>bad()</script>{")
    page = _html(db, "plain-1")
    assert '<section class="unreadable"' in page
    assert html.escape("<script>bad()</script>{") in page
    assert "<script" not in page


def test_html_survives_text_that_utf8_cannot_hold(store_folder: Path, tmp_path: Path) -> None:
    db = store_folder / "plain.db"
    _add_items(db, "odd", [{"role": "user", "content": "lone \ud800 surrogate, \x00 nul"}])
    export_session(db, "odd", "html", tmp_path / "odd.html")
    assert "lone \ufffd surrogate, \ufffd nul" in (tmp_path / "odd.html").read_text("utf-8")


# --- exporting many sessions

COUNTS = {"plain-1": 8, "shared-a": 4, "shared-b": 12, "adv-1": 8, "custom-1": 4}


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_many_writes_one_file_per_session(
    store_folder: Path, tmp_path: Path, fmt: ExportFormat
) -> None:
    seen: list[tuple[int, int, str]] = []
    folder = tmp_path / "out"
    summary = export_many(
        folder_sessions(store_folder), folder, fmt, progress=lambda *a: seen.append(a)
    )
    assert summary.failures == []
    assert {done.session_id: done.item_count for done in summary.exported} == COUNTS
    assert summary.item_count == sum(COUNTS.values())
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        f"{stem}--{sid}.{fmt.extension}"
        for stem, sid in [
            ("advanced", "adv-1"), ("custom", "custom-1"), ("plain", "plain-1"),
            ("shared", "shared-a"), ("shared", "shared-b"),
        ]
    )  # fmt: skip
    assert [s[:2] for s in seen] == [(i, 5) for i in range(6)]
    if fmt is ExportFormat.JSONL:
        for done in summary.exported:
            assert len(done.target.read_text().splitlines()) == COUNTS[done.session_id]


def test_export_many_reports_a_failure_and_writes_the_rest(
    store_folder: Path, tmp_path: Path
) -> None:
    sessions = folder_sessions(store_folder)
    sessions.insert(1, (store_folder / "plain.db", "no-such-session"))
    sessions.insert(3, (store_folder / "notes.txt", "x"))
    folder = tmp_path / "out"
    summary = export_many(sessions, folder, "json")
    assert [(f.db_path.name, f.session_id) for f in summary.failures] == [
        ("plain.db", "no-such-session"),
        ("notes.txt", "x"),
    ]
    assert "no-such-session" in summary.failures[0].message
    assert len(summary.exported) == 5 and len(list(folder.iterdir())) == 5
    for done in summary.exported:
        assert len(json.loads(done.target.read_text())) == COUNTS[done.session_id]

    again = export_many(sessions[:2], folder, "json")
    assert len(again.failures) == 2 and "already exists" in again.failures[0].message
    assert len(export_many(sessions[:1], folder, "json", overwrite=True).exported) == 1


def test_export_many_names_are_safe_and_distinct(store_folder: Path, tmp_path: Path) -> None:
    db = store_folder / "plain.db"
    for session_id in ("a/b", "a:b", "../up"):
        _add_items(db, session_id, [{"role": "user", "content": session_id}])
    assert export_file_name(db, "../up", "markdown") == "plain--up.md"
    summary = export_many([(db, "a/b"), (db, "a:b"), (db, "../up")], tmp_path / "out", "markdown")
    names = [done.target.name for done in summary.exported]
    assert summary.failures == [] and len(set(names)) == 3
    assert names[0] == "plain--a_b.md" and names[1].startswith("plain--a_b-")
    assert all(done.target.parent == tmp_path / "out" for done in summary.exported)


def test_export_many_cancel_keeps_finished_files_only(store_folder: Path, tmp_path: Path) -> None:
    token = CancelToken()

    def cancel_after_first(done: int, total: int, message: str) -> None:
        if done == 1:
            token.cancel()

    folder = tmp_path / "out"
    with pytest.raises(OperationCancelled):
        export_many(
            folder_sessions(store_folder), folder, "html", progress=cancel_after_first, cancel=token
        )
    assert [p.suffix for p in folder.iterdir()] == [".html"]
