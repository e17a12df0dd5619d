"""The local store: one SQLite file written by the SDK's SQLiteSession or
AdvancedSQLiteSession (any table names, several pairs of tables in one file).

Reads keep the guarantees of `readonly.py`: the file stays byte-identical and no
`-wal`/`-shm` files are left beside it. Writes are one IMMEDIATE transaction each.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..util.errors import InputError
from .base import DeleteGuard, ItemTable, Store, StoreChangedError
from .errors import ProblemKind, SessionNotFoundError, StoreError
from .listing import read_store_sessions, session_info
from .paging import MessageFilter, SessionReader
from .readonly import reading, translate_errors
from .schema import StoreLayout, TablePair, discover_layout, pair_holding
from .session_data import SessionData, read_session_data, session_digest
from .sqlite_writes import (
    add_session,
    delete_session_rows,
    holds,
    open_for_writing,
    write_transaction,
    writing_to,
)
from .stats import SessionStats, get_session_stats

if TYPE_CHECKING:
    from ..util.progress import Reporter
    from .records import SessionInfo
    from .stats_cache import StatsCache

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(location: str) -> bool:
    """`scheme://...`: a server store's location, not a file path."""
    return bool(_URL.match(location))


class SQLiteFileStore(Store):
    kind = "sqlite-file"
    label = "SQLite file"

    def __init__(self, location: str | os.PathLike[str]) -> None:
        self.path = Path(location)
        self.location = str(self.path)

    @classmethod
    def claims(cls, location: str) -> bool:
        return not is_url(location)

    def __repr__(self) -> str:
        return f"SQLiteFileStore({self.location!r})"

    # --- reading

    def sessions(self) -> Iterator[SessionInfo]:
        yield from read_store_sessions(self.path)

    def reader(
        self,
        session_id: str,
        message_filter: MessageFilter | None = None,
        branch: str | None = None,
    ) -> SessionReader:
        return SessionReader(self.path, session_id, message_filter, branch)

    def stats(
        self, session_id: str | None = None, *, cache: StatsCache | None = None
    ) -> SessionStats:
        return get_session_stats(self.path, session_id, cache=cache)

    def read_session(self, session_id: str) -> SessionData:
        with reading(self.path) as conn:
            conn.execute("BEGIN")  # one snapshot: items and structure rows from the same moment
            try:
                pair = pair_holding(conn, _layout(conn, self.path), session_id)
                if pair is None:
                    raise SessionNotFoundError(self.path, session_id)
                return read_session_data(conn, pair, session_id)
            finally:
                conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def item_tables(self) -> Iterator[Sequence[ItemTable]]:
        with reading(self.path) as conn:
            yield [_MessagesTable(conn, pair) for pair in _layout(conn, self.path).pairs]

    # --- writing

    def delete_sessions(
        self, sessions: Sequence[SessionInfo | str], *, guard: DeleteGuard | None = None
    ) -> int:
        with write_transaction(self.path) as conn:
            now = _Now(conn, self.path, _layout(conn, self.path))
            if guard is not None:
                reason = guard(now)
                if reason is not None:
                    raise StoreChangedError(reason)
            found = [(_session_id(ref), now.pair(ref)) for ref in sessions]
            return sum(delete_session_rows(conn, pair, sid) for sid, pair in found if pair)

    def append_session(
        self,
        data: SessionData,
        *,
        session_id: str | None = None,
        replace: bool = False,
        report: Reporter | None = None,
    ) -> bool:
        conn = open_for_writing(self.path)
        try:
            with translate_errors(self.path, os_errors=False), writing_to(self.path):
                pair = self._target_pair(conn, data)
                return add_session(
                    conn,
                    pair,
                    data,
                    session_id or data.session_id,
                    label=self.path,
                    replace=replace,
                    report=report,
                )
        finally:
            conn.close()

    def holds(self, session_id: str) -> bool:
        """Whether the store has the session (a row in either table)."""
        with reading(self.path) as conn:
            layout = _layout(conn, self.path)
            return any(holds(conn, pair, session_id) for pair in layout.pairs)

    def target_tables(self, data: SessionData) -> TablePair:
        """The pair of tables `append_session` would write `data` into."""
        with reading(self.path) as conn:
            return self._target_pair(conn, data)

    def _target_pair(self, conn: sqlite3.Connection, data: SessionData) -> TablePair:
        layout = discover_layout(conn)
        if not layout.is_store:
            raise StoreError(self.path, ProblemKind.NOT_A_STORE, "refusing to write into it")
        names = (data.sessions_table, data.messages_table)
        pair = next(
            (p for p in layout.pairs if (p.sessions_table, p.messages_table) == names),
            layout.pairs[0],
        )
        if pair.is_advanced != data.advanced:
            kinds = ("an AdvancedSQLiteSession", "a plain SQLiteSession")
            have, want = (kinds[0], kinds[1]) if pair.is_advanced else (kinds[1], kinds[0])
            raise InputError(f"{self.path}: is {have} store; the session comes from {want} store")
        return pair


def _layout(conn: sqlite3.Connection, path: Path) -> StoreLayout:
    layout = discover_layout(conn)
    if not layout.is_store:
        raise StoreError(path, ProblemKind.NOT_A_STORE)
    return layout


class _MessagesTable:
    """One messages table of an open read, as search indexing reads it."""

    def __init__(self, conn: sqlite3.Connection, pair: TablePair) -> None:
        self._conn = conn
        self.name = pair.messages_table
        self._rows = (
            f"SELECT id, session_id, created_at, message_data FROM {pair.q_messages}"
            " WHERE id > ? ORDER BY id LIMIT ?"
        )
        self._upto = f"SELECT count(*) FROM {pair.q_messages} WHERE id <= ?"
        self._tail = f"SELECT max(id), count(*) FROM {pair.q_messages}"

    def rows_after(self, after_id: int, limit: int) -> list[tuple[int, Any, Any, Any]]:
        return self._conn.execute(self._rows, (after_id, limit)).fetchall()

    def count_upto(self, last_id: int) -> int:
        return int(self._conn.execute(self._upto, (last_id,)).fetchone()[0])

    def tail(self) -> tuple[int | None, int]:
        last_id, count = self._conn.execute(self._tail).fetchone()
        return last_id, int(count)


def _session_id(session: SessionInfo | str) -> str:
    return session if isinstance(session, str) else session.session_id


class _Now:
    """The store under its write lock, for a delete's guard."""

    def __init__(self, conn: sqlite3.Connection, path: Path, layout: StoreLayout) -> None:
        self._conn, self._path, self._layout = conn, path, layout

    def pair(self, session: SessionInfo | str) -> TablePair | None:
        """The tables holding the session: the ones a listing named, else the first with it."""
        if isinstance(session, str):
            return pair_holding(self._conn, self._layout, session)
        names = (session.sessions_table, session.messages_table)
        return next(
            (p for p in self._layout.pairs if (p.sessions_table, p.messages_table) == names), None
        )

    def info(self, session: SessionInfo | str) -> SessionInfo | None:
        pair = self.pair(session)
        sid = _session_id(session)
        return None if pair is None else session_info(self._conn, self._path, pair, sid, 0)

    def digest(self, session: SessionInfo | str) -> tuple[int, str]:
        pair = self.pair(session)
        return (0, "") if pair is None else session_digest(self._conn, pair, _session_id(session))
