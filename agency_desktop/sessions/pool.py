"""A thread-safe pool of file sessions, one store file per session id."""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..stores.file_names import store_file_name
from ..util.errors import InputError
from .session_factory import SessionFactory

if TYPE_CHECKING:
    from agents import SQLiteSession


class SessionPool:
    """Keeps up to `max_sessions` sessions open, closing the least recently used past that,
    and closing any idle for longer than `idle_seconds` when `cleanup_inactive` runs.

    A session handed out stays valid until it is evicted or closed; callers that keep
    one across a long pause should ask the pool again.
    """

    def __init__(
        self,
        base_dir: str | os.PathLike[str],
        max_sessions: int = 64,
        idle_seconds: float = 300.0,
        *,
        options: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_sessions < 1:
            raise InputError("max_sessions must be at least 1")
        if idle_seconds < 0:
            raise InputError("idle_seconds must be 0 or more")
        self.base_dir = Path(base_dir)
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self._options = options
        self._clock = clock
        self._lock = threading.RLock()
        self._sessions: OrderedDict[str, tuple[SQLiteSession, float]] = OrderedDict()

    def path_for(self, session_id: str) -> Path:
        return self.base_dir / store_file_name(session_id)

    def get_session(self, session_id: str) -> SQLiteSession:
        with self._lock:
            entry = self._sessions.pop(session_id, None)
            session = (
                entry[0]
                if entry
                else SessionFactory.create_file_session(
                    session_id, self.path_for(session_id), self._options
                )
            )
            self._sessions[session_id] = (session, self._clock())
            while len(self._sessions) > self.max_sessions:
                _, (evicted, _) = self._sessions.popitem(last=False)
                evicted.close()
            return session

    @property
    def active_session_ids(self) -> list[str]:
        with self._lock:
            return list(self._sessions)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def cleanup_inactive(self) -> list[str]:
        """Close and drop sessions idle for longer than idle_seconds; returns their ids."""
        with self._lock:
            deadline = self._clock() - self.idle_seconds
            idle = [sid for sid, (_, used) in self._sessions.items() if used < deadline]
            for session_id in idle:
                session, _ = self._sessions.pop(session_id)
                session.close()
            return idle

    def close_all(self) -> None:
        with self._lock:
            sessions = [session for session, _ in self._sessions.values()]
            self._sessions.clear()
        for session in sessions:
            session.close()

    def __enter__(self) -> SessionPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close_all()
