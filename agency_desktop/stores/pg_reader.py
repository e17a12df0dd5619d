"""Keyset paging over one session's items on a PostgreSQL server.

The order is the SDK's own: `get_items` reads `ORDER BY created_at, id`, on the only
index it makes, `(session_id, created_at)`; `pg_keyset` pages that way without another.
Row ids stay the table's `id` (what the views hold); a page after a row starts at that
row's key, read by its primary key. Nothing is created on the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql

from .branches import BranchInfo
from .encrypted import KEYS, SessionKey, is_envelope, open_text
from .errors import SessionNotFoundError
from .items import like_pattern, parse_item
from .paging import DEFAULT_PAGE, PREVIEW_READ_BYTES, ContextItem, MessageFilter, MessageRow
from .pg_keyset import TIE_BOUNDS, Key, Scope, Tie, edge_key
from .pg_rows import context_item, message_row
from .pg_sql import UTC_TIME, as_utc, has_is_json, json_doc, kind_of
from .pg_tables import PgPair, find_pairs, pair_holding
from .pg_target import connect, translated
from .pg_url import PgTarget
from .server_rows import answers, is_user
from .turn_usage import TurnUsage

_HEAD = (
    f"id, created_at, {UTC_TIME}, octet_length(message_data),"
    f" left(message_data, {PREVIEW_READ_BYTES})"
)
_WHOLE = f"id, created_at, {UTC_TIME}, message_data"
_ALL = 2**62  # no limit: a range bounded by its last row instead


class PgSessionReader:
    """A read-only cursor over one session on the server, on a connection of its own."""

    branch: str | None = None

    def __init__(
        self, target: PgTarget, session_id: str, message_filter: MessageFilter | None = None
    ) -> None:
        self.target = target
        self.session_id = session_id
        self._conn = connect(target)
        try:
            pair = pair_holding(self._conn, target, find_pairs(self._conn, target), session_id)
            if pair is None:
                raise SessionNotFoundError(target.shown, session_id)
            self.pair: PgPair = pair
            self._checked_json = has_is_json(self._conn)
            self._ties: dict[datetime, Tie] = {}
            self.set_filter(message_filter or MessageFilter())
        except BaseException:
            self._conn.close()
            raise

    @property
    def source(self) -> str:
        return self.target.shown

    def __enter__(self) -> PgSessionReader:
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

    # --- the query pieces

    def set_filter(self, message_filter: MessageFilter) -> None:
        """Which rows page_after/page_before/count return (kinds, text); SQLAlchemySession
        keeps no branches, so a branch is never found."""
        if message_filter.branch is not None:
            from .branches import require_branch

            require_branch([], self.session_id, message_filter.branch)
        self.filter = message_filter
        where: list[str] = []
        params: list[Any] = []
        if message_filter.kinds is not None:
            where.append(" AND k.kind = ANY(%s)")
            params.append([str(kind) for kind in sorted(message_filter.kinds)])
        if message_filter.text:
            escaped = json.dumps(message_filter.text)[1:-1]  # the SDK escapes non-ASCII
            where.append(" AND (message_data ILIKE %s OR message_data ILIKE %s)")
            params += [like_pattern(message_filter.text), like_pattern(escaped)]
        self._filter_sql, self._filter_params = "".join(where), tuple(params)

    def _source(self, filtered: bool) -> sql.Composable:  # a table, or a table with kinds
        """FROM the session's rows (with each row's kind when the filter needs it)."""
        if not (filtered and self.filter.kinds is not None):
            return self.pair.q_messages
        return sql.SQL(
            "{m} CROSS JOIN LATERAL (SELECT {doc} AS d OFFSET 0) j"
            " CROSS JOIN LATERAL (SELECT {kind} AS kind) k"
        ).format(
            m=self.pair.q_messages,
            doc=json_doc("message_data", self._checked_json),
            kind=kind_of(sql.SQL("j.d")),
        )

    def _scope(self, filtered: bool) -> Scope:
        if not filtered:
            return Scope(self.pair.q_messages, "", (self.session_id,))
        return Scope(self._source(True), self._filter_sql, (self.session_id, *self._filter_params))

    def _fetch(self, query: sql.Composed, params: tuple[Any, ...]) -> list[Any]:
        with translated(self.target):
            return self._conn.execute(query, params).fetchall()

    def _one(self, columns: str, condition: str, params: tuple[Any, ...]) -> list[Any]:
        """`columns` of the session's rows that match `condition` (on the table alone)."""
        query = sql.SQL("SELECT {c} FROM {m} WHERE session_id = %s{w}").format(
            c=sql.SQL(columns), m=self.pair.q_messages, w=sql.SQL(condition)
        )
        return self._fetch(query, (self.session_id, *params))

    def _key(self, row_id: int) -> Key | None:
        """Where a row sits in the session's order (None: it has gone)."""
        rows = self._one("created_at, id", " AND id = %s", (row_id,))
        return (rows[0][0], rows[0][1]) if rows else None

    def _start(self, forward: bool) -> Key | None:
        """Before the session's first row (after its last, going backwards)."""
        rows = self._one("min(created_at)" if forward else "max(created_at)", "", ())
        time = rows[0][0]
        return None if time is None else edge_key(time, self._tie(time), forward=forward)

    def _tie(self, time: datetime) -> Tie:
        """The lowest and highest id of the session's rows of one time, kept: one time's
        rows come from one transaction, committed before this reader saw them (a later
        pop_item only removes rows, which the bounds still cover)."""
        tie = self._ties.get(time)
        if tie is None:
            query = sql.SQL(TIE_BOUNDS).format(m=self.pair.q_messages)
            low, high = self._fetch(query, (self.session_id, time))[0]
            tie = self._ties[time] = (low or 0, high or 0)
        return tie

    def _keys(
        self, key: Key, *, filtered: bool = False, **how: Any
    ) -> tuple[sql.Composed, tuple[Any, ...]]:
        return self._scope(filtered).keys(key, self._tie(key[0]), **how)

    def _from(self, row_id: int | None, forward: bool) -> Key | None:
        """The key to page from: a row's, or the session's start (end) for None."""
        return self._start(forward) if row_id is None or row_id < 0 else self._key(row_id)

    def _chosen(self, columns: str, keys: tuple[sql.Composed, tuple[Any, ...]]) -> list[Any]:
        """`columns` of the rows whose keys `keys` selects, in the SDK's order."""
        query = sql.SQL(
            "SELECT {c} FROM {m} WHERE id IN (SELECT id FROM ({k}) x) ORDER BY created_at, id"
        ).format(c=sql.SQL(columns), m=self.pair.q_messages, k=keys[0])
        return self._fetch(query, keys[1])

    # --- pages of rows

    def page_after(
        self, after_id: int | None = None, limit: int = DEFAULT_PAGE
    ) -> list[MessageRow]:
        """Up to `limit` rows after `after_id` in the SDK's order (from the start when None)."""
        return self._page(after_id, limit, forward=True)

    def page_before(
        self, before_id: int | None = None, limit: int = DEFAULT_PAGE
    ) -> list[MessageRow]:
        """Up to `limit` rows before `before_id`, oldest first (the last page when None)."""
        return self._page(before_id, limit, forward=False)

    def _page(self, row_id: int | None, limit: int, *, forward: bool) -> list[MessageRow]:
        key = self._from(row_id, forward)
        if key is None:
            return []
        keys = self._keys(key, filtered=True, forward=forward, limit=limit)
        return [self._to_row(*row) for row in self._chosen(_HEAD, keys)]

    def count(self) -> int:
        scope = self._scope(True)
        query = sql.SQL("SELECT count(*) FROM {s} WHERE session_id = %s{w}").format(
            s=scope.source, w=sql.SQL(scope.where)
        )
        return int(self._fetch(query, scope.params)[0][0])

    def count_before(self, row_id: int) -> int:
        """How many matching rows come before `row_id`: its 0-based position."""
        key = self._key(row_id)
        return 0 if key is None else self._count_before(key, filtered=True)

    def _count_before(self, key: Key, *, filtered: bool) -> int:
        tie = self._tie(key[0])
        return int(self._fetch(*self._scope(filtered).count_before(key, tie))[0][0])

    def positions_in_session(self, row_ids: list[int]) -> list[int]:
        """1-based numbers of these rows (in the session's order) among all its items: the
        rows before the first counted, then those from the first to the last numbered."""
        keys = [key for key in map(self._key, row_ids) if key is not None]
        if not keys:
            return [0] * len(row_ids)
        first, last = min(keys), max(keys)
        base = self._count_before(first, filtered=False)
        span = self._keys(first, limit=_ALL, upto=last, inclusive=True)
        numbered = self._fetch(*span)
        place = {row[0]: base + n for n, row in enumerate(numbered, 1)}
        return [place.get(row_id, 0) for row_id in row_ids]

    def data_version(self) -> int:
        """Changes when the session does: its row's updated_at (the SDK touches it on each
        add) and its last item (a pop_item removes it)."""
        rows = self._fetch(
            sql.SQL("SELECT updated_at FROM {} WHERE session_id = %s").format(self.pair.q_sessions),
            (self.session_id,),
        )
        stamp = rows[0][0].timestamp() if rows and rows[0][0] else 0.0
        return hash((int(stamp * 1_000_000), self.last_row_id())) & (2**63 - 1)

    def last_row_id(self) -> int | None:
        key = self._start(forward=False)
        if key is None:
            return None
        rows = self._fetch(*self._keys(key, forward=False, limit=1))
        return int(rows[0][0]) if rows else None

    def read_item(self, row_id: int) -> str | None:
        rows = self._one("message_data", " AND id = %s", (row_id,))
        return None if not rows else self._open_text(rows[0][0])

    # --- whole items, in bulk

    def iter_items(self, batch: int = 1000) -> Iterator[tuple[int, datetime | None, str]]:
        for rows in self.iter_stored_items(batch):
            yield from rows

    def iter_stored_items(
        self, batch: int = 2000, after: int = -1, upto: int | None = None
    ) -> Iterator[list[tuple[int, Any, str]]]:
        """(row id, creation time in UTC, text) after row `after` up to `upto`, in order."""
        for rows in self._batches(batch, after, upto):
            yield [(row[0], as_utc(row[2]), row[3]) for row in rows]

    def _batches(self, batch: int, after: int, upto: int | None) -> Iterator[list[Any]]:
        start = self._from(after, forward=True)
        end = None if upto is None else self._key(upto)
        if start is None or (upto is not None and end is None):
            return
        while True:
            rows = self._chosen(_WHOLE, self._keys(start, limit=batch, upto=end))
            if rows:
                yield rows
            if len(rows) < batch:
                return
            start = (rows[-1][1], rows[-1][0])

    def range_ends(self, size: int) -> Iterator[int | None]:
        """The last row id of each run of `size` rows; None ends the last run."""
        key = self._start(forward=True)
        while key is not None:
            rows = self._fetch(*self._keys(key, limit=1, offset=size - 1))
            if not rows:
                break
            key = (rows[0][1], rows[0][0])
            yield rows[0][0]
        yield None

    # --- the conversation view

    def context(self, row_id: int, radius: int = 40) -> list[ContextItem]:
        """The turn around `row_id`: from the user message that opened it to the next one."""
        key = self._key(row_id)
        if key is None:
            return []
        before = self._items(self._keys(key, forward=False, limit=radius, inclusive=True))
        after = self._items(self._keys(key, limit=radius))
        before.reverse()  # nearest first
        start = next((i for i, item in enumerate(before) if is_user(item.text)), len(before) - 1)
        end = next((i for i, item in enumerate(after) if is_user(item.text)), len(after))
        return before[: start + 1][::-1] + after[:end]

    def items_after(self, after_id: int | None, limit: int) -> list[ContextItem]:
        """Up to `limit` whole items (a head of huge ones) after `after_id`, ignoring the filter."""
        key = self._from(after_id, forward=True)
        return [] if key is None else self._items(self._keys(key, limit=limit))

    def items_before(self, before_id: int | None, limit: int) -> list[ContextItem]:
        key = self._from(before_id, forward=False)
        if key is None:
            return []
        return self._items(self._keys(key, forward=False, limit=limit))

    def _items(self, keys: tuple[sql.Composed, tuple[Any, ...]]) -> list[ContextItem]:
        return [context_item(row, self._key_for) for row in self._chosen(_HEAD, keys)]

    def find_call_output(
        self, call_id: str, after_id: int, scan_limit: int = 5000
    ) -> ContextItem | None:
        """The result answering `call_id`, among the next `scan_limit` items."""
        for item in self.items_after(after_id, scan_limit):
            parsed, ok = parse_item(item.text)
            if ok and answers(parsed, call_id):
                return item
        return None

    def first_envelope(self) -> dict[str, Any] | None:
        """The session's first EncryptedSession envelope (to try a key on), if it has one."""
        rows = self._one(
            "message_data",
            " AND message_data LIKE '%%\"\\_\\_enc\\_\\_\"%%' ORDER BY created_at, id LIMIT 1",
            (),
        )
        item = parse_item(rows[0][0])[0] if rows else None
        return item if is_envelope(item) else None

    # --- what SQLAlchemySession does not keep: branches, usage

    def branches(self, *, only_if_several: bool = False) -> list[BranchInfo]:
        return []

    def branch_of(self, row_id: int, prefer: str | None = None) -> str | None:
        return None

    def turn_usage(self, row_ids: list[int]) -> dict[int, TurnUsage]:
        return {}

    def usage_total(self) -> TurnUsage | None:
        return None

    # --- rows as the views show them

    def _parse_big(self, row_id: int) -> tuple[Any, bool]:
        """Classify an oversized item from its key fields, leaving the bulk on the server."""
        fields = sql.SQL(
            "jsonb_build_object('type', d -> 'type', 'role', d -> 'role', 'name', d -> 'name',"
            " 'call_id', d -> 'call_id', '__enc__', d -> '__enc__')::text"
            " FROM (SELECT {doc} AS d FROM {m} WHERE session_id = %s AND id = %s) x"
            " WHERE d IS NOT NULL"
        ).format(doc=json_doc("message_data", self._checked_json), m=self.pair.q_messages)
        with translated(self.target):
            try:
                row = self._conn.execute(
                    sql.SQL("SELECT ") + fields, (self.session_id, row_id)
                ).fetchone()
            except psycopg.DataError:  # not JSON, before PostgreSQL 16
                return None, False
        return parse_item(row[0]) if row else (None, False)

    def _key_for(self) -> SessionKey | None:
        """The session's key, if the user gave it in this run (asked each time: they may
        give it while the reader is open)."""
        return KEYS.key_for(Path(self.target.shown), self.session_id)

    def _to_row(self, *record: Any) -> MessageRow:
        return message_row(record, self._key_for, self._parse_big)

    def _open_text(self, text: str) -> str:
        return open_text(text, self._key_for())[0]
