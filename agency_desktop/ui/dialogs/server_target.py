"""Operations > Copy (or Move) Session to Server Store…: which server a file's session goes to.

It is the connect dialog (`server_connect`) with a different purpose: the same URL and
password fields, Test Connection in a worker, the recent connections, the password
kept in memory for this run only. Added are the choices a write to a server needs:
replacing a session with the same id (a copy only; backed up locally first) and making
the SDK's tables in a database that has none. Both are off unless the user ticks them:
each one changes more on the server than the copy itself.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from ...stores.postgres import PostgresStore
from ...stores.registry import kind_of
from ...util.errors import InputError
from ..workers import WorkerPool
from .server_connect import ServerConnectDialog, _named

REPLACE = "Replace a session with the same id (backed up locally first)"
CREATE_TABLES = "Create the SDK's tables if the database has none"
TABLES_TIP = "For a PostgreSQL store: the tables SQLAlchemySession(create_tables=True) makes"
SECRET = "A password is kept in memory for this run only."


def explanation(session_id: str, move: bool, file_backup: bool = True) -> str:
    """One line on what happens to the session, and on the server, when the user agrees."""
    done = "the file keeps it"
    if move:
        backed_up = " (the file is backed up first)" if file_backup else ""
        done = f"then removed from its file{backed_up}"
    return (
        f"Session {session_id!r} is written to the server in one transaction, verified"
        f" before it commits; {done}. {SECRET}"
    )


def is_postgres(url: str) -> bool:
    try:
        return kind_of(url) is PostgresStore
    except InputError:
        return False


class ServerTargetDialog(ServerConnectDialog):
    """The server a session is copied (or moved) to, and how."""

    def __init__(
        self,
        parent: QWidget | None,
        workers: WorkerPool,
        recent: list[str],
        session_id: str,
        *,
        move: bool = False,
        file_backup: bool = True,
    ) -> None:
        """`file_backup`: a move backs the file up first (automatic backups are on)."""
        super().__init__(parent, workers, recent)
        self.moving = move
        verb = "Move" if move else "Copy"
        self.setObjectName("serverTargetDialog")
        self.setWindowTitle(f"{verb} Session to Server Store")
        self.connect_button.setText(f"&{verb}")
        self.explanation.setText(explanation(session_id, move, file_backup))
        # A move replaces nothing: ops.reorganise.move_session refuses an id taken there.
        self.replace_box.setVisible(not move)
        self.url_field.textChanged.connect(self._on_target_changed)
        self._on_target_changed(self.url_field.text())

    # Made here, not in __init__: the base class lays out from its own __init__.

    def _heading(self) -> QLabel:
        self.explanation = _named(QLabel(wordWrap=True), "serverTargetExplanation")
        return self.explanation

    def _choices(self) -> list[QWidget]:
        self.replace_box = _named(QCheckBox(REPLACE), "replaceSession")
        self.tables_box = _named(QCheckBox(CREATE_TABLES), "createTables")
        self.tables_box.setToolTip(TABLES_TIP)
        return [self.replace_box, self.tables_box]

    def _on_target_changed(self, text: str) -> None:
        """Only PostgreSQL has tables to make: for another kind the box is off."""
        self.tables_box.setEnabled(is_postgres(text.strip()))

    @property
    def replace(self) -> bool:
        return not self.moving and self.replace_box.isChecked()

    @property
    def create_tables(self) -> bool:
        return self.tables_box.isEnabled() and self.tables_box.isChecked()
