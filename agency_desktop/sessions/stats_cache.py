"""Message-row totals of sessions already counted, kept in the app's cache folder.

An entry is keyed by the store file (path, device and inode, so a store replaced by a
restore starts afresh), the table pair and the session, and records the last row id it
covers and how many rows that was. It is reused only while the session still holds
exactly that many rows up to that id (nothing was deleted or rewritten below it); then
only rows after it are read and added. Nothing is ever written into the user's store.

What it cannot see is a row rewritten in place below the last id it covers (the count
stays the same): the SDK never does that (it appends, pops the newest item, or clears
a session). Deleting the cache file is always safe.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from ..paths import cache_dir
from .row_totals import RowTotals, row_filter, row_totals
from .schema import TablePair

MAX_ENTRIES = 5_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS row_totals (
    key TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    totals TEXT NOT NULL,
    used REAL NOT NULL
)
"""


class StatsCache:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_dir() / "stats-cache.sqlite3"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(_SCHEMA)
            yield conn
        finally:
            conn.close()

    def totals(
        self, store: sqlite3.Connection, path: Path, pair: TablePair, session_id: str
    ) -> RowTotals:
        """The session's row totals now, reading only rows the cache has not seen."""
        key = entry_key(path, pair, session_id)
        last_id = _last_id(store, pair, session_id)
        cached = self._load(key)
        if cached is not None and last_id is not None:
            cached_last, cached_count, totals = cached
            if cached_last <= last_id and _count(store, pair, session_id, cached_last) == (
                cached_count
            ):
                if cached_last < last_id:
                    totals.add(row_totals(store, pair, session_id, cached_last, last_id))
                    self._save(key, last_id, totals)
                return totals
        totals = row_totals(store, pair, session_id, upto_id=last_id)
        if last_id is not None:
            self._save(key, last_id, totals)
        return totals

    def _load(self, key: str) -> tuple[int, int, RowTotals] | None:
        try:
            with self._connect() as conn:
                row = conn.execute(
                    "SELECT last_id, row_count, totals FROM row_totals WHERE key = ?", (key,)
                ).fetchone()
        except (sqlite3.Error, OSError):
            return None  # a cache that cannot be read is a cache miss, never an error
        if row is None:
            return None
        try:
            return int(row[0]), int(row[1]), RowTotals.from_json(row[2])
        except (ValueError, KeyError, TypeError):
            return None

    def _save(self, key: str, last_id: int, totals: RowTotals) -> None:
        with contextlib.suppress(sqlite3.Error, OSError), self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO row_totals VALUES (?, ?, ?, ?, ?)",
                (key, last_id, totals.message_count, totals.to_json(), time.time()),
            )
            conn.execute(
                "DELETE FROM row_totals WHERE key NOT IN"
                " (SELECT key FROM row_totals ORDER BY used DESC LIMIT ?)",
                (MAX_ENTRIES,),
            )


def entry_key(path: Path, pair: TablePair, session_id: str) -> str:
    stat = os.stat(path)
    parts = (
        str(path.resolve()),
        str(stat.st_dev),
        str(stat.st_ino),
        pair.sessions_table,
        pair.messages_table,
        session_id,
    )
    return "\x1f".join(parts)


def _last_id(store: sqlite3.Connection, pair: TablePair, session_id: str) -> int | None:
    row = store.execute(
        f"SELECT max(id) FROM {pair.q_messages} WHERE session_id = ?", (session_id,)
    ).fetchone()
    return None if row[0] is None else int(row[0])


def _count(store: sqlite3.Connection, pair: TablePair, session_id: str, upto_id: int) -> int:
    where, params = row_filter(session_id, upto_id=upto_id)
    return int(
        store.execute(f"SELECT count(*) FROM {pair.q_messages}{where}", params).fetchone()[0]
    )
