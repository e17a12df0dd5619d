"""A session's items read in bulk, a batch at a time: what exports and transcripts read.

Pages are read by row id (`id > ?`), never with OFFSET, so memory stays bounded and the
last batch costs what the first does. Decoding text is a good part of reading a row:
a viewing connection decodes through a Python function, so that invalid UTF-8 shows as
replacement characters instead of failing the read (readonly.py). A batch here is read
with sqlite3's own decoder, in C, and only a batch holding invalid UTF-8 is read again
that tolerant way: the same text, without a Python call per value.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from .readonly import translate_errors

# How sqlite3 fails a row that is not UTF-8 when it decodes text itself.
_NOT_UTF8 = "Could not decode to UTF-8"


def fetch_all(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """Every row of the query, text decoded strictly in C, or as the connection's own
    text_factory decodes it where that fails."""
    tolerant = conn.text_factory
    conn.text_factory = str
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if not str(exc).startswith(_NOT_UTF8):
            raise
    finally:
        conn.text_factory = tolerant
    return conn.execute(sql, params).fetchall()


@dataclass(frozen=True)
class Scope:
    """Which rows to read: `source` ends in a WHERE clause (ours, never a file's) that
    `params` fill; errors are told as those of the store at `path`."""

    conn: sqlite3.Connection
    path: Path
    source: str
    params: tuple[Any, ...]

    def batches(
        self, columns: str, batch: int, after: int = -1, upto: int | None = None
    ) -> Iterator[list[Any]]:
        """Rows of `SELECT id, columns` with an id over `after` and up to `upto` (None: to
        the end), in order of id, `batch` at a time."""
        bound, upper = ("", ()) if upto is None else (" AND id <= ?", (upto,))
        query = f"SELECT id, {columns} FROM {self.source} AND id > ?{bound} ORDER BY id LIMIT ?"
        while True:
            with translate_errors(self.path):
                rows = fetch_all(self.conn, query, (*self.params, after, *upper, batch))
            if rows:
                yield rows
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def range_ends(self, size: int) -> Iterator[int | None]:
        """The last row id of each run of `size` rows, in order; None ends the last run,
        which goes to the end (rows added meanwhile with it)."""
        query = f"SELECT id FROM {self.source} AND id > ? ORDER BY id LIMIT 1 OFFSET ?"
        after = -1
        while True:
            with translate_errors(self.path):
                row = self.conn.execute(query, (*self.params, after, size - 1)).fetchone()
            if row is None:
                yield None
                return
            after = row[0]
            yield after


def as_text(value: Any) -> str:
    """A stored item as text: a BLOB decoded (tolerantly), NULL as empty, a number as written."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def with_text(rows: list[Any], column: int) -> list[Any]:
    """The rows with column `column` made text as `as_text` makes it. Values other than
    text (a BLOB or a number some writer left) are rare: only then is a batch copied."""
    if {str}.issuperset(map(type, map(itemgetter(column), rows))):
        return rows
    return [(*row[:column], as_text(row[column]), *row[column + 1 :]) for row in rows]
