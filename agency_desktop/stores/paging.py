"""Keyset paging over one session's items, for viewers of sessions of any size.

Pages are fetched by row id (`id > ?` / `id < ?` on the SDK's (session_id, id)
index), never with OFFSET, so the last page costs the same as the first. Rows
carry a preview and the item's kind, not the full text: a 50 MB item costs
only its first `PREVIEW_READ_BYTES` until `read_item` is asked for it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from .branches import (
    BranchInfo,
    branch_scope,
    first_branch_holding,
    read_branches,
    require_branch,
)
from .encrypted import KEYS, SessionKey, WrongKey, is_envelope, open_text
from .errors import ProblemKind, SessionNotFoundError, StoreError
from .item_batches import Scope, with_text
from .item_batches import as_text as _as_text
from .items import ItemKind, classify_item, item_text, kind_sql, like_pattern, one_line, parse_item
from .readonly import open_readonly, translate_errors
from .records import parse_timestamp
from .schema import TablePair, discover_layout, pair_holding
from .turn_usage import TurnUsage, session_usage, usage_by_opening_item

PREVIEW_READ_BYTES = 64 * 1024
LOCKED_PREVIEW = "encrypted: give the session's key to read it (Session > Unlock)"
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


@dataclass(frozen=True)
class MessageFilter:
    """Which rows a reader returns: some kinds only, and/or rows containing some text."""

    kinds: frozenset[ItemKind] | None = None
    text: str = ""
    # One branch of an AdvancedSQLiteSession: a scope, not a filter of the user's (the
    # # column still numbers the rows one by one, and nothing reads "matches").
    branch: str | None = None

    @property
    def active(self) -> bool:
        return self.kinds is not None or bool(self.text)

    def sql(self) -> tuple[str, tuple[Any, ...]]:
        """Extra WHERE conditions; user text only ever travels as a bound parameter."""
        clauses, params = [], []
        if self.kinds is not None:
            marks = ", ".join("?" for _ in self.kinds) or "NULL"
            clauses.append(f" AND {kind_sql('message_data')} IN ({marks})")
            params += [str(kind) for kind in sorted(self.kinds)]
        if self.text:
            # The SDK stores JSON with non-ASCII escaped ("°" as "\\u00b0"): match either form.
            escaped = json.dumps(self.text)[1:-1]
            clauses.append(
                " AND (message_data LIKE ? ESCAPE '\\' OR message_data LIKE ? ESCAPE '\\')"
            )
            params += [like_pattern(self.text), like_pattern(escaped)]
        return "".join(clauses), tuple(params)


@dataclass(frozen=True)
class ContextItem:
    """One item of a transcript: its full text, or a head of it when it is huge."""

    row_id: int
    created_at: datetime | None
    text: str
    size_bytes: int

    @property
    def truncated(self) -> bool:
        return self.size_bytes > len(self.text.encode("utf-8", errors="replace"))


class SessionReader:
    """A read-only cursor over one session; use as a context manager.

    Not thread-safe: give each thread its own reader (connections are cheap).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        session_id: str,
        message_filter: MessageFilter | None = None,
        branch: str | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.session_id = session_id
        self._branch_asked = branch
        self._conn = open_readonly(self.db_path)
        try:
            with translate_errors(self.db_path):
                self.pair = self._find_pair()
            self.set_filter(message_filter or MessageFilter())
        except BaseException:
            self._conn.close()
            raise

    @property
    def source(self) -> str:
        return str(self.db_path)

    def set_filter(self, message_filter: MessageFilter) -> None:
        """Which rows to return; a branch named here (or given when opening) scopes every
        query of the session's items (keyset paging by row id holds within a branch)."""
        branch = message_filter.branch if message_filter.branch is not None else self._branch_asked
        if branch is not None:
            require_branch(self.branches(), self.session_id, branch)
        self.branch = branch
        self._scope, self._scope_params = branch_scope(self.pair, self.session_id, branch)
        self.filter = message_filter
        where, self._filter_params = message_filter.sql()
        self._select = (
            f"SELECT id, created_at, length(CAST(message_data AS BLOB)), substr(message_data, 1, {PREVIEW_READ_BYTES})"
            f" FROM {self.pair.q_messages} WHERE {self._scope}{where}"
        )
        self._count = f"SELECT count(*) FROM {self.pair.q_messages} WHERE {self._scope}{where}"
        self._source = f"{self.pair.q_messages} WHERE {self._scope}"

    def _find_pair(self) -> TablePair:
        layout = discover_layout(self._conn)
        if not layout.is_store:
            raise StoreError(self.db_path, ProblemKind.NOT_A_STORE)
        pair = pair_holding(self._conn, layout, self.session_id)
        if pair is None:
            raise SessionNotFoundError(self.db_path, self.session_id)
        return pair

    def branches(self, *, only_if_several: bool = False) -> list[BranchInfo]:
        """The session's branches, main first (none for a store without them; with
        `only_if_several`, none for a session on main alone, at the cost of one seek)."""
        with translate_errors(self.db_path):
            return read_branches(
                self._conn, self.pair, self.session_id, only_if_several=only_if_several
            )

    def branch_of(self, row_id: int, prefer: str | None = None) -> str | None:
        """The branch to read an item on: `prefer` if it holds it, else main, else the
        first that has it (None: the item is on no branch, or there are none)."""
        with translate_errors(self.db_path):
            return first_branch_holding(self._conn, self.pair, self.session_id, row_id, prefer)

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
        params = (*self._scope_params, *self._filter_params, bound, limit)
        return self._rows(self._select + " AND id > ? ORDER BY id LIMIT ?", params)

    def page_before(
        self, before_id: int | None = None, limit: int = DEFAULT_PAGE
    ) -> list[MessageRow]:
        """Up to `limit` rows with id < before_id, oldest first (the last page when None)."""
        params: tuple[Any, ...]
        if before_id is None:
            sql = self._select + " ORDER BY id DESC LIMIT ?"
            params = (*self._scope_params, *self._filter_params, limit)
        else:
            sql = self._select + " AND id < ? ORDER BY id DESC LIMIT ?"
            params = (*self._scope_params, *self._filter_params, before_id, limit)
        return self._rows(sql, params)[::-1]

    def count(self) -> int:
        """Rows matching the current filter (all rows of the session when there is none)."""
        with translate_errors(self.db_path):
            params = (*self._scope_params, *self._filter_params)
            return int(self._conn.execute(self._count, params).fetchone()[0])

    def count_before(self, row_id: int) -> int:
        """How many matching rows come before `row_id`: its 0-based position."""
        with translate_errors(self.db_path):
            params = (*self._scope_params, *self._filter_params, row_id)
            return int(self._conn.execute(self._count + " AND id < ?", params).fetchone()[0])

    def positions_in_session(self, row_ids: list[int]) -> list[int]:
        """1-based numbers of these rows (ascending ids) among all the session's items.

        What the # column shows while a filter hides rows between them: one count up
        to the first row, then a count of each gap, so the whole run costs one pass
        over the index up to the last row, in SQLite rather than in Python.
        """
        base = f"SELECT count(*) FROM {self.pair.q_messages} WHERE {self._scope}"
        positions: list[int] = []
        previous, number = None, 0
        with translate_errors(self.db_path):
            for row_id in row_ids:
                if previous is None:
                    params: tuple[Any, ...] = (*self._scope_params, row_id)
                    number = self._conn.execute(base + " AND id <= ?", params).fetchone()[0]
                else:
                    params = (*self._scope_params, previous, row_id)
                    sql = base + " AND id > ? AND id <= ?"
                    number += self._conn.execute(sql, params).fetchone()[0]
                positions.append(int(number))
                previous = row_id
        return positions

    def data_version(self) -> int:
        """Changes whenever another connection commits to the store (cheap to poll)."""
        with translate_errors(self.db_path):
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def context(self, row_id: int, radius: int = 40) -> list[ContextItem]:
        """The turn around `row_id`: from the user message that opened it to the next one.

        Bounded by `radius` items on each side, so a session without user messages
        (or a huge turn) costs no more than that.
        """
        query = (
            f"SELECT id, created_at, length(CAST(message_data AS BLOB)), substr(message_data, 1, {PREVIEW_READ_BYTES}),"
            f" {kind_sql('message_data')} = 'user' FROM {self.pair.q_messages} WHERE {self._scope}"
        )
        with translate_errors(self.db_path):
            before = self._conn.execute(
                query + " AND id <= ? ORDER BY id DESC LIMIT ?",
                (*self._scope_params, row_id, radius),
            ).fetchall()
            after = self._conn.execute(
                query + " AND id > ? ORDER BY id LIMIT ?", (*self._scope_params, row_id, radius)
            ).fetchall()
        start = next((i for i, row in enumerate(before) if row[4]), len(before) - 1)
        end = next((i for i, row in enumerate(after) if row[4]), len(after))
        rows = before[: start + 1][::-1] + after[:end]
        return [self._opened_context(_context_item(r)) for r in rows]

    def items_after(self, after_id: int | None, limit: int) -> list[ContextItem]:
        """Up to `limit` whole items (a head of huge ones) after `after_id`, oldest first:
        what the conversation view reads as it is scrolled down. Ignores the filter."""
        bound = -1 if after_id is None else after_id
        sql = self._items_select + " AND id > ? ORDER BY id LIMIT ?"
        return self._items(sql, (*self._scope_params, bound, limit))

    def items_before(self, before_id: int | None, limit: int) -> list[ContextItem]:
        """Up to `limit` whole items before `before_id` (the last ones when None), oldest first."""
        if before_id is None:
            return self._items(
                self._items_select + " ORDER BY id DESC LIMIT ?", (*self._scope_params, limit)
            )[::-1]
        sql = self._items_select + " AND id < ? ORDER BY id DESC LIMIT ?"
        return self._items(sql, (*self._scope_params, before_id, limit))[::-1]

    def turn_usage(self, row_ids: list[int]) -> dict[int, TurnUsage]:
        """Usage of the turns that those of `row_ids` open (AdvancedSQLiteSession only)."""
        with translate_errors(self.db_path):
            return usage_by_opening_item(
                self._conn, self.pair, self.session_id, row_ids, self.branch
            )

    def usage_total(self) -> TurnUsage | None:
        """The session's usage in all, or None where the store keeps none."""
        with translate_errors(self.db_path):
            return session_usage(self._conn, self.pair, self.session_id, self.branch)

    @property
    def _items_select(self) -> str:
        return (
            f"SELECT id, created_at, length(CAST(message_data AS BLOB)),"
            f" substr(message_data, 1, {PREVIEW_READ_BYTES})"
            f" FROM {self.pair.q_messages} WHERE {self._scope}"
        )

    def _items(self, sql: str, params: tuple[Any, ...]) -> list[ContextItem]:
        with translate_errors(self.db_path):
            rows = self._conn.execute(sql, params).fetchall()
        return [self._opened_context(_context_item(row)) for row in rows]

    def _opened_context(self, entry: ContextItem) -> ContextItem:
        if entry.truncated:
            return entry
        text = self._open_text(entry.text)
        if text is entry.text:
            return entry
        return ContextItem(entry.row_id, entry.created_at, text, len(text.encode("utf-8")))

    def find_call_output(
        self, call_id: str, after_id: int, scan_limit: int = 5000
    ) -> ContextItem | None:
        """The result answering `call_id`, looked for among the next `scan_limit` items."""
        query = (
            f"SELECT id, created_at, length(CAST(message_data AS BLOB)), substr(message_data, 1, {PREVIEW_READ_BYTES})"
            f" FROM (SELECT * FROM {self.pair.q_messages} WHERE {self._scope} AND id > ?"
            " ORDER BY id LIMIT ?) WHERE json_valid(message_data)"
            " AND json_extract(message_data, '$.call_id') = ?"
            " AND json_extract(message_data, '$.type') LIKE '%output' ORDER BY id LIMIT 1"
        )
        with translate_errors(self.db_path):
            params = (*self._scope_params, after_id, scan_limit, call_id)
            row = self._conn.execute(query, params).fetchone()
        return None if row is None else _context_item(row)

    def first_envelope(self) -> dict[str, Any] | None:
        """The session's first EncryptedSession envelope (to try a key on), if it has one."""
        query = (
            f"SELECT message_data FROM {self.pair.q_messages} WHERE session_id = ?"
            " AND json_valid(message_data) AND json_extract(message_data, '$.__enc__') = 1"
            " ORDER BY id LIMIT 1"
        )
        with translate_errors(self.db_path):
            row = self._conn.execute(query, (self.session_id,)).fetchone()
        item = parse_item(_as_text(row[0]))[0] if row is not None else None
        return item if is_envelope(item) else None

    def last_row_id(self) -> int | None:
        with translate_errors(self.db_path):
            query = f"SELECT max(id) FROM {self.pair.q_messages} WHERE {self._scope}"
            value = self._conn.execute(query, self._scope_params).fetchone()[0]
            return int(value) if value is not None else None

    def read_item(self, row_id: int) -> str | None:
        """The full stored text of one item, or None if the row has gone."""
        with translate_errors(self.db_path):
            query = (
                f"SELECT message_data FROM {self.pair.q_messages} WHERE id = ? AND session_id = ?"
            )
            row = self._conn.execute(query, (row_id, self.session_id)).fetchone()
            return None if row is None else self._open_text(_as_text(row[0]))

    def iter_items(self, batch: int = 1000) -> Iterator[tuple[int, datetime | None, str]]:
        """Every item's full text in order, read in keyset batches (bounded memory)."""
        for rows in self.iter_stored_items(batch):
            for row_id, created, text in rows:
                yield row_id, parse_timestamp(created), text

    def iter_stored_items(
        self, batch: int = 2000, after: int = -1, upto: int | None = None
    ) -> Iterator[list[tuple[int, Any, str]]]:
        """(row id, creation time as stored, text) of the items after row `after` up to
        `upto` (all by default), in order, a batch at a time: what transcripts read."""
        for rows in self._rows_scope.batches("created_at, message_data", batch, after, upto):
            yield with_text(rows, 2)

    def range_ends(self, size: int) -> Iterator[int | None]:
        """Where each run of `size` items ends (see item_batches.Scope.range_ends)."""
        return self._rows_scope.range_ends(size)

    @property
    def _rows_scope(self) -> Scope:  # the session's (or branch's) items, unfiltered
        return Scope(self._conn, self.db_path, self._source, self._scope_params)

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
        item = self._opened(item)
        kind, tool = classify_item(item)
        preview = item_text(item) if complete else text
        if kind is ItemKind.ENCRYPTED:
            preview = LOCKED_PREVIEW
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

    def _key(self) -> SessionKey | None:
        """The session's key, if the user gave it in this run (asked every time: they may
        give it while this reader is open)."""
        return KEYS.key_for(self.db_path, self.session_id)

    def _opened(self, item: Any) -> Any:
        key = self._key() if is_envelope(item) else None
        if key is None:
            return item
        try:
            return key.open(item).item
        except WrongKey:
            return item

    def _open_text(self, text: str) -> str:
        return open_text(text, self._key())[0]

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


def _context_item(row: Any) -> ContextItem:
    return ContextItem(row[0], parse_timestamp(row[1]), _as_text(row[3]), row[2] or 0)
