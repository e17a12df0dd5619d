"""Message-row totals of sessions already counted, kept in the app's cache folder.

An entry is keyed by the store file (path, device and inode, so a store replaced by a
restore starts afresh), the table pair and the session, and records the last row id it
covers and how many rows that was. It is reused only while the session still holds
exactly that many rows up to that id (nothing was deleted or rewritten below it); then
only rows after it are read and added. Nothing is ever written into the user's store.

What it cannot see is a row rewritten in place below the last id it covers (the count
stays the same): the SDK never does that (it appends, pops the newest item, prunes the
oldest, or clears a session). Deleting the cache file is always safe.

Checking that count reads the session's whole index (about 40 ms a million rows), so
an entry also keeps the signature of the store (size and mtime of the file and its
WAL) taken before it was counted: while that is unchanged, nothing is read at all.
A signature is only kept once the files have been still for a while (is_settled).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..util.paths import cache_dir
from .row_totals import RowTotals, row_filter, row_totals
from .schema import TablePair
from .signatures import file_signature, is_settled

MAX_ENTRIES = 5_000
_VERSION = 2  # of the table below; an older cache is dropped (it only saves time)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS row_totals (
    key TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    totals TEXT NOT NULL,
    used REAL NOT NULL,
    signature TEXT              -- of the store when it was counted; NULL if it was changing
)
"""


@dataclass(frozen=True)
class _Entry:
    last_id: int
    row_count: int
    totals: RowTotals
    signature: str | None


class StatsCache:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_dir() / "stats-cache.sqlite3"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # a cache: a lost write is a miss
            if conn.execute("PRAGMA user_version").fetchone()[0] != _VERSION:
                conn.execute("DROP TABLE IF EXISTS row_totals")
                conn.execute(f"PRAGMA user_version = {_VERSION}")
            conn.execute(_SCHEMA)
            yield conn
        finally:
            conn.close()

    def totals(
        self, store: sqlite3.Connection, path: Path, pair: TablePair, session_id: str
    ) -> RowTotals:
        """The session's row totals now, reading only rows the cache has not seen."""
        key = entry_key(path, pair, session_id)
        signature = _settled_signature(path)  # before reading: a later write changes it
        cached = self._load(key)
        if cached is not None and signature is not None and cached.signature == signature:
            return cached.totals
        last_id = _last_id(store, pair, session_id)
        if (
            cached is not None
            and last_id is not None
            and self._still_valid(store, pair, session_id, cached, last_id)
        ):
            totals = cached.totals
            if cached.last_id < last_id:
                totals.add(row_totals(store, pair, session_id, cached.last_id, last_id))
        else:
            totals = row_totals(store, pair, session_id, upto_id=last_id)
        if last_id is not None:
            self._save(key, last_id, totals, signature)
        return totals

    @staticmethod
    def _still_valid(
        store: sqlite3.Connection, pair: TablePair, session_id: str, cached: _Entry, last_id: int
    ) -> bool:
        """Nothing was removed up to the entry's last id (it would count fewer rows)."""
        return cached.last_id <= last_id and (
            _count(store, pair, session_id, cached.last_id) == cached.row_count
        )

    def _load(self, key: str) -> _Entry | None:
        try:
            with self._connect() as conn:
                # Marked as used in the same statement: eviction keeps what was used last,
                # and a store unchanged since is answered without a _save.
                row = conn.execute(
                    "UPDATE row_totals SET used = ? WHERE key = ?"
                    " RETURNING last_id, row_count, totals, signature",
                    (time.time(), key),
                ).fetchone()
        except (sqlite3.Error, OSError):
            return None  # a cache that cannot be read is a cache miss, never an error
        if row is None:
            return None
        try:
            return _Entry(int(row[0]), int(row[1]), RowTotals.from_json(row[2]), row[3])
        except (ValueError, KeyError, TypeError):
            return None

    def _save(self, key: str, last_id: int, totals: RowTotals, signature: str | None) -> None:
        with contextlib.suppress(sqlite3.Error, OSError), self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO row_totals VALUES (?, ?, ?, ?, ?, ?)",
                (key, last_id, totals.message_count, totals.to_json(), time.time(), signature),
            )
            conn.execute(
                "DELETE FROM row_totals WHERE key NOT IN"
                " (SELECT key FROM row_totals ORDER BY used DESC LIMIT ?)",
                (MAX_ENTRIES,),
            )


def _settled_signature(path: Path) -> str | None:
    """The store's signature, if its files are settled (see signatures.is_settled), else None."""
    signature = file_signature(path)
    if signature is None or not is_settled(signature):
        return None
    return ",".join(map(str, signature))


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
