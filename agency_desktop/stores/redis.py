"""A server store: the sessions the SDK's RedisSession keeps on a Redis server.

Opened by URL (`redis://user:password@host:6379/0`, `rediss://` for TLS, `?prefix=...` for
a custom key_prefix; `redis_url.py` reads it). Browsing sends read commands only, so an
ACL user limited to `+@read` browses everything: sessions are found by SCAN (RedisSession
keeps no index of them), items are paged by LRANGE with list positions as row ids
(`redis_reader.py`), and stats are counted here from slices of the lists. Where sessions
have a TTL, listings and stats say when they expire (`expires_at`).

Writes (copies to the server, deletes) are not in this version: they say so. The driver
(redis-py) is imported by the first read: the registry imports this module at start-up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .base import DeleteGuard, ItemTable, Store
from .errors import SessionNotFoundError
from .paging import MessageFilter
from .redis_url import claims, parse_target

if TYPE_CHECKING:
    from ..util.progress import Reporter
    from .records import SessionInfo
    from .redis_reader import RedisSessionReader
    from .redis_stats import RedisStats
    from .redis_target import Client
    from .session_data import SessionData
    from .stats_cache import StatsCache


class RedisStore(Store):
    kind = "redis"
    label = "Redis"

    def __init__(self, location: str) -> None:
        self.target = parse_target(location)
        self.location = location  # opens the store (worker processes reopen it): never shown

    @classmethod
    def claims(cls, location: str) -> bool:
        return claims(location)

    @property
    def shown(self) -> str:
        """The location with its password masked: what messages and listings show."""
        return self.target.shown

    def __repr__(self) -> str:
        return f"RedisStore({self.shown!r})"

    @contextlib.contextmanager
    def _connected(self) -> Iterator[Client]:
        from .redis_target import connected

        with connected(self.target) as client:
            yield client

    def _require(self, client: Client, session_id: str) -> None:
        """SessionNotFoundError unless the session has a metadata hash or items."""
        from .redis_listing import MESSAGES
        from .redis_target import translated

        with translated(self.target):
            found = client.exists(
                self.target.key(session_id), self.target.key(session_id, MESSAGES)
            )
        if not found:
            raise SessionNotFoundError(self.shown, session_id)

    # --- reading

    def sessions(self) -> Iterator[SessionInfo]:
        """Streamed a SCAN batch at a time, as the server hands them over."""
        from .redis_listing import batch_sessions, scan_id_batches

        with self._connected() as client:
            for ids in scan_id_batches(client, self.target):
                yield from batch_sessions(client, self.target, ids)

    def reader(
        self,
        session_id: str,
        message_filter: MessageFilter | None = None,
        branch: str | None = None,
    ) -> RedisSessionReader:
        if branch is not None:  # RedisSession keeps no branches
            message_filter = MessageFilter(
                message_filter.kinds if message_filter else None,
                message_filter.text if message_filter else "",
                branch,
            )
        from .redis_reader import RedisSessionReader

        return RedisSessionReader(self.target, session_id, message_filter)

    def stats(
        self, session_id: str | None = None, *, cache: StatsCache | None = None
    ) -> RedisStats:
        """Counted from the server each time (`cache` is for files: a server has no file
        signature to tell it changed)."""
        from .redis_listing import scan_id_batches
        from .redis_stats import redis_stats

        with self._connected() as client:
            if session_id is not None:
                self._require(client, session_id)
                return redis_stats(client, self.target, [[session_id]], session_id)
            # SCAN goes on between the batches' reads, on the same connection
            return redis_stats(client, self.target, scan_id_batches(client, self.target), None)

    def read_session(self, session_id: str) -> SessionData:
        """The session's items in the SDK's order, as one atomic read; times as the SDK's
        SQLite stores keep them (UTC text), for backups into files."""
        from .redis_bulk import session_data

        with self._connected() as client:
            self._require(client, session_id)
            return session_data(client, self.target, session_id)

    @contextlib.contextmanager
    def item_tables(self) -> Iterator[Sequence[ItemTable]]:
        """One table per session (Redis has no sequence across sessions)."""
        from .redis_bulk import SessionList

        with self._connected() as client:
            listed = [info.session_id for info in self.sessions()]
            yield [SessionList(client, self.target, session_id) for session_id in listed]

    # --- writing (stores/redis_write.py)

    def delete_sessions(
        self, sessions: Sequence[SessionInfo | str], *, guard: DeleteGuard | None = None
    ) -> int:
        from .redis_write import delete_in

        with self._connected() as client:
            return delete_in(client, self.target, sessions, guard)

    def append_session(
        self,
        data: SessionData,
        *,
        session_id: str | None = None,
        replace: bool = False,
        report: Reporter | None = None,
    ) -> bool:
        """As `Store.append_session`: the items and the session's times, as RedisSession
        keeps them (no TTL: that is the agent's setting, not the store's)."""
        from .redis_write import append_in

        with self._connected() as client:
            new_id = session_id or data.session_id
            return append_in(client, self.target, data, new_id, replace=replace, report=report)
