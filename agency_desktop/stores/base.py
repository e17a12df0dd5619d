"""The seam every kind of session store sits behind.

The views, the CLI and the operations talk to a `Store`, never to a file or a
server directly, so a new kind of store (PostgreSQL through the SDK's
SQLAlchemySession, Redis through RedisSession) is one module that implements this
class plus one line in `registry.py`. `docs/architecture.md` shows how.

Items are keyed by a row id that grows with each item written: pages are read by
key (`ItemReader.page_after(row_id)`), never by offset, so a million-item session
opens at once and is read in bounded memory.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from ..util.progress import Reporter
    from .branches import BranchInfo
    from .paging import ContextItem, MessageFilter, MessageRow
    from .records import SessionInfo
    from .session_data import SessionData
    from .stats import SessionStats
    from .stats_cache import StatsCache
    from .turn_usage import TurnUsage


class ItemReader(Protocol):
    """A read-only cursor over one session's items; close it (or use `with`) when done.

    Not thread-safe: each thread opens its own.
    """

    session_id: str

    @property
    def source(self) -> str:
        """Where the items come from, for headings and messages: the store's location."""
        ...

    branch: str | None

    def branches(self, *, only_if_several: bool = False) -> list[BranchInfo]: ...
    def branch_of(self, row_id: int, prefer: str | None = None) -> str | None: ...
    def set_filter(self, message_filter: MessageFilter) -> None: ...
    def page_after(self, after_id: int | None = None, limit: int = ...) -> list[MessageRow]: ...
    def page_before(self, before_id: int | None = None, limit: int = ...) -> list[MessageRow]: ...
    def count(self) -> int: ...
    def count_before(self, row_id: int) -> int: ...
    def positions_in_session(self, row_ids: list[int]) -> list[int]: ...
    def data_version(self) -> int: ...
    def last_row_id(self) -> int | None: ...
    def read_item(self, row_id: int) -> str | None: ...
    def iter_items(self, batch: int = ...) -> Iterator[tuple[int, datetime | None, str]]: ...
    def iter_stored_items(
        self, batch: int = ..., after: int = ..., upto: int | None = ...
    ) -> Iterator[list[tuple[int, Any, str]]]: ...
    def range_ends(self, size: int) -> Iterator[int | None]: ...
    def context(self, row_id: int, radius: int = ...) -> list[ContextItem]: ...
    def items_after(self, after_id: int | None, limit: int) -> list[ContextItem]: ...
    def items_before(self, before_id: int | None, limit: int) -> list[ContextItem]: ...
    def turn_usage(self, row_ids: list[int]) -> dict[int, TurnUsage]: ...
    def usage_total(self) -> TurnUsage | None: ...
    def find_call_output(
        self, call_id: str, after_id: int, scan_limit: int = ...
    ) -> ContextItem | None: ...
    def first_envelope(self) -> dict[str, Any] | None: ...
    def close(self) -> None: ...
    def __enter__(self) -> ItemReader: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ItemTable(Protocol):
    """One sequence of items across sessions, keyed by row id: what search indexes.

    A SQLite file has one per messages table; a server store has one.
    """

    name: str

    def rows_after(self, after_id: int, limit: int) -> list[tuple[int, Any, Any, Any]]:
        """Up to `limit` (row id, session id, created at, item text) rows after `after_id`."""
        ...

    def count_upto(self, last_id: int) -> int:
        """Rows with an id up to `last_id`: fewer than before means rows were removed."""
        ...

    def tail(self) -> tuple[int | None, int]:
        """The last row id (None when empty) and the number of rows."""
        ...


class StoreNow(Protocol):
    """What a store holds at the moment a write is about to happen (under its write lock).

    A session is named by id, or as a listing showed it (a `SessionInfo` names its
    tables too, where a file keeps the same id in two pairs of tables).
    """

    def info(self, session: SessionInfo | str) -> SessionInfo | None: ...
    def digest(self, session: SessionInfo | str) -> tuple[int, str]: ...


# Called under the write lock before a delete: a reason to refuse it, or None to go on.
DeleteGuard = Callable[[StoreNow], str | None]


class StoreChangedError(RuntimeError):
    """A guarded write was refused: the store changed since the caller looked at it."""


class Store(abc.ABC):
    """One store of sessions, opened by its location (a file path, later a URL)."""

    kind: ClassVar[str]  # a short stable name: "sqlite-file"
    label: ClassVar[str]  # what the user reads: "SQLite file"
    # Whether `delete_sessions` and `append_session` work here: an operation checks it
    # before its first step (a backup, say) rather than fail at the write.
    writable: ClassVar[bool] = True
    # As the user gave it: what opens the store again (worker processes do). A server's URL
    # carries its password here: messages show `util.urls.redact_url(location)`.
    location: str

    @abc.abstractmethod
    def __init__(self, location: str) -> None:
        """Opening is cheap and reads nothing: the first call that needs the store does."""

    @classmethod
    @abc.abstractmethod
    def claims(cls, location: str) -> bool:
        """Whether a location names a store of this kind (the registry asks each kind)."""

    # --- reading: never changes the store

    @abc.abstractmethod
    def sessions(self) -> Iterator[SessionInfo]:
        """Every session the store holds, streamed in the order the store keeps them."""

    @abc.abstractmethod
    def reader(
        self,
        session_id: str,
        message_filter: MessageFilter | None = None,
        branch: str | None = None,
    ) -> ItemReader:
        """A cursor over one session's items, or one branch's (SessionNotFoundError if it
        has none, BranchNotFoundError for a branch it does not have)."""

    def read_item(self, session_id: str, row_id: int) -> str | None:
        """One item's full text, or None if it has gone."""
        with self.reader(session_id) as reader:
            return reader.read_item(row_id)

    @abc.abstractmethod
    def stats(
        self, session_id: str | None = None, *, cache: StatsCache | None = None
    ) -> SessionStats:
        """Counts of one session, or of the whole store when `session_id` is None."""

    @abc.abstractmethod
    def read_session(self, session_id: str) -> SessionData:
        """Everything that belongs to one session, as stored: what backups and copies read."""

    @abc.abstractmethod
    def item_tables(self) -> contextlib.AbstractContextManager[Sequence[ItemTable]]:
        """The store's items for search indexing, read from one snapshot while open."""

    # --- writing: only operations call these, after their previews and backups

    def check_can_delete(self) -> None:
        """Raise a StoreError naming what the account lacks to delete sessions, before an
        operation's first step (its preview, its copy, its backup). A file's rights are
        met or refused when it is written, with its name in the error: nothing here."""
        return

    @abc.abstractmethod
    def delete_sessions(
        self, sessions: Sequence[SessionInfo | str], *, guard: DeleteGuard | None = None
    ) -> int:
        """Delete sessions and every row that refers to them, in one transaction.

        `guard` sees the store as it is under the write lock; if it gives a reason,
        nothing is deleted and StoreChangedError carries the reason. Returns the
        number of items deleted.
        """

    @abc.abstractmethod
    def append_session(
        self,
        data: SessionData,
        *,
        session_id: str | None = None,
        replace: bool = False,
        report: Reporter | None = None,
    ) -> bool:
        """Add one session's items (as `session_id`, default its own) in one transaction,
        verified before it commits. Returns whether an existing session was replaced;
        raises FileExistsError when the store holds it and `replace` is False."""
