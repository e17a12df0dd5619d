"""A PostgreSQL session's rows as the views show them: what `paging.SessionReader` makes
of a file's rows (kind, tool, preview; EncryptedSession items opened with the key the
user gave), from the columns `pg_reader` reads: id, created_at as stored, created_at in
UTC, the item's size in bytes, and its first PREVIEW_READ_BYTES characters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .encrypted import is_envelope, open_text
from .items import ItemKind, classify_item, item_text, one_line, parse_item
from .paging import LOCKED_PREVIEW, PREVIEW_READ_BYTES, ContextItem, MessageRow
from .pg_sql import as_utc
from .server_rows import KeyOf, opened

ParseBig = Callable[[int], tuple[Any, bool]]  # an oversized item's key fields, by row id


def message_row(record: Sequence[Any], key: KeyOf, parse_big: ParseBig) -> MessageRow:
    row_id, _stored, created, size, head = record
    size = size or 0
    complete = size <= PREVIEW_READ_BYTES
    item, ok = parse_item(head) if complete else parse_big(row_id)
    when = as_utc(created)
    if not ok:
        return MessageRow(row_id, when, ItemKind.OTHER, None, None, one_line(head), size, False)
    item = opened(item, key)
    kind, tool = classify_item(item)
    preview = LOCKED_PREVIEW if is_envelope(item) else (item_text(item) if complete else head)
    call_id = item.get("call_id") if isinstance(item, dict) else None
    call = call_id if isinstance(call_id, str) else None
    return MessageRow(row_id, when, kind, tool, call, one_line(preview), size, True)


def context_item(record: Sequence[Any], key: KeyOf) -> ContextItem:
    """A whole item (a head of a huge one), opened when it can be."""
    row_id, _stored, created, size, head = record
    entry = ContextItem(row_id, as_utc(created), head, size or 0)
    if entry.truncated:
        return entry
    text = open_text(head, key())[0]
    if text is head:
        return entry
    return ContextItem(row_id, entry.created_at, text, len(text.encode("utf-8")))
