"""Operations > Copy (or Move) Session to Server Store…: a local file's session onto a server.

The core does the writing (`ops.migrate.copy_session`, `ops.reorganise.move_session`):
one transaction on the server, verified before it commits; a session it replaces backed
up locally first; on a move, the file backed up before the session leaves it. Here are
the dialog that picks the server (`dialogs.server_target`), the run through the window's
OperationRunner (progress, Cancel, the notice), and the words: titles, summaries and
errors name the server by its URL without the password, which stays in this run's
memory (`server_locations`) like a connection's.

These entries are for a file's session: while a server store is shown they are off
(`file_only`). The server written to is never the one on show, so only the file is
listed again (the runner's rescan), and a session moved away is then gone from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from ..stores.errors import ProblemKind, StoreError
from ..util.formatting import counted
from ..util.progress import OperationCancelled
from .server_locations import remember, without_password
from .server_store import error_text

if TYPE_CHECKING:
    from ..ops.store_writer import WriteResult
    from ..stores.records import SessionInfo
    from .dialogs.server_target import ServerTargetDialog
    from .host import WindowHost

REPLACE_HINT = "Tick “Replace a session with the same id” to replace it (backed up locally first)."
TABLES_HINT = "Tick “Create the SDK's tables if the database has none” to make them."


@dataclass(frozen=True)
class ServerCopy:
    """What a copy or move to a server did: not a WriteResult, whose `path` there is a key
    that names no local file (the notice offers no "Show in Folder" for it)."""

    written: WriteResult
    shown: str  # the server's URL without its password
    moved: bool = False
    backup: Path | None = None  # a move's backup of the file it left


def copy_summary(result: ServerCopy) -> str:
    written = result.written
    what = f"{counted(written.message_count, 'item')} of {written.session_id!r}"
    if not result.moved:
        replaced = (
            "; the session it replaced was backed up locally" if written.replaced_session else ""
        )
        return f"Copied {what} to {result.shown} (verified{replaced})"
    backup = f"backup of the file: {result.backup}" if result.backup else "no backup of the file"
    return f"Moved {what} to {result.shown} (verified); {backup}"


def run_copy(
    source: Path,
    session_id: str,
    url: str,
    *,
    move: bool,
    overwrite: bool,
    create_tables: bool,
    auto_backup: bool,
    **controls: Any,
) -> ServerCopy:
    """Runs in a worker (the operations are imported here, on first use, off the GUI
    thread). A driver's message may carry the URL as typed: the error the notice shows
    has any password masked."""
    from ..ops.migrate import copy_session
    from ..ops.reorganise import move_session

    shown = without_password(url)
    try:
        if move:
            written, backup = move_session(
                source,
                session_id,
                url,
                auto_backup=auto_backup,
                create_tables=create_tables,
                **controls,
            )
            return ServerCopy(written, shown, moved=True, backup=backup)
        written = copy_session(
            source, session_id, url, overwrite=overwrite, create_tables=create_tables, **controls
        )
        return ServerCopy(written, shown)
    except OperationCancelled:
        raise
    except Exception as error:
        raise RuntimeError(failure(error, url, move)) from error


def failure(error: BaseException, url: str, move: bool) -> str:
    """What went wrong in the window's words, never with the password: the core's hints
    name the CLI's flags, and the window has check boxes instead (a move has no Replace)."""
    if isinstance(error, FileExistsError) and (session_id := getattr(error, "session_id", "")):
        hint = "" if move else f" {REPLACE_HINT}"
        return f"session {session_id!r} is on the server already; nothing was written.{hint}"
    if isinstance(error, StoreError) and error.kind is ProblemKind.NO_TABLES:
        tables = " and ".join(missing_tables(url))
        return f"the database has no {tables} tables; nothing was written. {TABLES_HINT}"
    return error_text(error, url)


def missing_tables(url: str) -> tuple[str, str]:
    """The tables the SDK would make there: the URL's names, else its default ones."""
    from ..ops.server_tables import SDK_TABLES
    from ..stores.pg_url import parse_target

    target = parse_target(url)
    return (
        target.sessions_table or SDK_TABLES[0],
        target.messages_table or SDK_TABLES[1],
    )


class ServerCopies(QObject):
    """The two Operations entries, for the window's selected (file) session."""

    def __init__(self, host: WindowHost) -> None:
        super().__init__(host.dialog_parent())
        self.host = host
        self.dialog: ServerTargetDialog | None = None  # the last one (tests reach it)

    def handlers(self) -> dict[str, Callable[[], None]]:
        """The Operations menu's entries (by method name) this class answers."""
        return {
            "ask_copy_to_server": lambda: self.ask(move=False),
            "ask_move_to_server": lambda: self.ask(move=True),
        }

    def ask(self, move: bool) -> None:
        """The target dialog for the selected session; the work starts when it is accepted."""
        from .dialogs.server_target import ServerTargetDialog

        info = self.host.current_session()
        if info is None:
            self.host.notice.show_message("Select a session first.")
            return
        host = self.host
        dialog = ServerTargetDialog(
            host.dialog_parent(),
            host.workers,
            host.settings.recent_servers,
            info.session_id,
            move=move,
            file_backup=host.settings.auto_backup,
        )
        dialog.accepted.connect(
            lambda: self.do_copy(
                info,
                dialog.url(),
                move=move,
                overwrite=dialog.replace,
                create_tables=dialog.create_tables,
            )
        )
        self.dialog = dialog
        dialog.open()

    def do_copy(
        self,
        info: SessionInfo,
        url: str,
        *,
        move: bool = False,
        overwrite: bool = False,
        create_tables: bool = False,
    ) -> None:
        """Start the copy or move (tests call this half: no dialog). The URL is kept for
        this run and listed among the recent servers without its password."""
        remember(url)
        self.host.settings.remember_server(url)
        verb = "Moving" if move else "Copying"
        title = f"{verb} session {info.session_id!r} to {without_password(url)}"
        started = self.host.runner.run(
            title,
            run_copy,
            info.db_path,
            info.session_id,
            url,
            move=move,
            overwrite=overwrite,
            create_tables=create_tables,
            auto_backup=self.host.settings.auto_backup,
            summary=copy_summary,
        )
        if not started:
            self.host.notice.warn("Another operation is still running.")
