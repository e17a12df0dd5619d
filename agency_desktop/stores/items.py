"""What an SDK item is (user, assistant, tool call, ...) and a one-line preview of it."""

from __future__ import annotations

import enum
import json
from typing import Any

from .encrypted import is_envelope

PREVIEW_CHARS = 200


class ItemKind(enum.StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    FUNCTION_CALL = "function_call"
    FUNCTION_CALL_OUTPUT = "function_call_output"
    REASONING = "reasoning"
    ENCRYPTED = "encrypted"  # an EncryptedSession envelope (sessions.encrypted)
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ItemKind.USER: "user",
    ItemKind.ASSISTANT: "assistant",
    ItemKind.FUNCTION_CALL: "tool call",
    ItemKind.FUNCTION_CALL_OUTPUT: "tool result",
    ItemKind.REASONING: "reasoning",
    ItemKind.ENCRYPTED: "encrypted",
    ItemKind.OTHER: "other",
}

# Call types whose tool name is in the item's "name" field; hosted tools
# (web_search_call, computer_call, ...) are named after their type instead.
_NAMED_CALL_TYPES = frozenset({"function_call", "custom_tool_call", "mcp_call"})


def classify_fields(item_type: Any, role: Any, name: Any) -> tuple[ItemKind, str | None]:  # noqa: PLR0911
    """Classify from the three fields that decide it (also used on SQL json_extract results)."""
    if item_type in (None, "message"):
        if role == "user":
            return ItemKind.USER, None
        if role == "assistant":
            return ItemKind.ASSISTANT, None
        return ItemKind.OTHER, None
    if not isinstance(item_type, str):
        return ItemKind.OTHER, None
    if item_type == "reasoning":
        return ItemKind.REASONING, None
    if item_type.endswith("_output"):
        return ItemKind.FUNCTION_CALL_OUTPUT, None
    if item_type.endswith("_call"):
        if item_type in _NAMED_CALL_TYPES and isinstance(name, str):
            return ItemKind.FUNCTION_CALL, name
        return ItemKind.FUNCTION_CALL, item_type.removesuffix("_call")
    return ItemKind.OTHER, None


def classify_item(item: Any) -> tuple[ItemKind, str | None]:
    if not isinstance(item, dict):
        return ItemKind.OTHER, None
    if is_envelope(item):
        return ItemKind.ENCRYPTED, None
    return classify_fields(item.get("type"), item.get("role"), item.get("name"))


def content_text(content: Any) -> str:
    """The readable text of a message's content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [_part_text(part) for part in content]
        return "\n".join(part for part in parts if part)
    return ""


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return ""
    for key in ("text", "refusal", "transcript"):
        value = part.get(key)
        if isinstance(value, str):
            return value
    kind = part.get("type")
    return f"[{kind}]" if isinstance(kind, str) else ""


def item_text(item: Any) -> str:
    """The main text of an item, for previews, transcripts and search."""
    if not isinstance(item, dict):
        return json.dumps(item, ensure_ascii=False)
    kind, tool = classify_item(item)
    if kind in (ItemKind.USER, ItemKind.ASSISTANT) or (kind is ItemKind.OTHER and "role" in item):
        return content_text(item.get("content"))
    if kind is ItemKind.FUNCTION_CALL:
        args = item.get("arguments", item.get("input", item.get("action", "")))
        args_text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
        return f"{tool}({args_text})"
    if kind is ItemKind.FUNCTION_CALL_OUTPUT:
        output = item.get("output", "")
        return output if isinstance(output, str) else content_text(output) or json.dumps(output)
    if kind is ItemKind.REASONING:
        return content_text(item.get("summary")) or content_text(item.get("content"))
    return str(item.get("type", ""))  # an encrypted envelope has none: no text to search


def one_line(text: str, limit: int = PREVIEW_CHARS) -> str:
    flat = " ".join(text[: limit * 4].split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parse_item(raw: str | bytes | None) -> tuple[Any, bool]:
    """Decode stored JSON; returns (item, ok). Undecodable rows are kept, marked not ok."""
    if raw is None:
        return None, False
    try:
        return json.loads(raw), True
    except (ValueError, RecursionError):
        return None, False


def kind_sql(column: str) -> str:
    """An SQL expression giving the ItemKind value of a JSON column, as `classify_fields` would.

    Rows that are not JSON count as "other", as they do in Python.
    """
    return (
        f"(CASE WHEN NOT json_valid({column}) THEN 'other' ELSE (SELECT CASE"
        " WHEN e = 1 THEN 'encrypted'"
        " WHEN t IS NULL OR t = 'message' THEN"
        " CASE r WHEN 'user' THEN 'user' WHEN 'assistant' THEN 'assistant' ELSE 'other' END"
        " WHEN t = 'reasoning' THEN 'reasoning'"
        " WHEN t LIKE '%\\_output' ESCAPE '\\' THEN 'function_call_output'"
        " WHEN t LIKE '%\\_call' ESCAPE '\\' THEN 'function_call'"
        " ELSE 'other' END"
        f" FROM (SELECT json_extract({column}, '$.type') AS t, json_extract({column}, '$.role') AS r,"
        f" json_extract({column}, '$.__enc__') AS e))"
        " END)"
    )


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` literally anywhere (escape character: backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def pretty_json(value: Any) -> str:
    """A value as indented JSON, for people to read. Text that holds a JSON object or
    array (a tool call's arguments, a tool's output) is parsed first; other text is
    shown as it is."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            return value
        if not isinstance(parsed, (dict, list)):
            return value
        value = parsed
    return json.dumps(value, indent=2, ensure_ascii=False)
