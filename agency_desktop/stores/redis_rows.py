"""A Redis session's items as the views show them: what `pg_rows` makes of PostgreSQL's
rows (kind, tool, preview; EncryptedSession items opened with the key the user gave), from
the whole items LRANGE gives (Redis cannot cut a list element short, so the preview and
the head of a huge item are cut here). RedisSession keeps no time per item: rows have none.

Also what the reader's filter matches, decided in Python for the same reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .encrypted import is_envelope, open_text
from .items import ItemKind, classify_item, item_text, one_line, parse_item
from .paging import LOCKED_PREVIEW, PREVIEW_READ_BYTES, ContextItem, MessageFilter, MessageRow
from .server_rows import KeyOf, opened


def message_row(row_id: int, text: str, key: KeyOf) -> MessageRow:
    size = len(text.encode("utf-8", "surrogatepass"))
    item, ok = parse_item(text)
    if not ok:
        return MessageRow(
            row_id, None, ItemKind.OTHER, None, None, one_line(text[:4096]), size, False
        )
    item = opened(item, key)
    kind, tool = classify_item(item)
    complete = size <= PREVIEW_READ_BYTES
    preview = LOCKED_PREVIEW if is_envelope(item) else item_text(item) if complete else text
    call_id = item.get("call_id") if isinstance(item, dict) else None
    call = call_id if isinstance(call_id, str) else None
    return MessageRow(
        row_id, None, kind, tool, call, one_line(preview[:PREVIEW_READ_BYTES]), size, True
    )


def context_item(row_id: int, text: str, key: KeyOf) -> ContextItem:
    """A whole item, or the head of a huge one (as a file's reader gives it), opened when
    it can be."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > PREVIEW_READ_BYTES:
        return ContextItem(row_id, None, text[:PREVIEW_READ_BYTES], size)
    opened = open_text(text, key())[0]
    if opened is text:
        return ContextItem(row_id, None, text, size)
    return ContextItem(row_id, None, opened, len(opened.encode("utf-8", "surrogatepass")))


def matcher(message_filter: MessageFilter) -> Callable[[str], bool] | None:
    """What a filter keeps, as a test of an item's stored text (None: every item).

    The text is looked for case-insensitively as written and as the SDK escapes it in JSON
    (non-ASCII as \\uXXXX), as the other stores' readers look for it.
    """
    if not message_filter.active:
        return None
    kinds = message_filter.kinds
    needles = {message_filter.text.lower(), json.dumps(message_filter.text)[1:-1].lower()}
    needles.discard("")

    def keeps(text: str) -> bool:
        if needles:
            lowered = text.lower()
            if not any(needle in lowered for needle in needles):
                return False
        if kinds is None:
            return True
        item, ok = parse_item(text)
        return (classify_item(item)[0] if ok else ItemKind.OTHER) in kinds

    return keeps


def first_user_text(item: Any) -> str | None:
    """The text of a user message (its first part's, when its content is a list), which
    a session's title is the first line of; None for any other item."""
    if not isinstance(item, dict) or classify_item(item)[0] is not ItemKind.USER:
        return None
    content = item.get("content")
    if isinstance(content, list) and content and isinstance(content[0], dict):
        text = content[0].get("text")
        return text if isinstance(text, str) else None
    return content if isinstance(content, str) else None
