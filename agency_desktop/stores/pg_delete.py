"""Sessions deleted from a PostgreSQL store in one transaction, after a guard has seen the
store as it is inside that transaction.

Both tables are locked against writers first (SHARE ROW EXCLUSIVE: readers go on, an
agent's add_items waits for our COMMIT, at most LOCK_WAIT for one already running), so
what the guard saw is what is deleted: a session that gained items since the preview is
refused by the guard, never deleted with its new items.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql

from .base import DeleteGuard, StoreChangedError
from .errors import ProblemKind, StoreError
from .pg_copy import stored_digest
from .pg_listing import pair_sessions
from .pg_tables import PgPair
from .pg_target import Connection
from .pg_url import PgTarget
from .pg_write import delete_rows, require_privileges
from .records import SessionInfo

LOCK_WAIT = "10s"  # an agent's transaction that holds the tables longer: the delete fails


def _session_id(session: SessionInfo | str) -> str:
    return session if isinstance(session, str) else session.session_id


class PgNow:
    """The store inside the deleting transaction, for a delete's guard."""

    def __init__(self, conn: Connection, target: PgTarget, pairs: tuple[PgPair, ...]) -> None:
        self._conn, self._target, self._pairs = conn, target, pairs
        self._infos: dict[tuple[str, str, str], SessionInfo] | None = None

    def _listed(self) -> dict[tuple[str, str, str], SessionInfo]:
        if self._infos is None:
            self._infos = {
                (info.sessions_table, info.messages_table, info.session_id): info
                for pair in self._pairs
                for info in pair_sessions(self._conn, self._target, pair)
            }
        return self._infos

    def pair(self, session: SessionInfo | str) -> PgPair | None:
        """The tables a listing named, else the first pair that holds the session."""
        listed = self._listed()
        for pair in self._pairs:
            if isinstance(session, SessionInfo) and (
                (session.sessions_table, session.messages_table)
                != (pair.sessions_table, pair.messages_table)
            ):
                continue
            if (pair.sessions_table, pair.messages_table, _session_id(session)) in listed:
                return pair
        return None

    def info(self, session: SessionInfo | str) -> SessionInfo | None:
        pair = self.pair(session)
        if pair is None:
            return None
        return self._listed()[(pair.sessions_table, pair.messages_table, _session_id(session))]

    def digest(self, session: SessionInfo | str) -> tuple[int, str]:
        pair = self.pair(session)
        return (0, "") if pair is None else stored_digest(self._conn, pair, _session_id(session))


def delete_in(
    conn: Connection,
    target: PgTarget,
    pairs: tuple[PgPair, ...],
    sessions: Sequence[SessionInfo | str],
    guard: DeleteGuard | None,
) -> int:
    """Delete `sessions` inside the caller's transaction; StoreChangedError (nothing
    deleted) when the guard gives a reason. Returns the number of items deleted."""
    for pair in pairs:  # before anything is read: the guard sees what will be deleted
        require_privileges(conn, target, pair, ("SELECT", "DELETE"), ids=False)
        lock_tables(conn, target, pair)
    now = PgNow(conn, target, pairs)
    found = [(_session_id(ref), now.pair(ref)) for ref in sessions]
    if guard is not None:
        reason = guard(now)
        if reason is not None:
            raise StoreChangedError(reason)
    return sum(delete_rows(conn, pair, sid) for sid, pair in found if pair is not None)


def lock_tables(conn: Connection, target: PgTarget, pair: PgPair) -> None:
    """Hold off writers of the pair's tables until the transaction ends (readers go on);
    a StoreError, nothing deleted, when a writer holds them longer than LOCK_WAIT."""
    conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_WAIT)))
    lock = sql.SQL("LOCK TABLE {}, {} IN SHARE ROW EXCLUSIVE MODE")
    try:
        conn.execute(lock.format(pair.q_sessions, pair.q_messages))
    except psycopg.errors.LockNotAvailable:
        detail = f"the session tables stayed busy for {LOCK_WAIT}; nothing was deleted"
        raise StoreError(target.shown, ProblemKind.REFUSED, detail) from None
