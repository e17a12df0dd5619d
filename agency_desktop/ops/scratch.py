"""Scratch sessions: in-memory SDK sessions the user builds or copies, then saves to a file.

They are real `SQLiteSession(":memory:")` objects, so saving one is exactly
`migrate_session_to_file`. The viewers read stores by path, so each scratch
session is also mirrored into a read-only snapshot file in the app's data folder,
taken with SQLite's backup API from the session's own connection.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..stores.file_names import store_file_name
from ..stores.session_data import MessageRecord, SessionData
from ..util.paths import scratch_dir
from .atomic import publish, staged
from .items_file import read_items_file
from .migrate import migrate_session_to_file, read_file_session, session_connection
from .store_writer import write_into_connection

if TYPE_CHECKING:
    from agents import SQLiteSession


class ScratchSessions:
    def __init__(self, snapshot_folder: Path | None = None) -> None:
        self._folder = snapshot_folder or scratch_dir()
        self._sessions: dict[str, SQLiteSession] = {}
        self._lock = threading.Lock()

    @property
    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._sessions)

    def get(self, session_id: str) -> SQLiteSession:
        with self._lock:
            return self._sessions[session_id]

    def _unique(self, wanted: str | None) -> str:
        base = wanted or f"scratch-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        candidate, counter = base, 2
        while candidate in self._sessions:
            candidate, counter = f"{base}-{counter}", counter + 1
        return candidate

    def _add(self, session: SQLiteSession) -> SQLiteSession:
        with self._lock:
            self._sessions[session.session_id] = session
        return session

    def new(self, session_id: str | None = None) -> SQLiteSession:
        from agents import SQLiteSession

        return self._add(SQLiteSession(self._unique(session_id)))

    def duplicate(self, db_path: Path, session_id: str) -> SQLiteSession:
        """An exact in-memory copy of a file session (items, times, AdvancedSQLiteSession rows)."""
        data = read_file_session(db_path, session_id)
        return self._fill(data, self._unique(f"{session_id}-copy"), db_path)

    def import_file(self, items_path: Path, session_id: str | None = None) -> SQLiteSession:
        raws = read_items_file(items_path)
        data = SessionData(
            session_id=session_id or items_path.stem,
            sessions_table="agent_sessions",
            messages_table="agent_messages",
            advanced=False,
            messages=[MessageRecord(i, raw, None) for i, raw in enumerate(raws, 1)],
        )
        return self._fill(data, self._unique(session_id or items_path.stem), items_path)

    def _fill(self, data: SessionData, new_id: str, source: Path) -> SQLiteSession:
        from agents import SQLiteSession
        from agents.extensions.memory import AdvancedSQLiteSession

        names = data.sessions_table, data.messages_table
        session: SQLiteSession
        if data.advanced:
            session = AdvancedSQLiteSession(
                session_id=new_id,
                create_tables=True,
                sessions_table=names[0],
                messages_table=names[1],
            )
        else:
            session = SQLiteSession(new_id, sessions_table=names[0], messages_table=names[1])
        with session_connection(session) as conn:
            write_into_connection(conn, data, new_id, source)
        return self._add(session)

    def snapshot(self, session_id: str) -> Path:
        """Write the session's current state to its snapshot file (replaced atomically)."""
        session = self.get(session_id)
        self._folder.mkdir(parents=True, exist_ok=True)
        target = self._folder / store_file_name(session_id)
        with staged(target) as temporary:
            destination = sqlite3.connect(temporary)
            try:
                with session_connection(session) as conn:
                    conn.backup(destination)
            finally:
                destination.close()
            publish(temporary, target, overwrite=True)
        return target

    def save_to_file(
        self, session_id: str, path: Path, *, overwrite: bool = False
    ) -> SQLiteSession:
        """Migrate to a file store (atomic, verified, same id); the scratch copy stays."""
        return migrate_session_to_file(self.get(session_id), path, overwrite=overwrite)

    def discard(self, session_id: str) -> None:
        with self._lock:
            session = self._sessions.pop(session_id)
        session.close()
        (self._folder / store_file_name(session_id)).unlink(missing_ok=True)

    def close_all(self) -> None:
        for session_id in self.ids:
            self.discard(session_id)
