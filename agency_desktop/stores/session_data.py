"""Read all rows of one session (messages and AdvancedSQLiteSession extras) for copying."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .schema import TablePair, quote_identifier


@dataclass(frozen=True)
class MessageRecord:
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


def items_digest(texts: Iterable[str | bytes]) -> str:
    """Order-sensitive fingerprint of item texts, to verify a copy without holding both."""
    hasher = hashlib.sha256()
    for text in texts:
        # A row may hold a BLOB instead of text; it is copied and compared as the bytes it is.
        encoded = text if isinstance(text, bytes) else text.encode("utf-8", errors="surrogatepass")
        hasher.update(len(encoded).to_bytes(8, "little"))
        hasher.update(encoded)
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
    rows = conn.execute(
        f"SELECT id, message_data, created_at FROM {pair.q_messages} WHERE session_id = ? ORDER BY id",
        (session_id,),
    )
    data.messages = [MessageRecord(*row) for row in rows]
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
    rows = conn.execute(
        f"SELECT message_data FROM {pair.q_messages} WHERE session_id = ? ORDER BY id",
        (session_id,),
    )
    texts = [row[0] for row in rows]
    return len(texts), items_digest(texts)
