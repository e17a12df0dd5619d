"""The SQL of writing into a store file: a write connection, one transaction, and the
rows of one session deleted or inserted as the SDK lays them out.

Only mechanics live here. When to back up, what to check first and how a new file is
built aside and published are the operations' business (`ops/`).
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from ..util.progress import Reporter
from .readonly import check_sqlite_header, translate_errors
from .schema import TablePair, quote_identifier
from .session_data import SessionData, session_digest, table_columns

WRITE_TIMEOUT_S = 10.0
# Rows the target keeps when it already has them: its reservations and bumped generation.
_CONFLICT = {"branch_reservations": "IGNORE", "session_clear_generations": "IGNORE"}
_BATCH = 5000


class SessionExistsError(FileExistsError):
    def __init__(self, path: Path, session_id: str) -> None:
        super().__init__(
            errno.EEXIST,
            f"session {session_id!r} already exists (pass overwrite to replace it)",
            str(path),
        )
        self.session_id = session_id


# SQLite result codes that point at the file being written rather than the one being read.
_WRITE_SIDE_ERRORS = (
    "SQLITE_FULL",
    "SQLITE_CANTOPEN",
    "SQLITE_READONLY",
    "SQLITE_PERM",
    "SQLITE_IOERR_WRITE",
    "SQLITE_IOERR_FSYNC",
    "SQLITE_IOERR_TRUNCATE",
    "SQLITE_IOERR_DIR_FSYNC",
)


@contextlib.contextmanager
def writing_to(target: Path) -> Iterator[None]:
    """Report a failure to write `target` as an OSError that names it (ENOSPC, EACCES, ...)."""
    try:
        yield
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "") or ""
        if not name.startswith(_WRITE_SIDE_ERRORS):
            raise
        if name.startswith("SQLITE_FULL"):
            raise OSError(errno.ENOSPC, "no space left on the device", str(target)) from exc
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM")):
            raise PermissionError(errno.EACCES, "cannot write here", str(target)) from exc
        raise OSError(errno.EIO, f"write failed: {exc}", str(target)) from exc


def open_for_writing(path: Path) -> sqlite3.Connection:
    """A read-write connection to an existing store (never creates the file)."""
    check_sqlite_header(path)
    uri = "file:" + quote(str(path.resolve()), safe="/:\\") + "?mode=rw"
    with translate_errors(path):
        conn = sqlite3.connect(uri, uri=True, timeout=WRITE_TIMEOUT_S, isolation_level=None)
    conn.execute("PRAGMA trusted_schema = 0")
    return conn


def rollback_quietly(conn: sqlite3.Connection) -> None:
    """Undo an open transaction without hiding the error that got us here.

    SQLite rolls back by itself on some failures (a full disk, for one); a second
    ROLLBACK would then raise "no transaction is active" over the real error.
    """
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One IMMEDIATE transaction on an open connection: committed if the block succeeds."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        rollback_quietly(conn)
        raise


@contextlib.contextmanager
def write_transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """One IMMEDIATE transaction on an existing store: committed if the block succeeds,
    rolled back (and the connection closed) whatever happens otherwise."""
    conn = open_for_writing(path)
    try:
        with translate_errors(path, os_errors=False), immediate(conn):
            yield conn
    finally:
        conn.close()


def holds(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> bool:
    query = (
        f"SELECT EXISTS(SELECT 1 FROM {pair.q_sessions} WHERE session_id = :id)"
        f" OR EXISTS(SELECT 1 FROM {pair.q_messages} WHERE session_id = :id)"
    )
    return bool(conn.execute(query, {"id": session_id}).fetchone()[0])


def delete_session_rows(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> int:
    """Delete a session from every table that refers to it; the caller owns the transaction.

    As the SDK's own clear_session does, AdvancedSQLiteSession's branch reservations stay
    and its clear generation goes up, so a live session instance notices the clear
    instead of writing into a branch that no longer exists.
    """
    for table in pair.dependent_tables:
        if table == "branch_reservations":
            continue
        if table == "session_clear_generations":
            conn.execute(
                f"UPDATE {quote_identifier(table)} SET generation = generation + 1 WHERE session_id = ?",
                (session_id,),
            )
            continue
        conn.execute(f"DELETE FROM {quote_identifier(table)} WHERE session_id = ?", (session_id,))
    removed = conn.execute(
        f"DELETE FROM {pair.q_messages} WHERE session_id = ?", (session_id,)
    ).rowcount
    conn.execute(f"DELETE FROM {pair.q_sessions} WHERE session_id = ?", (session_id,))
    return removed


def add_session(
    conn: sqlite3.Connection,
    pair: TablePair,
    data: SessionData,
    new_id: str,
    *,
    label: Path,
    replace: bool,
    report: Reporter | None = None,
) -> bool:
    """Write `data` as `new_id` in one transaction, verified before it commits.

    Raises SessionExistsError when the store holds `new_id` and `replace` is False.
    Returns whether an existing session was replaced.
    """
    report = report or Reporter()
    with immediate(conn):
        exists = holds(conn, pair, new_id)
        if exists and not replace:
            raise SessionExistsError(label, new_id)
        if exists:
            delete_session_rows(conn, pair, new_id)
        _insert(conn, pair, data, new_id, report)
        count, digest = session_digest(conn, pair, new_id)
        if (count, digest) != (len(data.messages), data.digest()):
            raise OSError(
                errno.EIO, "verification failed: the written items differ from the source"
            )
        report.check()  # the last chance to cancel: nothing is committed yet
    return exists


def _insert(
    conn: sqlite3.Connection,
    pair: TablePair,
    data: SessionData,
    new_id: str,
    report: Reporter,
) -> None:
    conn.execute(
        f"INSERT OR REPLACE INTO {pair.q_sessions} (session_id, created_at, updated_at)"
        " VALUES (?, coalesce(?, CURRENT_TIMESTAMP), coalesce(?, CURRENT_TIMESTAMP))",
        (new_id, data.created_at, data.updated_at),
    )
    base = conn.execute(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0),"
        f" coalesce((SELECT max(id) FROM {pair.q_messages}), 0))",
        (pair.messages_table,),
    ).fetchone()[0]
    new_ids = {m.row_id: base + i + 1 for i, m in enumerate(data.messages)}
    total = len(data.messages)
    for start in range(0, total, _BATCH):
        batch = data.messages[start : start + _BATCH]
        conn.executemany(
            f"INSERT INTO {pair.q_messages} (id, session_id, message_data, created_at)"
            " VALUES (?, ?, ?, coalesce(?, CURRENT_TIMESTAMP))",
            [(new_ids[m.row_id], new_id, m.message_data, m.created_at) for m in batch],
        )
        report(start + len(batch), total, "items")
    _insert_extras(conn, pair, data, new_id, new_ids)


def _insert_extras(
    conn: sqlite3.Connection,
    pair: TablePair,
    data: SessionData,
    new_id: str,
    new_ids: dict[int, int],
) -> None:
    for table, (columns, rows) in data.extras.items():
        if table not in pair.dependent_tables:
            continue
        usable = [c for c in columns if c in set(table_columns(conn, table))]
        positions = [columns.index(c) for c in usable]
        names = ", ".join(quote_identifier(c) for c in usable)
        marks = ", ".join("?" for _ in usable)
        values = []
        for row in rows:
            record = [row[i] for i in positions]
            for index, column in enumerate(usable):
                if column == "session_id":
                    record[index] = new_id
                elif column == "message_id":
                    record[index] = new_ids.get(record[index], record[index])
            values.append(record)
        conn.executemany(
            f"INSERT OR {_CONFLICT.get(table, 'REPLACE')} INTO {quote_identifier(table)}"
            f" ({names}) VALUES ({marks})",
            values,
        )
