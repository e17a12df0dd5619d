"""What a server store's reader makes of an item, whichever its driver: a sealed item
opened with the key the user gave, the user's messages, a tool call's output. Kept apart
from pg_rows.py and redis_rows.py so that neither driver is imported for the other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .encrypted import SessionKey, WrongKey, is_envelope
from .items import ItemKind, classify_item, parse_item

KeyOf = Callable[[], SessionKey | None]  # asked only when an item is sealed


def opened(item: Any, key: KeyOf) -> Any:
    """A sealed item opened, when the user gave its key (else as it is)."""
    session_key = key() if is_envelope(item) else None
    if session_key is None:
        return item
    try:
        return session_key.open(item).item
    except WrongKey:
        return item


def is_user(text: str) -> bool:
    item, ok = parse_item(text)
    return ok and classify_item(item)[0] is ItemKind.USER


def answers(item: Any, call_id: str) -> bool:
    """Whether an item is the output answering the tool call `call_id`."""
    return (
        isinstance(item, dict)
        and item.get("call_id") == call_id
        and str(item.get("type", "")).endswith("output")
    )
