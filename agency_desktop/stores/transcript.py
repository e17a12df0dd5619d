"""Render a session as a readable Markdown transcript (CLI `show`, Markdown export)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import batched
from typing import Any

from .items import (
    ItemKind,
    classify_item,
    content_text,
    item_text,
    output_text,
    parse_item,
    pretty_json,
)
from .records import is_sqlite_time, stored_time, wall_clock

ITEMS_PER_CHUNK = 1000
_HEADS = {kind: kind.label.capitalize() for kind in ItemKind}


def fence(text: str, language: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{language}\n{text}\n{ticks}"


def _when(created: Any) -> str:
    """An item's time as " · YYYY-MM-DD HH:MM:SS", from a datetime or the time as the store
    keeps it (SQLite's own text as it is), or nothing where there is none."""
    if isinstance(created, str) and is_sqlite_time(created):
        return f" · {created}"
    moment = stored_time(created)
    return f" · {wall_clock(moment)}" if moment else ""


def render_item(row_id: int, created: Any, raw: str) -> str:
    """One item; `created` is a datetime, or the creation time as the store keeps it."""
    item, ok = parse_item(raw)
    if not ok:
        return (
            f"**Unreadable item #{row_id}**{_when(created)} (not valid JSON)\n\n{fence(raw[:2000])}"
        )
    kind, tool = classify_item(item)
    if kind is ItemKind.USER or kind is ItemKind.ASSISTANT:
        return f"**{_HEADS[kind]}**{_when(created)}\n\n{content_text(item.get('content'))}"
    if kind is ItemKind.FUNCTION_CALL:
        call_id = item.get("call_id")
        call = f" `{call_id}`" if call_id else ""
        args = item["arguments"] if "arguments" in item else item.get("input", item.get("action"))
        return f"**Tool call: {tool}**{call}{_when(created)}\n\n{fence(pretty_json(args), 'json')}"
    if kind is ItemKind.FUNCTION_CALL_OUTPUT:
        call_id = item.get("call_id")
        call = f" `{call_id}`" if call_id else ""
        return f"**Tool result**{call}{_when(created)}\n\n{fence(output_text(item))}"
    if kind is ItemKind.REASONING:
        text = item_text(item) or "(no summary)"
        return f"<details><summary>Reasoning{_when(created)}</summary>\n\n{text}\n\n</details>"
    return _other_block(kind, item, created)


def _other_block(kind: ItemKind, item: Any, created: Any) -> str:
    """An encrypted envelope says so; anything else (a JSON null or a bare number among
    them) is shown as the JSON it is."""
    if kind is ItemKind.ENCRYPTED:
        return f"**Encrypted item**{_when(created)}\n\n(EncryptedSession: its key is needed)"
    label = (item.get("type") or item.get("role")) if isinstance(item, dict) else None
    shown = pretty_json(item)
    return f"**{label or 'item'}**{_when(created)}\n\n{fence(shown, 'json')}"


def render_items(rows: Iterable[tuple[int, Any, str]]) -> str:
    """(row id, creation time, stored text) rows as one chunk of the transcript.

    A lone surrogate (JSON may escape one: "\\ud800") cannot be written as UTF-8; it is
    shown as U+FFFD, as the HTML transcript shows it."""
    text = "".join([f"\n{render_item(row_id, created, raw)}\n" for row_id, created, raw in rows])
    return text if text.isascii() else _SURROGATES.sub("\ufffd", text)


_SURROGATES = re.compile("[\ud800-\udfff]")


def transcript_head(session_id: str, source: str) -> str:
    return f"# Session `{session_id}`\n\n_{source}_\n"


def render_transcript(
    session_id: str, source: str, items: Iterable[tuple[int, Any, str]]
) -> Iterator[str]:
    """Yield the transcript in chunks, so a huge session never sits in memory whole."""
    yield transcript_head(session_id, source)
    for rows in batched(items, ITEMS_PER_CHUNK):
        yield render_items(rows)
