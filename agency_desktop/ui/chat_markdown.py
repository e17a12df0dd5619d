"""A turn of a conversation as Markdown for the transcript view.

Tool calls are followed by their results (matched by call_id), reasoning is
folded behind a link, and the selected item is marked. Message text is user
content: it is handed to Qt's Markdown reader with raw HTML switched off, and
the view loads no resources, so nothing in a message can fetch or run anything.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..stores.items import ItemKind, classify_item, content_text, item_text, parse_item, pretty_json
from ..stores.paging import ContextItem
from ..stores.transcript import fence

REASONING_SCHEME = "agency-reasoning"
ENCRYPTED_NOTE = (
    "Written through the SDK's EncryptedSession. Give the session's key to read it:"
    " Session > Unlock Encrypted Session. The key stays in memory, never on disk."
)


@dataclass
class ChatTurn:
    items: list[ContextItem]
    selected_id: int
    extra_outputs: dict[str, ContextItem] = field(default_factory=dict)  # call_id -> result


def _time(item: ContextItem) -> str:
    return f" · {item.created_at.astimezone():%H:%M:%S}" if item.created_at else ""


def _marker(item: ContextItem, selected: int) -> str:
    return " ◀ selected" if item.row_id == selected else ""


def _arguments(item: dict[str, Any]) -> str:
    args = item.get("arguments", item.get("input", item.get("action", "")))
    return pretty_json(args)


def _result_block(result: ContextItem, selected: int) -> str:
    item, ok = parse_item(result.text)
    text = item_text(item) if ok else result.text
    return f"**↳ Result**{_time(result)}{_marker(result, selected)}\n\n{fence(text)}"


class Role(enum.StrEnum):
    """Who an entry of the conversation is from: how the view sets it apart."""

    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"
    REASONING = "reasoning"
    OTHER = "other"


@dataclass(frozen=True)
class ChatEntry:
    """One block of the conversation: an item, or a tool call with its result."""

    row_ids: tuple[int, ...]
    role: Role
    markdown: str


_ROLES = {
    ItemKind.USER: Role.USER,
    ItemKind.ASSISTANT: Role.ASSISTANT,
    ItemKind.FUNCTION_CALL: Role.TOOL,
    ItemKind.FUNCTION_CALL_OUTPUT: Role.TOOL,
    ItemKind.REASONING: Role.REASONING,
}


def chat_entries(
    items: list[ContextItem],
    selected: int,
    expanded_reasoning: Iterable[int] = (),
    extra_outputs: dict[str, ContextItem] | None = None,
    notes: dict[int, str] | None = None,
) -> list[ChatEntry]:
    """The items as entries, each tool call followed by its result (matched by call_id).

    `notes`: text to add to an item's heading (a turn's usage on its user message)."""
    expanded = set(expanded_reasoning)
    parsed = [(entry, *parse_item(entry.text)) for entry in items]
    outputs = dict(extra_outputs or {})
    for entry, item, ok in parsed:
        kind = classify_item(item)[0] if ok else None
        if kind is ItemKind.FUNCTION_CALL_OUTPUT and isinstance(item.get("call_id"), str):
            outputs[item["call_id"]] = entry
    shown: set[int] = set()
    entries: list[ChatEntry] = []
    for entry, item, ok in parsed:
        if entry.row_id in shown:
            continue
        before = set(shown)
        note = f" · {notes[entry.row_id]}" if notes and entry.row_id in notes else ""
        text = _render_entry(entry, item, ok, selected, outputs, expanded, shown, note)
        kind = classify_item(item)[0] if ok and not entry.truncated else ItemKind.OTHER
        row_ids = (entry.row_id, *sorted(shown - before))
        entries.append(ChatEntry(row_ids, _ROLES.get(kind, Role.OTHER), text))
    return entries


def render_turn(turn: ChatTurn, expanded_reasoning: Iterable[int] = ()) -> str:
    entries = chat_entries(turn.items, turn.selected_id, expanded_reasoning, turn.extra_outputs)
    return "\n\n---\n\n".join(entry.markdown for entry in entries if entry.markdown)


def _render_entry(
    entry: ContextItem,
    item: Any,
    ok: bool,
    selected: int,
    outputs: dict[str, ContextItem],
    expanded: set[int],
    shown: set[int],
    note: str = "",
) -> str:
    mark, when = _marker(entry, selected), _time(entry) + note
    if entry.truncated:
        size = f"{entry.size_bytes / 1_048_576:.1f} MB"
        return f"**Large item ({size})**{when}{mark}\n\nShowing the beginning only.\n\n{fence(entry.text[:4000])}"
    if not ok:
        return f"**Unreadable item (not valid JSON)**{when}{mark}\n\n{fence(entry.text[:4000])}"
    kind, tool = classify_item(item)
    if kind is ItemKind.ENCRYPTED:
        return f"#### Encrypted item{when}{mark}\n\n{ENCRYPTED_NOTE}"
    if kind is ItemKind.USER:
        return f"#### User{when}{mark}\n\n{content_text(item.get('content'))}"
    if kind is ItemKind.ASSISTANT:
        return f"#### Assistant{when}{mark}\n\n{content_text(item.get('content'))}"
    if kind is ItemKind.FUNCTION_CALL:
        call_id = item.get("call_id") if isinstance(item.get("call_id"), str) else None
        block = f"#### Tool call: {tool}{when}{mark}\n\n{fence(_arguments(item), 'json')}"
        result = outputs.get(call_id) if call_id else None
        if result is not None:
            shown.add(result.row_id)
            return block + "\n\n" + _result_block(result, selected)
        return block + "\n\n*No result recorded yet.*"
    if kind is ItemKind.FUNCTION_CALL_OUTPUT:
        return _result_block(entry, selected)
    if kind is ItemKind.REASONING:
        if entry.row_id in expanded:
            text = item_text(item) or "(no summary recorded)"
            return f"**Reasoning**{when}{mark} [hide]({REASONING_SCHEME}:{entry.row_id})\n\n{text}"
        return f"**Reasoning**{when}{mark} [show]({REASONING_SCHEME}:{entry.row_id})"
    # Anything else, a JSON null or a bare number among them: shown as the JSON it is.
    label = (item.get("type") or item.get("role")) if isinstance(item, dict) else None
    shown_json = fence(pretty_json(item), "json")
    return f"#### {label or 'item'}{when}{mark}\n\n{shown_json}"
