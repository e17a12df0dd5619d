"""Move sessions between stores: memory to file, file to file, and any store to a server."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..stores.registry import kind_of, open_store
from ..stores.schema import discover_layout
from ..stores.session_data import SessionData, read_session_data
from ..stores.sqlite_file import SQLiteFileStore
from ..util.errors import InputError
from ..util.progress import CancelToken, ProgressCallback, Reporter
from ..util.urls import redact_url
from .server_copy import write_to_server
from .store_writer import WriteResult, write_session

if TYPE_CHECKING:
    from agents import SQLiteSession


@contextlib.contextmanager
def session_connection(session: SQLiteSession) -> Iterator[sqlite3.Connection]:
    # The SDK exposes no way to read rows with their timestamps, so we borrow its
    # connection under its own lock (the same pair of calls its methods use).
    with session._lock:
        yield session._get_connection()


def read_sdk_session(session: SQLiteSession) -> SessionData:
    """All rows of an SDK session (in memory or on disk), read through its own connection."""
    with session_connection(session) as conn:
        layout = discover_layout(conn)
        names = (session.sessions_table, session.messages_table)
        pair = next(p for p in layout.pairs if (p.sessions_table, p.messages_table) == names)
        return read_session_data(conn, pair, session.session_id)


def read_file_session(db_path: Path, session_id: str) -> SessionData:
    return SQLiteFileStore(db_path).read_session(session_id)


def migrate_session_to_file(
    memory_session: SQLiteSession,
    file_path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SQLiteSession:
    """Copy every item, in order, into a file store under the same id; return a session on it.

    A new file is built under a temporary name, verified and renamed; an existing
    store receives the session in one transaction. Either way there is never a
    partial result, and an existing session is only replaced with overwrite=True.
    """
    from agents import SQLiteSession
    from agents.extensions.memory import AdvancedSQLiteSession

    data = read_sdk_session(memory_session)
    target = Path(file_path)
    result = write_session(target, data, overwrite=overwrite, report=Reporter(progress, cancel))
    # Open the tables the items went into: an existing store may name them differently.
    sessions_table, messages_table = result.sessions_table, result.messages_table
    if isinstance(memory_session, AdvancedSQLiteSession):
        return AdvancedSQLiteSession(
            session_id=data.session_id,
            db_path=target,
            create_tables=True,
            sessions_table=sessions_table,
            messages_table=messages_table,
        )
    return SQLiteSession(
        data.session_id, target, sessions_table=sessions_table, messages_table=messages_table
    )


def copy_session(
    source_db: str | os.PathLike[str],
    session_id: str,
    target_db: str | os.PathLike[str],
    *,
    new_session_id: str | None = None,
    overwrite: bool = False,
    create_tables: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> WriteResult:
    """Copy one session (with its AdvancedSQLiteSession rows) from a store (a file, or a
    server's URL) into another: a store file, or a server store (its URL; there, with
    `create_tables`, the SDK's tables are made if it has none)."""
    source, report = open_store(source_db), Reporter(progress, cancel)
    if kind_of(target_db) is not SQLiteFileStore:
        target_store = open_store(target_db)
        if target_store.location == source.location and not new_session_id:
            raise InputError(
                f"{redact_url(source.location)}: source and target are the same store;"
                " give a new session id"
            )
        data = source.read_session(session_id)
        return write_to_server(
            target_store,
            data,
            session_id=new_session_id,
            overwrite=overwrite,
            create_tables=create_tables,
            report=report,
        )
    target = Path(target_db)
    same = isinstance(source, SQLiteFileStore) and target.exists() and source.path.samefile(target)
    if same and not new_session_id:
        raise InputError(f"{target}: source and target are the same store; give a new session id")
    data = source.read_session(session_id)
    return write_session(
        target, data, session_id=new_session_id, overwrite=overwrite, report=report
    )
