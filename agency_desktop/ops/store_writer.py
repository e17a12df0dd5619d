"""Write one session's rows into a store: a new file built aside, or an existing store in
one transaction. Both are all-or-nothing."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..stores.options import require_sdk_table_names
from ..stores.readonly import translate_errors
from ..stores.schema import discover_layout
from ..stores.session_data import SessionData
from ..stores.sqlite_file import SQLiteFileStore
from ..stores.sqlite_writes import SessionExistsError, add_session, writing_to
from ..util.progress import Reporter
from .atomic import publish, quick_check, staged
from .auto_backup import automatic_backup

__all__ = ["SessionExistsError", "WriteResult", "create_store", "write_session"]


@dataclass(frozen=True)
class WriteResult:
    path: Path
    session_id: str
    message_count: int
    created_file: bool
    replaced_session: bool
    sessions_table: str = "agent_sessions"
    messages_table: str = "agent_messages"
    # A server store's URL, its password masked (`path` is then a key, as listings give
    # one: `Path` of a URL would lose its //): what to show for where it went.
    location: str | None = None

    @property
    def shown(self) -> str:
        return self.location or str(self.path)


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
                add_session(conn, pair, data, new_id, label=target, replace=False, report=report)
        finally:
            conn.close()
        quick_check(temporary)
        publish(temporary, target, overwrite=False)
    return WriteResult(
        target, new_id, len(data.messages), True, False, data.sessions_table, data.messages_table
    )


def _write_into_existing(
    target: Path, data: SessionData, new_id: str, overwrite: bool, report: Reporter
) -> WriteResult:
    store = SQLiteFileStore(target)
    with translate_errors(target, os_errors=False):
        pair = store.target_tables(data)  # a plain session into an advanced store is refused
        if overwrite and store.holds(new_id):
            automatic_backup(target)  # replacing a session destroys it: keep a copy first
    with writing_to(target):
        replaced = store.append_session(data, session_id=new_id, replace=overwrite, report=report)
    return WriteResult(
        target,
        new_id,
        len(data.messages),
        False,
        replaced,
        pair.sessions_table,
        pair.messages_table,
    )


def write_into_connection(
    conn: sqlite3.Connection, data: SessionData, new_id: str, label: Path
) -> None:
    """Write a session into an open database (an in-memory SDK session's) in one transaction."""
    layout = discover_layout(conn)
    names = (data.sessions_table, data.messages_table)
    pair = next(p for p in layout.pairs if (p.sessions_table, p.messages_table) == names)
    add_session(conn, pair, data, new_id, label=label, replace=False)
