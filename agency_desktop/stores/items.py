"""What an SDK item is (user, assistant, tool call, ...) and a one-line preview of it."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from json.encoder import encode_basestring as _quoted  # as json.dumps(ensure_ascii=False)
from typing import Any

import msgspec

from .encrypted import ENVELOPE_KEY, is_envelope

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
    if ENVELOPE_KEY in item and is_envelope(item):
        return ItemKind.ENCRYPTED, None
    return classify_fields(item.get("type"), item.get("role"), item.get("name"))


def content_text(content: Any) -> str:
    """The readable text of a message's content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        if len(content) == 1:  # the usual message: the same text, without the joining
            part = content[0]
            if type(part) is dict and type(text := part.get("text")) is str:
                return text  # what _part_text finds first, without its loop
            return _part_text(part)
        parts = [_part_text(part) for part in content]
        return "\n".join([part for part in parts if part])
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
        return output_text(item)
    if kind is ItemKind.REASONING:
        return content_text(item.get("summary")) or content_text(item.get("content"))
    return str(item.get("type", ""))  # an encrypted envelope has none: no text to search


def output_text(item: dict[str, Any]) -> str:
    """The text of a tool's result (an item of kind FUNCTION_CALL_OUTPUT)."""
    output = item.get("output", "")
    return output if isinstance(output, str) else content_text(output) or json.dumps(output)


def one_line(text: str, limit: int = PREVIEW_CHARS) -> str:
    flat = " ".join(text[: limit * 4].split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parse_item(raw: str | bytes | None) -> tuple[Any, bool]:
    """Decode stored JSON; returns (item, ok). Undecodable rows are kept, marked not ok.
    The usual row (text msgspec decodes) takes one call: a transcript parses every item."""
    if type(raw) is str:
        try:
            return _DECODE(raw), True
        except NOT_DECODED:
            pass  # json.loads has the last word, as in `loads`
    if raw is None:
        return None, False
    try:
        return json.loads(raw), True
    except (ValueError, RecursionError):
        return None, False


# Items are decoded by msgspec, whose JSON decoder is twice as fast as the standard
# library's (the parse is most of the work of a transcript, a search or a stats pass).
# Where it accepts a text it gives what json.loads gives (big integers included; a fuzz
# test holds it to that); what it refuses, json.loads reads or rejects: NaN and
# Infinity, numbers beyond a float, lone surrogates, nesting deeper than its limit.
_DECODE: Callable[[str], Any] = msgspec.json.Decoder().decode
NOT_DECODED = (ValueError, RecursionError)  # msgspec.DecodeError is a ValueError


def loads(text: str) -> Any:
    """json.loads(text), sooner."""
    try:
        return _DECODE(text)
    except NOT_DECODED:
        return json.loads(text)


# A JSON text checked without building its values (msgspec skips them in C): a quarter of
# the time of SQLite's json_valid, which was half an export's reading of a row.
_CHECK: Callable[[str], Any] = msgspec.json.Decoder(msgspec.Raw).decode


def is_json(text: str) -> bool:
    """Whether `text` is JSON, as `parse_item` reads it: what the quick check refuses
    is decoded after all (json.loads reads NaN and lone surrogates, which it does not;
    nesting too deep for either is no JSON to them)."""
    try:
        _CHECK(text)
    except NOT_DECODED:
        return parse_item(text)[1]
    return True


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
        if value[:1] not in _CONTAINER_OR_SPACE:  # not an object or array: spares a failed parse
            return value
        try:
            parsed = loads(value)
        except (ValueError, RecursionError):
            return value
        if not isinstance(parsed, (dict, list)):
            return value
        value = parsed
    return _indented(value)


_CONTAINER_OR_SPACE = frozenset("{[ \t\n\r")


def _indented(value: Any) -> str:
    """json.dumps(value, indent=2, ensure_ascii=False). With an indent json.dumps runs its
    pure-Python encoder, ten times slower than this: an object of text to text (what
    most tool calls' arguments are) is written here, each text quoted by the function
    json.dumps itself uses; the rest by json.dumps."""
    if isinstance(value, dict) and value:
        members = []
        for key, text in value.items():
            if type(key) is not str or type(text) is not str:
                break
            members.append(f"{_quoted(key)}: {_quoted(text)}")
        else:
            return "{\n  " + ",\n  ".join(members) + "\n}"
    return json.dumps(value, indent=2, ensure_ascii=False)
