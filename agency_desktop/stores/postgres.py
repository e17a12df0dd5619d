"""A server store: the sessions the SDK's SQLAlchemySession keeps on PostgreSQL.

Opened by URL (`postgresql://user@host/db`, or the SDK's `postgresql+asyncpg://...`;
`pg_target.py` reads it). Browsing only reads, on connections the server itself keeps
read-only, and creates nothing on the server: the listing and the stats are counted
there, and items are paged by key in the SDK's own order (`pg_reader.py`).

Writes (a session copied in, sessions deleted) open a connection of their own, one
transaction each (`pg_write.py`, `pg_copy.py`, `pg_delete.py`). The driver (psycopg) is
imported by the first use: the registry imports this module at start-up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .base import DeleteGuard, ItemTable, Store
from .errors import SessionNotFoundError
from .paging import MessageFilter
from .pg_url import claims, parse_target

if TYPE_CHECKING:
    from ..util.progress import Reporter
    from .pg_reader import PgSessionReader
    from .pg_tables import PgPair
    from .pg_target import Connection
    from .records import SessionInfo
    from .session_data import SessionData
    from .stats import SessionStats
    from .stats_cache import StatsCache


class PostgresStore(Store):
    kind = "postgresql"
    label = "PostgreSQL"

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
        return f"PostgresStore({self.shown!r})"

    @contextlib.contextmanager
    def _connected(self) -> Iterator[tuple[Connection, tuple[PgPair, ...]]]:
        from .pg_tables import find_pairs
        from .pg_target import connect

        with connect(self.target) as conn:
            yield conn, find_pairs(conn, self.target)

    # --- reading

    def sessions(self) -> Iterator[SessionInfo]:
        """The sessions updated last come first, at once; the others after them."""
        from .pg_listing import store_sessions

        with self._connected() as (conn, pairs):
            yield from store_sessions(conn, self.target, pairs)

    def reader(
        self,
        session_id: str,
        message_filter: MessageFilter | None = None,
        branch: str | None = None,
    ) -> PgSessionReader:
        if branch is not None:  # SQLAlchemySession keeps no branches
            message_filter = MessageFilter(
                message_filter.kinds if message_filter else None,
                message_filter.text if message_filter else "",
                branch,
            )
        from .pg_reader import PgSessionReader

        return PgSessionReader(self.target, session_id, message_filter)

    def stats(
        self, session_id: str | None = None, *, cache: StatsCache | None = None
    ) -> SessionStats:
        """Counted by the server each time (`cache` is for files: a server has no file
        signature to tell it changed)."""
        from .pg_stats import pg_stats
        from .pg_tables import pair_holding

        with self._connected() as (conn, pairs):
            counted = pairs
            if session_id is not None:
                holder = pair_holding(conn, self.target, pairs, session_id)
                if holder is None:
                    raise SessionNotFoundError(self.shown, session_id)
                counted = (holder,)
            return pg_stats(conn, self.target, counted, session_id)

    def read_session(self, session_id: str) -> SessionData:
        """The session's items in the SDK's order, from one snapshot; times as the SDK's
        SQLite stores keep them (UTC text), for backups into files."""
        from .pg_bulk import session_data
        from .pg_tables import pair_holding
        from .pg_target import snapshot

        with self._connected() as (conn, pairs), snapshot(conn, self.target):
            pair = pair_holding(conn, self.target, pairs, session_id)
            if pair is None:
                raise SessionNotFoundError(self.shown, session_id)
            return session_data(conn, self.target, pair, session_id)

    @contextlib.contextmanager
    def item_tables(self) -> Iterator[Sequence[ItemTable]]:
        from .pg_bulk import MessagesTable
        from .pg_target import snapshot

        with self._connected() as (conn, pairs), snapshot(conn, self.target):
            yield [MessagesTable(conn, self.target, pair) for pair in pairs]

    # --- writing: each on a connection of its own, in one transaction

    def check_can_delete(self) -> None:
        """SELECT and DELETE on every pair of tables (a role that may only read is told
        which it lacks before a preview, a copy or a backup is made for nothing)."""
        from .pg_write import require_privileges, transaction, write_pairs

        with transaction(self.target) as conn:
            for pair in write_pairs(conn, self.target):
                require_privileges(conn, self.target, pair, ("SELECT", "DELETE"), ids=False)

    def delete_sessions(
        self, sessions: Sequence[SessionInfo | str], *, guard: DeleteGuard | None = None
    ) -> int:
        from .pg_delete import delete_in
        from .pg_write import transaction, write_pairs

        with transaction(self.target) as conn:
            return delete_in(conn, self.target, write_pairs(conn, self.target), sessions, guard)

    def append_session(
        self,
        data: SessionData,
        *,
        session_id: str | None = None,
        replace: bool = False,
        report: Reporter | None = None,
        table_ddl: Sequence[str] = (),
    ) -> bool:
        """As `Store.append_session`, with COPY (`pg_copy.py`). Only the items and the
        session's times go: SQLAlchemySession keeps nothing else (an AdvancedSQLiteSession's
        usage and branches stay in its file). Where the store has no session tables, the
        SDK's are made only when the user asked (`table_ddl`, from `ops/server_tables.py`)."""
        from .pg_copy import append_in
        from .pg_write import transaction

        with transaction(self.target) as conn:
            return append_in(
                conn,
                self.target,
                data,
                session_id or data.session_id,
                replace=replace,
                table_ddl=table_ddl,
                report=report,
            )
