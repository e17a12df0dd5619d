"""Write one session's rows into a store: a new file built aside, or an existing store in
one transaction. Both are all-or-nothing."""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..stores.errors import ProblemKind, StoreError
from ..stores.options import require_sdk_table_names
from ..stores.readonly import check_sqlite_header, translate_errors
from ..stores.schema import TablePair, discover_layout, quote_identifier
from ..util.progress import Reporter
from .atomic import publish, quick_check, rollback_quietly, staged, writing_to
from .auto_backup import automatic_backup
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


@dataclass(frozen=True)
class WriteResult:
    path: Path
    session_id: str
    message_count: int
    created_file: bool
    replaced_session: bool
    sessions_table: str = "agent_sessions"
    messages_table: str = "agent_messages"


def open_for_writing(path: Path) -> sqlite3.Connection:
    """A read-write connection to an existing store (never creates the file)."""
    check_sqlite_header(path)
    uri = "file:" + quote(str(path.resolve()), safe="/:\\") + "?mode=rw"
    with translate_errors(path):
        conn = sqlite3.connect(uri, uri=True, timeout=WRITE_TIMEOUT_S, isolation_level=None)
    conn.execute("PRAGMA trusted_schema = 0")
    return conn


@contextlib.contextmanager
def write_transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """One IMMEDIATE transaction on an existing store: committed if the block succeeds,
    rolled back (and the connection closed) whatever happens otherwise."""
    conn = open_for_writing(path)
    try:
        with translate_errors(path, os_errors=False):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                rollback_quietly(conn)
                raise
    finally:
        conn.close()


def create_store(
    path: Path, session_id: str, sessions_table: str, messages_table: str, advanced: bool
) -> None:
    """Create an empty store with the SDK's own schema (imported here: it is slow to import)."""
    from agents import SQLiteSession
    from agents.extensions.memory import AdvancedSQLiteSession

    session: SQLiteSession
    if advanced:
        session = AdvancedSQLiteSession(
            session_id=session_id,
            db_path=path,
            create_tables=True,
            sessions_table=sessions_table,
            messages_table=messages_table,
        )
    else:
        session = SQLiteSession(
            session_id, path, sessions_table=sessions_table, messages_table=messages_table
        )
    session.close()


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


def write_session(
    target: Path,
    data: SessionData,
    *,
    session_id: str | None = None,
    overwrite: bool = False,
    report: Reporter | None = None,
) -> WriteResult:
    """Write `data` as session `session_id` (default: its own id) into `target`."""
    report = report or Reporter()
    new_id = session_id or data.session_id
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return _write_into_existing(target, data, new_id, overwrite, report)
    require_sdk_table_names(target, data.sessions_table, data.messages_table)
    with staged(target) as temporary:
        with writing_to(target):
            create_store(temporary, new_id, data.sessions_table, data.messages_table, data.advanced)
            conn = sqlite3.connect(temporary, isolation_level=None)
        try:
            pair = discover_layout(conn).pairs[0]
            with writing_to(target):
                _transaction(target, conn, pair, data, new_id, replace=False, report=report)
        finally:
            conn.close()
        quick_check(temporary)
        publish(temporary, target, overwrite=False)
    return WriteResult(
        target, new_id, len(data.messages), True, False, data.sessions_table, data.messages_table
    )


def _target_pair(target: Path, conn: sqlite3.Connection, data: SessionData) -> TablePair:
    layout = discover_layout(conn)
    if not layout.is_store:
        raise StoreError(target, ProblemKind.NOT_A_STORE, "refusing to write into it")
    names = (data.sessions_table, data.messages_table)
    pair = next(
        (p for p in layout.pairs if (p.sessions_table, p.messages_table) == names), layout.pairs[0]
    )
    if pair.is_advanced != data.advanced:
        kinds = ("an AdvancedSQLiteSession", "a plain SQLiteSession")
        have, want = (kinds[0], kinds[1]) if pair.is_advanced else (kinds[1], kinds[0])
        raise ValueError(f"{target}: is {have} store; the session comes from {want} store")
    return pair


def _write_into_existing(
    target: Path, data: SessionData, new_id: str, overwrite: bool, report: Reporter
) -> WriteResult:
    conn = open_for_writing(target)
    try:
        with translate_errors(target, os_errors=False):
            pair = _target_pair(target, conn, data)
            if overwrite and _holds(conn, pair, new_id):
                automatic_backup(target)  # replacing a session destroys it: keep a copy first
        with translate_errors(target, os_errors=False), writing_to(target):
            replaced = _transaction(
                target, conn, pair, data, new_id, replace=overwrite, report=report
            )
    finally:
        conn.close()
    return WriteResult(
        target,
        new_id,
        len(data.messages),
        False,
        replaced,
        pair.sessions_table,
        pair.messages_table,
    )


def _holds(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> bool:
    query = (
        f"SELECT EXISTS(SELECT 1 FROM {pair.q_sessions} WHERE session_id = :id)"
        f" OR EXISTS(SELECT 1 FROM {pair.q_messages} WHERE session_id = :id)"
    )
    return bool(conn.execute(query, {"id": session_id}).fetchone()[0])


def write_into_connection(
    conn: sqlite3.Connection, data: SessionData, new_id: str, label: Path
) -> None:
    """Write a session into an open database (an in-memory SDK session's) in one transaction."""
    layout = discover_layout(conn)
    names = (data.sessions_table, data.messages_table)
    pair = next(p for p in layout.pairs if (p.sessions_table, p.messages_table) == names)
    _transaction(label, conn, pair, data, new_id, replace=False, report=Reporter())


def _transaction(
    target: Path,
    conn: sqlite3.Connection,
    pair: TablePair,
    data: SessionData,
    new_id: str,
    *,
    replace: bool,
    report: Reporter,
) -> bool:
    conn.execute("BEGIN IMMEDIATE")
    try:
        exists = _holds(conn, pair, new_id)
        if exists and not replace:
            raise SessionExistsError(target, new_id)
        if exists:
            delete_session_rows(conn, pair, new_id)
        _insert(conn, pair, data, new_id, report)
        count, digest = session_digest(conn, pair, new_id)
        if (count, digest) != (len(data.messages), data.digest()):
            raise OSError(
                errno.EIO, "verification failed: the written items differ from the source"
            )
        report.check()
        conn.execute("COMMIT")
    except BaseException:
        rollback_quietly(conn)
        raise
    return bool(exists)


def _insert(
    conn: sqlite3.Connection, pair: TablePair, data: SessionData, new_id: str, report: Reporter
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
