"""SDK session classes that apply our connection options.

Importing this module imports the Agents SDK (about 1.6 s): keep it off read paths.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from agents import SQLiteSession
from agents.extensions.memory import AdvancedSQLiteSession

from ..stores.options import FileSessionOptions


class _ConfiguredConnections:
    """Mixin: every connection the SDK opens gets our busy timeout and isolation level.

    The SDK routes each new connection through `_configure_connection`, the one
    hook that reaches them all (its initial schema connection included).
    """

    options: FileSessionOptions

    def _configure_connection(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(self.options.timeout * 1000)}")
        conn.isolation_level = self.options.isolation_level
        SQLiteSession._configure_connection(conn)


class ConfiguredSQLiteSession(_ConfiguredConnections, SQLiteSession):
    def __init__(self, session_id: str, db_path: str | Path, options: FileSessionOptions) -> None:
        self.options = options
        super().__init__(
            session_id,
            db_path,
            sessions_table=options.sessions_table,
            messages_table=options.messages_table,
        )


class ConfiguredAdvancedSQLiteSession(_ConfiguredConnections, AdvancedSQLiteSession):
    def __init__(
        self, session_id: str, db_path: str | Path, options: FileSessionOptions, **kwargs: Any
    ) -> None:
        self.options = options
        super().__init__(
            session_id=session_id,
            db_path=db_path,
            sessions_table=options.sessions_table,
            messages_table=options.messages_table,
            **kwargs,
        )
