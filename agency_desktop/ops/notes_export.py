"""The user's notes in an export (`export --with-notes`), and reading such an export back.

A JSON export with notes is an object, {"notes": {...}, "items": [...]}; a JSONL one has
{"notes": {...}} as its first line; Markdown and HTML get a block under the heading. An
import takes the items only: the notes belong to the app, never to a store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..util.errors import InputError
from .html_transcript import esc

Notes = Mapping[str, Any] | None


def after_heading[C](chunks: Iterator[C], block: str) -> Iterator[C | str]:
    """A transcript's chunks with `block` after the first (its heading)."""
    for index, chunk in enumerate(chunks):
        yield chunk
        if index == 0 and block:
            yield block


def jsonl_head(notes: Notes) -> str:
    return "" if notes is None else json.dumps({"notes": notes}, ensure_ascii=False) + "\n"


def json_brackets(notes: Notes) -> tuple[str, str]:
    """What opens and closes a JSON export: the array alone, or the object holding it."""
    if notes is None:
        return "[", "\n]\n"
    return '{"notes": ' + json.dumps(notes, ensure_ascii=False) + ',\n"items": [', "\n]}\n"


def notes_markdown(notes: Notes) -> str:
    if notes is None:
        return ""
    lines = ["\n## Notes\n"]
    if notes.get("title"):
        lines.append(f"**Title:** {notes['title']}  ")
    if notes.get("tags"):
        lines.append("**Tags:** " + ", ".join(notes["tags"]) + "  ")
    if notes.get("starred"):
        lines.append("**Starred**  ")
    if notes.get("note"):
        lines.append("\n" + str(notes["note"]).strip() + "\n")
    marks = notes.get("bookmarks") or []
    if marks:
        lines.append("\n**Bookmarks:**\n")
        lines += [
            f"- item {m['row_id']}" + (f": {m['label']}" if m["label"] else "") for m in marks
        ]
    return "\n".join(lines) + "\n\n---\n"


def notes_html(notes: Notes) -> str:
    if notes is None:
        return ""
    parts = ['<section class="notes"><h2>Notes</h2>']
    if notes.get("title"):
        parts.append(f"<p><strong>Title:</strong> {esc(str(notes['title']))}</p>")
    if notes.get("tags"):
        tags = ", ".join(esc(str(tag)) for tag in notes["tags"])
        parts.append(f"<p><strong>Tags:</strong> {tags}</p>")
    if notes.get("starred"):
        parts.append("<p><strong>Starred</strong></p>")
    if notes.get("note"):
        parts.append(f'<p style="white-space: pre-wrap">{esc(str(notes["note"]))}</p>')
    marks = notes.get("bookmarks") or []
    if marks:
        items = "".join(
            f'<li><a href="#{esc(f"item-{int(m['row_id'])}")}">item {int(m["row_id"])}</a>'
            + (f" {esc(str(m['label']))}" if m["label"] else "")
            + "</li>"
            for m in marks
        )
        parts.append(f"<p><strong>Bookmarks:</strong></p><ul>{items}</ul>")
    return "".join(parts) + "</section>\n"


def without_notes(text: str, source: Path) -> str:
    """An export's text as the plain export it holds: the items array of a JSON export
    made with notes, a JSONL export without its notes line, anything else unchanged."""
    start = _skip_space(text, 0)
    if not text.startswith("{", start):
        return text
    try:
        first, end = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return text  # a JSONL line that is not JSON: the line reader says which
    if not isinstance(first, dict):
        return text
    if set(first) == {"notes"}:
        return text[end:]
    if set(first) == {"notes", "items"} and _skip_space(text, end) == len(text):
        return _member_text(text, start, "items", source)
    return text


def _member_text(text: str, start: int, name: str, source: Path) -> str:
    """The exact text of one member's value in the JSON object at `start` (already known
    to be valid JSON): items are imported as written, never re-encoded."""
    decoder = json.JSONDecoder()
    position = start + 1
    while True:
        key, position = decoder.raw_decode(text, _skip_space(text, position))
        value_start = _skip_space(text, _skip_space(text, position) + 1)  # past the ":"
        _, position = decoder.raw_decode(text, value_start)
        if key == name:
            return text[value_start:position]
        position = _skip_space(text, position) + 1  # past the ","
        if position >= len(text):
            raise InputError(f"{source}: no {name!r} in this export")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position
