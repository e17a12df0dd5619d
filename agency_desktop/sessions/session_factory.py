"""SessionFactory: create, load, list, inspect, back up, clean up and migrate SDK sessions.

Every session it returns is a real `agents.SQLiteSession` (or subclass), usable
as `Runner.run(agent, input, session=session)`.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from agents import SQLiteSession

from ..ops import cleanup as _cleanup
from ..ops.backup import backup_store
from ..ops.migrate import migrate_session_to_file as _migrate
from ..stores.errors import StoreError
from ..stores.listing import find_problem_files, list_sessions
from ..stores.options import FileSessionOptions, require_sdk_table_names
from ..stores.readonly import check_sqlite_header, reading
from ..stores.records import SessionInfo, StoreProblem
from ..stores.schema import TablePair, discover_layout, pair_holding
from ..stores.stats import get_session_stats
from .sdk_sessions import ConfiguredAdvancedSQLiteSession, ConfiguredSQLiteSession

__all__ = [
    "SessionFactory",
    "SessionInfo",
    "StoreProblem",
    "migrate_session_to_file",
]


def _new_session_id() -> str:
    return f"session-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"


def _permission_error(path: Path, detail: str) -> PermissionError:
    return PermissionError(errno.EACCES, f"cannot create a session store here: {detail}", str(path))


def _prepare_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if isinstance(exc, PermissionError) or exc.errno in (
            errno.EROFS,
            errno.EPERM,
            errno.EACCES,
        ):
            raise _permission_error(path, exc.strerror or str(exc)) from exc
        raise


def _holding_pair(db_path: Path, session_id: str | None) -> TablePair | None:
    """The pair of the store that holds session_id (its first pair when None), or None."""
    try:
        with reading(db_path) as conn:
            layout = discover_layout(conn)
            if session_id is None:
                return layout.pairs[0] if layout.pairs else None
            return pair_holding(conn, layout, session_id)
    except StoreError:
        return None


class SessionFactory:
    """Static methods, as in the seed documentation."""

    @staticmethod
    def create_memory_session(session_id: str | None = None) -> SQLiteSession:
        """An in-memory session; a unique, readable id is made up when none is given."""
        return SQLiteSession(session_id or _new_session_id())

    @staticmethod
    def create_file_session(
        session_id: str, db_path: str | os.PathLike[str], options: dict[str, Any] | None = None
    ) -> SQLiteSession:
        """A session in a store file; parent folders are created.

        Raises ValueError naming a bad option, and PermissionError where the store
        cannot be written.
        """
        parsed = FileSessionOptions.parse(options)
        path = Path(db_path)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "a folder, not a store file", str(path))
        if path.is_file() and path.stat().st_size:
            check_sqlite_header(path)  # StoreError naming the file, before the SDK touches it
        _prepare_parent(path)
        try:
            return ConfiguredSQLiteSession(session_id, path, parsed)
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if "unable to open" in text or "readonly" in text or "read-only" in text:
                raise _permission_error(path, str(exc)) from exc
            raise

    @staticmethod
    def load_session(session_id: str, db_path: str | os.PathLike[str]) -> SQLiteSession | None:
        """The session if the store exists and holds it, else None; never creates anything."""
        path = Path(db_path)
        found = _holding_pair(path, session_id) if path.is_file() else None
        if found is None:
            return None
        pair = found
        require_sdk_table_names(path, pair.sessions_table, pair.messages_table)
        options = FileSessionOptions(
            sessions_table=pair.sessions_table, messages_table=pair.messages_table
        )
        if pair.is_advanced:
            return ConfiguredAdvancedSQLiteSession(session_id, path, options)
        return ConfiguredSQLiteSession(session_id, path, options)

    @staticmethod
    def session_exists(db_path: str | os.PathLike[str], session_id: str | None = None) -> bool:
        """True only for a readable store (holding session_id, when one is given)."""
        path = Path(db_path)
        return path.is_file() and _holding_pair(path, session_id) is not None

    @staticmethod
    def list_sessions(
        directory: str | os.PathLike[str], recursive: bool = False
    ) -> list[SessionInfo]:
        return list_sessions(directory, recursive)

    @staticmethod
    def find_problem_files(
        directory: str | os.PathLike[str], recursive: bool = False
    ) -> list[StoreProblem]:
        """The files `list_sessions` skipped, each with the reason."""
        return find_problem_files(directory, recursive)

    @staticmethod
    def cleanup_sessions(
        directory: str | os.PathLike[str], older_than_days: float, dry_run: bool = False
    ) -> _cleanup.CleanupReport:
        plan = _cleanup.plan_cleanup(directory, older_than_days)
        if dry_run:
            return _cleanup.CleanupReport(plan, dry_run=True)
        return _cleanup.run_cleanup(plan)

    @staticmethod
    def backup_session(
        source_path: str | os.PathLike[str], backup_path: str | os.PathLike[str]
    ) -> Path:
        """Back up a store; returns the path of the verified copy."""
        return backup_store(source_path, backup_path).path

    @staticmethod
    def get_session_stats(
        db_path: str | os.PathLike[str], session_id: str | None = None
    ) -> dict[str, Any]:
        return get_session_stats(db_path, session_id).as_dict()

    @staticmethod
    def cleanup_test_sessions(directory: str | os.PathLike[str]) -> list[Path]:
        return _cleanup.cleanup_test_sessions(directory)

    @staticmethod
    def migrate_session_to_file(
        memory_session: SQLiteSession, file_path: str | os.PathLike[str], overwrite: bool = False
    ) -> SQLiteSession:
        return _migrate(memory_session, file_path, overwrite=overwrite)


def migrate_session_to_file(
    memory_session: SQLiteSession, file_path: str | os.PathLike[str], overwrite: bool = False
) -> SQLiteSession:
    """Module-level form of `SessionFactory.migrate_session_to_file`."""
    return _migrate(memory_session, file_path, overwrite=overwrite)
