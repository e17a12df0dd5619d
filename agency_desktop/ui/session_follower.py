"""Keeps the panes on the session they show when it is renamed, moved or deleted.

An operation (or an agent) changes a store; the rescan that follows replaces its rows
in the session list. The follower then finds the session the panes show: under the
name an operation said it would take, in the store it was moved to, or nowhere, and
then the panes say it is gone, rather than keep showing what no longer exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QObject

from ..stores.records import SessionInfo
from .widgets.session_pane import SessionPane

Key = tuple[Path, str]  # (store, session id)


def _key(info: SessionInfo) -> Key:
    return (info.db_path, info.session_id)


class SessionFollower(QObject):
    def __init__(
        self,
        sessions: SessionPane,
        show: Callable[[SessionInfo, bool], None],
        show_gone: Callable[[Path, str], None],
        parent: QObject | None = None,
    ) -> None:
        """`show(info, reload)` puts a session on the panes (reload: read it again even
        if it is the one open); `show_gone(store, session_id)` empties them and says so."""
        super().__init__(parent)
        self._sessions = sessions
        self._show = show
        self._show_gone = show_gone
        self.following: Key | None = None
        # Kept until the panes show something else: a rescan from before the operation
        # can still list the old name after it ended.
        self._renamed: dict[Key, Key] = {}
        self._check = False  # something happened that may have moved or removed it
        self._reload = False  # its reading failed meanwhile: read it again once found

    @property
    def awaiting(self) -> bool:
        """A change is being looked into: failures to read it are expected meanwhile."""
        return self._check

    def opened(self, info: SessionInfo) -> None:
        self.following, self._check, self._reload = _key(info), False, False

    def closed(self) -> None:
        self.following, self._check, self._reload = None, False, False
        self._renamed.clear()

    def expect(self, old: SessionInfo, db_path: Path, session_id: str) -> None:
        """The operation about to run will put `old` at (db_path, session_id)."""
        self._renamed[_key(old)] = (db_path, session_id)

    def changed(self, read_failed: bool = False) -> None:
        """An operation ended, the current row was removed, or reading it failed."""
        if self.following is not None:
            self._check = True
            self._reload = self._reload or read_failed

    def listed(self, final: bool) -> None:
        """Rows went into the list; `final`: the scan is over, so absent means gone."""
        if self.following is None:
            return
        current = self._sessions.current()
        if not self._check and current is not None and _key(current) == self.following:
            return  # the usual case, and cheap: its row is current and unchanged
        found = self._find(self._sessions.model.listed_sessions())
        if found is not None:
            reload = self._reload
            self._check = False
            self.following, self._reload = _key(found), False
            self._select(found)  # opens it, if the list's current row changes
            self._show(found, reload)  # if not (its row was replaced in place)
        elif final:
            store, session_id = self.following
            self.closed()
            self._show_gone(store, session_id)

    def _find(self, listed: Mapping[Key, SessionInfo]) -> SessionInfo | None:
        """Where it is, or where an operation said it would go; never a namesake in
        another store (a backup holds the same ids)."""
        assert self.following is not None
        for key in (self.following, self._renamed.get(self.following)):
            if key is not None and key in listed:
                return listed[key]
        return None

    def _select(self, info: SessionInfo) -> None:
        current = self._sessions.current()
        if current is None or _key(current) != _key(info):
            self._sessions.select(lambda listed: _key(listed) == _key(info))
