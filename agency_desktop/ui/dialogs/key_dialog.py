"""Ask for the key of an encrypted session, without the typed key lingering anywhere."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from ...stores.encrypted import Secret


def ask_key(parent: QWidget, session_id: str) -> Secret | None:
    """The key the user typed, wrapped so no log or traceback can show it; None if
    they cancelled. The field is shown as dots and emptied once read."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("keyDialog")
    dialog.setWindowTitle("Unlock Encrypted Session")
    dialog.setLabelText(
        f"The encryption key of session {session_id}.\n"
        "It is kept in memory for this run only: never saved, never logged."
    )
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    try:
        if dialog.exec() != QInputDialog.DialogCode.Accepted:
            return None
        secret = Secret(dialog.textValue())
        return secret if secret.reveal() else None
    finally:
        dialog.setTextValue("")
        dialog.deleteLater()
