"""Read all rows of one session (messages and AdvancedSQLiteSession extras) for copying."""

from __future__ import annotations

import hashlib
import sqlite3
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import batched, starmap
from operator import methodcaller
from typing import Any, NamedTuple

from .item_batches import fetch_all
from .schema import TablePair, quote_identifier


class MessageRecord(NamedTuple):
    """One stored item. A tuple: a copy of a million items makes a million of these, three
    times faster than a frozen dataclass's instances."""

    row_id: int
    message_data: str | bytes
    created_at: str | None


@dataclass
class SessionData:
    """Everything that belongs to one session, as stored, ready to be written elsewhere."""

    session_id: str
    sessions_table: str
    messages_table: str
    advanced: bool
    created_at: str | None = None
    updated_at: str | None = None
    messages: list[MessageRecord] = field(default_factory=list)
    # table name -> (column names, rows); session_id and message_id columns included.
    extras: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = field(default_factory=dict)

    def digest(self) -> str:
        return items_digest(m.message_data for m in self.messages)


_DIGEST_BATCH = 8192
_ENCODE = methodcaller("encode", "utf-8", "surrogatepass")


def items_digest(texts: Iterable[str | bytes]) -> str:
    """Order-sensitive fingerprint of item texts, to verify a copy without holding both.

    Items are hashed a batch at a time: the batch's count and each item's length, then its
    bytes (a row may hold a BLOB: it is compared as the bytes it is). One call of the hash
    per batch rather than three per item: a million items in a third of the time."""
    hasher = hashlib.sha256()
    for batch in batched(texts, _DIGEST_BATCH):
        encoded = [text if type(text) is bytes else _ENCODE(text) for text in batch]
        hasher.update(len(encoded).to_bytes(8, "little"))
        hasher.update(array("Q", map(len, encoded)).tobytes())
        hasher.update(b"".join(encoded))
    return hasher.hexdigest()


def table_columns(conn: sqlite3.Connection, table: str) -> tuple[str, ...]:
    return tuple(row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (table,)))


def read_session_data(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> SessionData:
    meta = conn.execute(
        f"SELECT created_at, updated_at FROM {pair.q_sessions} WHERE session_id = ?", (session_id,)
    ).fetchone()
    data = SessionData(
        session_id=session_id,
        sessions_table=pair.sessions_table,
        messages_table=pair.messages_table,
        advanced=pair.is_advanced,
        created_at=meta[0] if meta else None,
        updated_at=meta[1] if meta else None,
    )
    # Decoded by sqlite3 in C (tolerantly only if a row is not UTF-8): a million items'
    # two Python calls each spared, what a copy to a server spends most on besides COPY.
    rows = fetch_all(
        conn,
        f"SELECT id, message_data, created_at FROM {pair.q_messages} WHERE session_id = ? ORDER BY id",
        (session_id,),
    )
    data.messages = list(starmap(MessageRecord, rows))
    for table in pair.dependent_tables:
        columns = tuple(c for c in table_columns(conn, table) if c != "id")
        names = ", ".join(quote_identifier(c) for c in columns)
        extra_rows = conn.execute(
            f"SELECT {names} FROM {quote_identifier(table)} WHERE session_id = ? ORDER BY rowid",
            (session_id,),
        ).fetchall()
        data.extras[table] = (columns, extra_rows)
    return data


def session_digest(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> tuple[int, str]:
    """The count and `items_digest` of a session's items as stored. In a UTF-8 database
    (the SDK's) they are read as their bytes: decoding a million items to text only for
    the digest to encode them again took a third of a copy's check."""
    utf8 = conn.execute("PRAGMA encoding").fetchone()[0] == "UTF-8"
    column = "CAST(message_data AS BLOB)" if utf8 else "message_data"
    rows = conn.execute(
        f"SELECT {column} FROM {pair.q_messages} WHERE session_id = ? ORDER BY id",
        (session_id,),
    )
    texts = [text for (text,) in rows]
    return len(texts), items_digest(texts)
