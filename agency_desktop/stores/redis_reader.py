"""Paging over one Redis session's items: row ids are list positions.

RedisSession keeps a session's items in one list, appended with RPUSH and only ever
shortened at its end (pop_item's RPOP), so an item's index is a stable key for it: its row
id is index + 1 (row ids start at 1, as the other stores' do). A page is one LRANGE of
absolute indexes, so memory stays bounded by the page, and never a race between a count
and a read: a writer appending meanwhile only adds rows after the page.

A filter (kinds, text) is decided in Python (Redis cannot look into list elements): the
indexes of the matching items are found in one pass of LRANGE slices and kept (8 bytes a
match) until the session changes; the pages of matches are then read by LINDEX, in one
round trip per page.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from .branches import BranchInfo
from .encrypted import KEYS, SessionKey, is_envelope, open_text
from .errors import SessionNotFoundError
from .items import parse_item
from .paging import DEFAULT_PAGE, ContextItem, MessageFilter, MessageRow
from .redis_listing import MESSAGES
from .redis_rows import context_item, matcher, message_row
from .redis_target import connect, text_of, translated
from .redis_url import RedisTarget
from .server_rows import answers, is_user
from .turn_usage import TurnUsage

SCAN_SLICE = 1000  # items per LRANGE when a filter is matched, or a call's output sought
ENVELOPE_HEAD = 16  # items looked at for an EncryptedSession envelope (it seals every item)


class RedisSessionReader:
    """A read-only cursor over one session on the server, on a connection of its own."""

    branch: str | None = None

    def __init__(
        self, target: RedisTarget, session_id: str, message_filter: MessageFilter | None = None
    ) -> None:
        self.target = target
        self.session_id = session_id
        self._meta, self._list = target.key(session_id), target.key(session_id, MESSAGES)
        self._client = connect(target)
        try:
            if not self._exists():
                raise SessionNotFoundError(target.shown, session_id)
            self._matches: tuple[tuple[Any, ...], array[int]] | None = None
            self.set_filter(message_filter or MessageFilter())
        except BaseException:
            self._client.close()
            raise

    @property
    def source(self) -> str:
        return self.target.shown

    def __enter__(self) -> RedisSessionReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # --- the commands

    def _exists(self) -> bool:
        pipe = self._client.pipeline(transaction=False)
        pipe.exists(self._meta)
        pipe.llen(self._list)
        with translated(self.target):
            exists, length = pipe.execute()
        return bool(exists) or bool(length)

    def _length(self) -> int:
        with translated(self.target):
            return int(self._client.llen(self._list))

    def _slice(self, start: int, stop: int) -> list[str]:
        """The items at indexes start..stop (inclusive, clamped to the list)."""
        if stop < start or stop < 0:
            return []
        with translated(self.target):
            raw = self._client.lrange(self._list, max(start, 0), stop)
        return [text_of(item) for item in raw]

    def _at(self, indexes: list[int]) -> list[str]:
        if not indexes:
            return []
        pipe = self._client.pipeline(transaction=False)
        for index in indexes:
            pipe.lindex(self._list, index)
        with translated(self.target):
            return [text_of(item) for item in pipe.execute()]

    # --- the filter

    def set_filter(self, message_filter: MessageFilter) -> None:
        """Which rows page_after/page_before/count return (kinds, text); RedisSession
        keeps no branches, so a branch is never found."""
        if message_filter.branch is not None:
            from .branches import require_branch

            require_branch([], self.session_id, message_filter.branch)
        self.filter = message_filter
        self._keeps = matcher(message_filter)
        self._matches = None

    def _version(self) -> tuple[Any, ...]:
        pipe = self._client.pipeline(transaction=False)
        pipe.hmget(self._meta, ["created_at", "updated_at"])
        pipe.llen(self._list)
        with translated(self.target):
            (created, updated), length = pipe.execute()
        return created, updated, int(length)

    def _matched(self) -> array[int]:
        """The indexes of the items the filter keeps, found again when the session changed."""
        assert self._keeps is not None
        version = self._version()
        if self._matches is not None and self._matches[0] == version:
            return self._matches[1]
        found = array("q")
        for start in range(0, version[2], SCAN_SLICE):
            texts = self._slice(start, min(start + SCAN_SLICE, version[2]) - 1)
            found.extend(start + n for n, text in enumerate(texts) if self._keeps(text))
        self._matches = (version, found)
        return found

    # --- pages of rows

    def page_after(
        self, after_id: int | None = None, limit: int = DEFAULT_PAGE
    ) -> list[MessageRow]:
        """Up to `limit` rows after `after_id` in the list's order (from the start when None)."""
        start = 0 if after_id is None or after_id < 0 else after_id
        if self._keeps is None:
            return self._rows(start, self._slice(start, start + limit - 1))
        matches = self._matched()
        first = bisect_left(matches, start)
        return self._picked(list(matches[first : first + limit]))

    def page_before(
        self, before_id: int | None = None, limit: int = DEFAULT_PAGE
    ) -> list[MessageRow]:
        """Up to `limit` rows before `before_id`, oldest first (the last page when None)."""
        if self._keeps is None:
            end = self._length() if before_id is None or before_id < 0 else before_id - 1
            start = max(end - limit, 0)
            return self._rows(start, self._slice(start, end - 1))
        matches = self._matched()
        end = (
            len(matches)
            if before_id is None or before_id < 0
            else bisect_left(matches, before_id - 1)
        )
        return self._picked(list(matches[max(end - limit, 0) : end]))

    def _rows(self, start: int, texts: list[str]) -> list[MessageRow]:
        return [message_row(start + n + 1, text, self._key_for) for n, text in enumerate(texts)]

    def _picked(self, indexes: list[int]) -> list[MessageRow]:
        texts = self._at(indexes)
        return [
            message_row(i + 1, text, self._key_for) for i, text in zip(indexes, texts, strict=True)
        ]

    def count(self) -> int:
        return self._length() if self._keeps is None else len(self._matched())

    def count_before(self, row_id: int) -> int:
        """How many matching rows come before `row_id`: its 0-based position (0 if gone)."""
        if self._keeps is None:
            return row_id - 1 if 1 <= row_id <= self._length() else 0
        return bisect_left(self._matched(), row_id - 1)

    def positions_in_session(self, row_ids: list[int]) -> list[int]:
        """1-based numbers of these rows among all the session's items: their row ids, while
        they are there."""
        length = self._length()
        return [row_id if 1 <= row_id <= length else 0 for row_id in row_ids]

    def data_version(self) -> int:
        """Changes when the session does: its metadata's times (the SDK sets updated_at on
        each add) and its length (a pop_item shortens it)."""
        digest = hashlib.blake2b(repr(self._version()).encode(), digest_size=8).digest()
        return int.from_bytes(digest) & (2**63 - 1)  # the same in every process

    def last_row_id(self) -> int | None:
        return self._length() or None

    def read_item(self, row_id: int) -> str | None:
        if row_id < 1:
            return None
        with translated(self.target):
            raw = self._client.lindex(self._list, row_id - 1)
        return None if raw is None else open_text(text_of(raw), self._key_for())[0]

    # --- whole items, in bulk

    def iter_items(self, batch: int = 1000) -> Iterator[tuple[int, Any, str]]:
        for rows in self.iter_stored_items(batch):
            yield from rows

    def iter_stored_items(
        self, batch: int = 2000, after: int = -1, upto: int | None = None
    ) -> Iterator[list[tuple[int, Any, str]]]:
        """(row id, None: Redis keeps no item times, text) after row `after` up to `upto`."""
        for start, texts in self._batches(batch, after, upto):
            yield [(start + n + 1, None, text) for n, text in enumerate(texts)]

    def _batches(self, batch: int, after: int, upto: int | None) -> Iterator[tuple[int, list[str]]]:
        start = max(after, 0)
        last = None if upto is None else upto - 1
        while last is None or start <= last:
            stop = start + batch - 1 if last is None else min(start + batch - 1, last)
            texts = self._slice(start, stop)
            if texts:
                yield start, texts
            if len(texts) < stop - start + 1:
                return
            start = stop + 1

    def range_ends(self, size: int) -> Iterator[int | None]:
        """The last row id of each run of `size` rows; None ends the last run."""
        yield from range(size, self._length() + 1, size)
        yield None

    # --- the conversation view

    def context(self, row_id: int, radius: int = 40) -> list[ContextItem]:
        """The turn around `row_id`: from the user message that opened it to the next one."""
        index = row_id - 1
        first = max(index - radius + 1, 0)
        texts = self._slice(first, index + radius) if index >= 0 else []
        if len(texts) <= index - first:
            return []  # the row has gone
        items = [context_item(first + n + 1, text, self._key_for) for n, text in enumerate(texts)]
        before, after = items[: index - first + 1][::-1], items[index - first + 1 :]
        start = next((i for i, item in enumerate(before) if is_user(item.text)), len(before) - 1)
        end = next((i for i, item in enumerate(after) if is_user(item.text)), len(after))
        return before[: start + 1][::-1] + after[:end]

    def items_after(self, after_id: int | None, limit: int) -> list[ContextItem]:
        """Up to `limit` whole items (a head of huge ones) after `after_id`, ignoring the filter."""
        start = 0 if after_id is None or after_id < 0 else after_id
        return self._items(start, self._slice(start, start + limit - 1))

    def items_before(self, before_id: int | None, limit: int) -> list[ContextItem]:
        end = self._length() if before_id is None or before_id < 0 else before_id - 1
        start = max(end - limit, 0)
        return self._items(start, self._slice(start, end - 1))

    def _items(self, start: int, texts: list[str]) -> list[ContextItem]:
        return [context_item(start + n + 1, text, self._key_for) for n, text in enumerate(texts)]

    def find_call_output(
        self, call_id: str, after_id: int, scan_limit: int = 5000
    ) -> ContextItem | None:
        """The result answering `call_id`, among the next `scan_limit` items (read a slice
        at a time: the answer is usually the next item)."""
        start, end = max(after_id, 0), max(after_id, 0) + scan_limit
        for first in range(start, end, SCAN_SLICE):
            texts = self._slice(first, min(first + SCAN_SLICE, end) - 1)
            for n, text in enumerate(texts):
                if call_id in text and answers(parse_item(text)[0], call_id):
                    return context_item(first + n + 1, text, self._key_for)
            if len(texts) < SCAN_SLICE:
                return None
        return None

    def first_envelope(self) -> dict[str, Any] | None:
        """The session's first EncryptedSession envelope (to try a key on), if it has one:
        looked for among its first items only, since EncryptedSession seals every item it
        writes (a whole read of a long session to answer "none" would be a waste)."""
        for text in self._slice(0, ENVELOPE_HEAD - 1):
            item = parse_item(text)[0]
            if is_envelope(item):
                return dict(item)
        return None

    # --- what RedisSession does not keep: branches, usage

    def branches(self, *, only_if_several: bool = False) -> list[BranchInfo]:
        return []

    def branch_of(self, row_id: int, prefer: str | None = None) -> str | None:
        return None

    def turn_usage(self, row_ids: list[int]) -> dict[int, TurnUsage]:
        return {}

    def usage_total(self) -> TurnUsage | None:
        return None

    def _key_for(self) -> SessionKey | None:
        """The session's key, if the user gave it in this run (asked each time: they may
        give it while the reader is open)."""
        return KEYS.key_for(Path(self.target.shown), self.session_id)
