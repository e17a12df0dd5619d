"""Keyset paging over one session's items, for viewers of sessions of any size.

Pages are fetched by row id (`id > ?` / `id < ?` on the SDK's (session_id, id)
index), never with OFFSET, so the last page costs the same as the first. Rows
carry a preview and the item's kind, not the full text: a 50 MB item costs
only its first `PREVIEW_READ_BYTES` until `read_item` is asked for it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import ProblemKind, SessionNotFoundError, StoreError
from .items import ItemKind, classify_item, item_text, one_line, parse_item
from .readonly import open_readonly, translate_errors
from .records import parse_timestamp
from .schema import TablePair, discover_layout

PREVIEW_READ_BYTES = 64 * 1024
DEFAULT_PAGE = 100


@dataclass(frozen=True)
class MessageRow:
    row_id: int
    created_at: datetime | None
    kind: ItemKind
    tool_name: str | None
    call_id: str | None
    preview: str
    size_bytes: int
    valid_json: bool


class SessionReader:
    """A read-only cursor over one session; use as a context manager."""

    def __init__(self, db_path: str | os.PathLike[str], session_id: str) -> None:
        self.db_path = Path(db_path)
        self.session_id = session_id
        self._conn = open_readonly(self.db_path)
        try:
            with translate_errors(self.db_path):
                self.pair = self._find_pair()
        except BaseException:
            self._conn.close()
            raise
        self._select = (
            f"SELECT id, created_at, length(message_data), substr(message_data, 1, {PREVIEW_READ_BYTES})"
            f" FROM {self.pair.q_messages} WHERE session_id = ?"
        )

    def _find_pair(self) -> TablePair:
        layout = discover_layout(self._conn)
        if not layout.is_store:
            raise StoreError(self.db_path, ProblemKind.NOT_A_STORE)
        for pair in layout.pairs:
            if self._holds_session(pair):
                return pair
        raise SessionNotFoundError(self.db_path, self.session_id)

    def _holds_session(self, pair: TablePair) -> bool:
        query = (
            f"SELECT EXISTS(SELECT 1 FROM {pair.q_sessions} WHERE session_id = ?1)"
            f" OR EXISTS(SELECT 1 FROM {pair.q_messages} WHERE session_id = ?1)"
        )
        return bool(self._conn.execute(query, (self.session_id,)).fetchone()[0])

    def __enter__(self) -> SessionReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[MessageRow]:
        with translate_errors(self.db_path):
            return [self._to_row(*record) for record in self._conn.execute(sql, params)]

    def page_after(
        self, after_id: int | None = None, limit: int = DEFAULT_PAGE
    ) -> list[MessageRow]:
        """Up to `limit` rows with id > after_id, oldest first (from the start when None)."""
        bound = -1 if after_id is None else after_id
        return self._rows(
            self._select + " AND id > ? ORDER BY id LIMIT ?", (self.session_id, bound, limit)
        )

    def page_before(
        self, before_id: int | None = None, limit: int = DEFAULT_PAGE
    ) -> list[MessageRow]:
        """Up to `limit` rows with id < before_id, oldest first (the last page when None)."""
        params: tuple[Any, ...]
        if before_id is None:
            sql, params = self._select + " ORDER BY id DESC LIMIT ?", (self.session_id, limit)
        else:
            sql = self._select + " AND id < ? ORDER BY id DESC LIMIT ?"
            params = (self.session_id, before_id, limit)
        return self._rows(sql, params)[::-1]

    def count(self) -> int:
        with translate_errors(self.db_path):
            query = f"SELECT count(*) FROM {self.pair.q_messages} WHERE session_id = ?"
            return int(self._conn.execute(query, (self.session_id,)).fetchone()[0])

    def last_row_id(self) -> int | None:
        with translate_errors(self.db_path):
            query = f"SELECT max(id) FROM {self.pair.q_messages} WHERE session_id = ?"
            value = self._conn.execute(query, (self.session_id,)).fetchone()[0]
            return int(value) if value is not None else None

    def read_item(self, row_id: int) -> str | None:
        """The full stored text of one item, or None if the row has gone."""
        with translate_errors(self.db_path):
            query = (
                f"SELECT message_data FROM {self.pair.q_messages} WHERE id = ? AND session_id = ?"
            )
            row = self._conn.execute(query, (row_id, self.session_id)).fetchone()
            return None if row is None else _as_text(row[0])

    def iter_items(self, batch: int = 1000) -> Iterator[tuple[int, datetime | None, str]]:
        """Every item's full text in order, read in keyset batches (bounded memory)."""
        query = (
            f"SELECT id, created_at, message_data FROM {self.pair.q_messages}"
            " WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?"
        )
        after = -1
        while True:
            with translate_errors(self.db_path):
                rows = self._conn.execute(query, (self.session_id, after, batch)).fetchall()
            for row_id, created, text in rows:
                yield row_id, parse_timestamp(created), _as_text(text)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def _to_row(self, row_id: int, created: Any, size: int | None, head: Any) -> MessageRow:
        text = _as_text(head)
        complete = (size or 0) <= PREVIEW_READ_BYTES
        item, ok = parse_item(text) if complete else self._parse_big(row_id)
        if not ok:
            return MessageRow(
                row_id,
                parse_timestamp(created),
                ItemKind.OTHER,
                None,
                None,
                one_line(text),
                size or 0,
                False,
            )
        kind, tool = classify_item(item)
        preview = item_text(item) if complete else text
        call_id = item.get("call_id") if isinstance(item, dict) else None
        return MessageRow(
            row_id,
            parse_timestamp(created),
            kind,
            tool,
            call_id if isinstance(call_id, str) else None,
            one_line(preview),
            size or 0,
            True,
        )

    def _parse_big(self, row_id: int) -> tuple[Any, bool]:
        """Classify an oversized item from its key fields, leaving the bulk in SQLite."""
        query = (
            "SELECT CASE WHEN json_valid(message_data) THEN json_object("
            "'type', json_extract(message_data, '$.type'), 'role', json_extract(message_data, '$.role'),"
            "'name', json_extract(message_data, '$.name'), 'call_id', json_extract(message_data, '$.call_id'))"
            f" END FROM {self.pair.q_messages} WHERE id = ?"
        )
        try:
            fields = self._conn.execute(query, (row_id,)).fetchone()
        except sqlite3.OperationalError:
            return None, False
        return parse_item(fields[0]) if fields and fields[0] else (None, False)


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)
