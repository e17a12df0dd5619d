"""Render a session as a readable Markdown transcript (CLI `show`, Markdown export)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from .items import ItemKind, classify_item, content_text, item_text, parse_item, pretty_json


def fence(text: str, language: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{language}\n{text}\n{ticks}"


def _when(created: datetime | None) -> str:
    return f" · {created:%Y-%m-%d %H:%M:%S}" if created else ""


def render_item(row_id: int, created: datetime | None, raw: str) -> str:
    item, ok = parse_item(raw)
    if not ok:
        return (
            f"**Unreadable item #{row_id}**{_when(created)} (not valid JSON)\n\n{fence(raw[:2000])}"
        )
    kind, tool = classify_item(item)
    head = f"{kind.label.capitalize()}"
    if kind in (ItemKind.USER, ItemKind.ASSISTANT):
        return f"**{head}**{_when(created)}\n\n{content_text(item.get('content'))}"
    if kind is ItemKind.FUNCTION_CALL:
        call = f" `{item.get('call_id')}`" if item.get("call_id") else ""
        args = item.get("arguments", item.get("input", item.get("action")))
        return f"**Tool call: {tool}**{call}{_when(created)}\n\n{fence(pretty_json(args), 'json')}"
    if kind is ItemKind.FUNCTION_CALL_OUTPUT:
        call = f" `{item.get('call_id')}`" if item.get("call_id") else ""
        return f"**Tool result**{call}{_when(created)}\n\n{fence(item_text(item))}"
    if kind is ItemKind.REASONING:
        text = item_text(item) or "(no summary)"
        return f"<details><summary>Reasoning{_when(created)}</summary>\n\n{text}\n\n</details>"
    return _other_block(kind, item, created)


def _other_block(kind: ItemKind, item: Any, created: datetime | None) -> str:
    """An encrypted envelope says so; anything else (a JSON null or a bare number among
    them) is shown as the JSON it is."""
    if kind is ItemKind.ENCRYPTED:
        return f"**Encrypted item**{_when(created)}\n\n(EncryptedSession: its key is needed)"
    label = (item.get("type") or item.get("role")) if isinstance(item, dict) else None
    shown = pretty_json(item)
    return f"**{label or 'item'}**{_when(created)}\n\n{fence(shown, 'json')}"


def render_transcript(
    session_id: str, source: str, items: Iterable[tuple[int, datetime | None, str]]
) -> Iterator[str]:
    """Yield the transcript in chunks, so a huge session never sits in memory whole."""
    yield f"# Session `{session_id}`\n\n_{source}_\n"
    for row_id, created, raw in items:
        yield "\n" + render_item(row_id, created, raw) + "\n"
