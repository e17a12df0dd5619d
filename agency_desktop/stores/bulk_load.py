"""Fill a brand-new store file with one session's items in one streamed pass.

Only for a file no one else can see yet (a temporary one, verified and renamed by the
caller): that is what makes the settings below safe. Whatever goes wrong, the caller
deletes the file, so it needs no rollback journal and no fsync per transaction.

The SDK's (session_id, id) index is kept, not dropped and rebuilt after: the rows come in
that order, so each lands on the index's right edge, and a rebuild costs more (measured).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import batched, chain, repeat
from pathlib import Path

from .schema import TablePair
from .sqlite_writes import open_for_writing

# Page cache while loading: past 32 MB it only moves the writing to COMMIT (measured).
CACHE_KIB = 32 * 1024
# Rows per INSERT statement. SQLite's work per statement (AUTOINCREMENT reads and writes
# sqlite_sequence on every one) then costs a hundredth: about twice as fast as one row
# per statement. 200 parameters, far below SQLite's limit (32,766).
ROWS_PER_INSERT = 100
JOURNAL_MODES = frozenset({"delete", "truncate", "persist", "memory", "wal", "off"})


@dataclass(frozen=True)
class Loaded:
    """What the file holds for the session once loaded: compared with what was read."""

    items: int
    characters: int


def load_session(path: Path, pair: TablePair, session_id: str, texts: Iterable[str]) -> Loaded:
    """Insert `texts` in order as the items of `session_id` into the empty tables of a new
    store at `path` (made by the SDK), and its sessions row.

    `texts` is consumed once, inside the one transaction: an exception it raises (a bad
    line, a cancel) comes out as it is, and leaves the file for the caller to delete.
    """
    conn = open_for_writing(path)
    try:
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if journal not in JOURNAL_MODES:  # it goes back into a PRAGMA below
            raise sqlite3.DatabaseError(f"unexpected journal mode {journal!r}")
        # A file only we can see and that is deleted on any failure needs no journal;
        # the caller fsyncs it once, before it gets its final name.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute("BEGIN EXCLUSIVE")
        _insert_items(conn, pair, session_id, texts)
        conn.execute(f"INSERT INTO {pair.q_sessions} (session_id) VALUES (?)", (session_id,))
        items, characters = conn.execute(
            f"SELECT count(*), total(length(message_data)) FROM {pair.q_messages}"
            " WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        conn.execute("COMMIT")
        conn.execute(f"PRAGMA journal_mode = {journal}")  # back to what the SDK left (WAL)
    finally:
        conn.close()
    return Loaded(items, int(characters))


def _insert_items(
    conn: sqlite3.Connection, pair: TablePair, session_id: str, texts: Iterable[str]
) -> None:
    """Insert in order: ROWS_PER_INSERT rows a statement, then the rest one by one."""
    insert = f"INSERT INTO {pair.q_messages} (session_id, message_data) VALUES "
    # The parameters stream as one flat (id, text, id, text, ...) sequence cut into
    # statements by itertools, so no Python code runs per row here.
    flat = chain.from_iterable(zip(repeat(session_id), texts))
    rest: list[tuple[str, ...]] = []
    conn.executemany(
        insert + ", ".join(["(?, ?)"] * ROWS_PER_INSERT),
        _full_batches(batched(flat, 2 * ROWS_PER_INSERT), rest),
    )
    conn.executemany(insert + "(?, ?)", batched(chain.from_iterable(rest), 2))


def _full_batches(
    batches: Iterable[tuple[str, ...]], rest: list[tuple[str, ...]]
) -> Iterator[tuple[str, ...]]:
    """The batches that fill a statement; a last, shorter one is left in `rest`."""
    for batch in batches:
        if len(batch) < 2 * ROWS_PER_INSERT:
            rest.append(batch)
            return
        yield batch
