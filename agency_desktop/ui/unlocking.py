"""The Session menu's Unlock and Forget Keys: EncryptedSession stores, read with a key.

The key is tried on one of the session's envelopes in a worker; if it opens it, the
key ring (sessions.encrypted.KEYS, memory only) keeps the session's derived key and
the session is shown again, its items readable. Nothing decrypted is written anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ..stores.encrypted import KEYS, Secret
from ..stores.records import SessionInfo
from ..stores.registry import open_store
from .dialogs.key_dialog import ask_key
from .workers import Worker

if TYPE_CHECKING:
    from .host import WindowHost


def unlock(db_path: Path, session_id: str, key: Secret) -> None:
    """Runs in a worker: keep the key if it opens the session (WrongKey if it does not)."""
    with open_store(db_path).reader(session_id) as reader:
        sample = reader.first_envelope()
    if sample is None:
        raise ValueError(f"{db_path}: session {session_id!r} holds no encrypted items")
    KEYS.unlock(db_path, session_id, key, sample)


class Unlocker(QObject):
    def __init__(self, host: WindowHost) -> None:
        super().__init__(host.dialog_parent())
        self._host = host

    def unlock_current(self) -> None:
        info = self._host.current_session()
        if info is None:
            self._host.notice.show_message("Select an encrypted session to unlock first.")
            return
        key = ask_key(self._host.dialog_parent(), info.session_id)
        if key is None:
            return
        worker = Worker(unlock, info.db_path, info.session_id, key)
        worker.signals.returned.connect(lambda _none, i=info: self._on_unlocked(i))
        worker.signals.errored.connect(self._on_failed)
        self._host.workers.start(worker)

    def forget_keys(self) -> None:
        KEYS.forget()
        self._show_again(self._host.current_session())
        self._host.notice.show_message("Keys forgotten: encrypted sessions are locked again.")

    def _on_unlocked(self, info: SessionInfo) -> None:
        self._show_again(info)
        self._host.notice.show_message(
            f"Session {info.session_id} unlocked for this run (the key is not kept on disk)."
        )

    def _on_failed(self, error: Exception) -> None:
        self._host.notice.error(f"Not unlocked: {error}")

    def _show_again(self, info: SessionInfo | None) -> None:
        """Read the session again, so its rows and its transcript show what the key opens."""
        if info is not None:
            self._host.reopen_session(info)
