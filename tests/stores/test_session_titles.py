"""A session's title: the first line of its first user message, as the SDK stored it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agents import SQLiteSession

from agency_desktop.stores.listing import TITLE_CHARS, list_sessions, session_title
from tests.helpers.stores import write_plain


def test_the_title_is_the_first_user_message(store_folder: Path) -> None:
    titles = {info.session_id: info.title for info in list_sessions(store_folder)}
    assert titles["plain-1"] == "Weather in Paris?"
    assert titles["custom-1"].startswith("Weather in ")  # custom table names too
    assert titles["adv-1"].startswith("Weather in ")  # and AdvancedSQLiteSession


def test_content_parts_long_lines_and_sessions_with_no_user_message(tmp_path: Path) -> None:
    path = tmp_path / "kinds.db"
    long_line = "word " * 60
    items = {
        "parts": [
            {
                "role": "user",
                "content": [{"type": "input_text", "text": "\n  Plan the trip\nto Oslo"}],
            }
        ],
        "long": [{"role": "user", "content": long_line}],
        "assistant-only": [
            {"role": "assistant", "content": "hello", "type": "message", "status": "completed"}
        ],
    }
    for session_id, session_items in items.items():
        session = SQLiteSession(session_id, path)
        try:
            asyncio.run(session.add_items(session_items))  # type: ignore[arg-type]
        finally:
            session.close()
    write_plain(path, "runner", ("Lima",))
    titles = {info.session_id: info.title for info in list_sessions(tmp_path)}
    assert titles["parts"] == "Plan the trip"
    assert titles["long"].endswith("…") and len(titles["long"]) == TITLE_CHARS
    assert titles["assistant-only"] == ""
    assert titles["runner"] == "Weather in Lima?"


def test_a_title_is_made_of_text_only() -> None:
    assert session_title(None) == "" and session_title(3) == ""
    assert session_title("\n\n  \nsecond line\nthird") == "second line"
