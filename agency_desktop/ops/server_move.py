"""A server store's session moved into another store (a file, or another server).

As a move between files (`reorganise.move_session`): the copy is written and verified
first (`copy_session`), then the session is backed up into the app's backups folder (a
server has no trash), and only then deleted from the server, in one transaction whose
guard checks that the server still holds exactly what was copied; a session an agent
wrote to meanwhile is left there, with the copy kept, and the error says so.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..stores.base import StoreChangedError, StoreNow
from ..stores.errors import SessionNotFoundError
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .migrate import copy_session
from .server_backup import automatic_server_backup
from .server_cleanup import deleting_from
from .store_writer import WriteResult


class ServerSourceChangedError(StoreChangedError):
    """The server session changed between the copy and the delete: nothing was deleted."""


def move_from_server(
    location: str,
    session_id: str,
    target: str | os.PathLike[str],
    *,
    new_session_id: str | None = None,
    backups: Path | None = None,
    auto_backup: bool = True,
    create_tables: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[WriteResult, Path | None]:
    """`reorganise.move_session` for a source at `location`, a server's URL."""
    store = deleting_from(location)  # a store that takes no deletes says so first
    data = store.read_session(session_id)
    expected = len(data.messages), data.digest()
    result = copy_session(
        location,
        session_id,
        target,
        new_session_id=new_session_id,
        create_tables=create_tables,
        progress=progress,
        cancel=cancel,
    )
    Reporter(progress, cancel).check()
    saved = automatic_server_backup(location, [session_id], backups) if auto_backup else None
    shown = getattr(store, "shown", location)

    def unchanged(now: StoreNow) -> str | None:
        if now.info(session_id) is None:
            raise SessionNotFoundError(shown, session_id)
        if now.digest(session_id) == expected:
            return None
        return (
            f"{shown}: session {session_id!r} changed while it was being moved;"
            " the copy was kept and the session left on the server"
        )

    try:
        store.delete_sessions([session_id], guard=unchanged)
    except StoreChangedError as exc:
        raise ServerSourceChangedError(str(exc)) from exc
    return result, saved
