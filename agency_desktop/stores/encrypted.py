"""Items an agent wrote through the SDK's EncryptedSession, and their keys while we hold them.

EncryptedSession stores each item as an envelope, `{"__enc__": 1, "v": 1, "kid":
"hkdf-v1", "payload": <Fernet token>}`, under a key derived per session from the
user's master key (HKDF-SHA256, salt: the session id). Without that key an envelope
is shown as what it is: encrypted. Given the key, it is read here the way the SDK
reads it (without the SDK, whose import costs over a second), and never written
anywhere: keys live in this process's memory only (`KEYS`), decrypted text never
reaches the search index, the caches, an export or the log.

The SDK skips items older than its TTL; a viewer shows them, marked by their age.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ENVELOPE_KEY = "__enc__"
_HKDF_INFO = b"agents.session-store.hkdf.v1"  # as the SDK derives session keys (kid hkdf-v1)


def is_envelope(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and item.get(ENVELOPE_KEY) == 1
        and isinstance(item.get("payload"), str)
        and "kid" in item
    )


class Secret:
    """A key the user typed: its repr hides it, so no log or traceback (debug logging
    records frames' variables) can carry it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(hidden)"

    __str__ = __repr__


class WrongKey(ValueError):
    """The key does not open this session's items (or the item was tampered with)."""


@dataclass(frozen=True)
class Opened:
    item: Any
    written: datetime  # when the SDK encrypted it (the token says)


class SessionKey:
    """One session's key, derived from the master key the user gave."""

    def __init__(self, master_key: Secret, session_id: str) -> None:
        from cryptography.fernet import Fernet
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        if not master_key.reveal():
            raise WrongKey("no key given")
        kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=session_id.encode(), info=_HKDF_INFO)
        # Derived and handed on in one expression: no variable holds the key.
        self._fernet = Fernet(base64.urlsafe_b64encode(kdf.derive(_master_key_bytes(master_key))))

    def open(self, envelope: dict[str, Any]) -> Opened:
        from cryptography.fernet import InvalidToken

        token = envelope["payload"].encode("utf-8")
        try:
            plain = self._fernet.decrypt(token)  # no TTL: a viewer shows old items too
            written = self._fernet.extract_timestamp(token)
        except (InvalidToken, ValueError, TypeError) as exc:
            raise WrongKey("the key does not open this item") from exc
        try:
            item = json.loads(plain)
        except (ValueError, RecursionError) as exc:
            raise WrongKey("the item opened to something that is not JSON") from exc
        return Opened(item, datetime.fromtimestamp(written, UTC))


def _master_key_bytes(master_key: Secret) -> bytes:
    """As the SDK takes it: a Fernet key (32 bytes, url-safe base64), else the text itself."""
    try:
        if len(base64.urlsafe_b64decode(master_key.reveal())) == 32:
            return base64.urlsafe_b64decode(master_key.reveal())
    except (ValueError, TypeError):
        pass
    return master_key.reveal().encode("utf-8")


class KeyRing:
    """Keys the user gave in this run, by store and session; memory only, thread-safe."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], SessionKey] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _slot(db_path: Path, session_id: str) -> tuple[str, str]:
        return (str(Path(db_path).resolve()), session_id)

    def unlock(self, db_path: Path, session_id: str, master_key: Secret, sample: Any) -> None:
        """Keep the key if it opens `sample` (one of the session's envelopes)."""
        key = SessionKey(master_key, session_id)
        key.open(sample)  # raises WrongKey
        with self._lock:
            self._keys[self._slot(db_path, session_id)] = key

    def key_for(self, db_path: Path, session_id: str) -> SessionKey | None:
        with self._lock:
            return self._keys.get(self._slot(db_path, session_id))

    def forget(self, db_path: Path | None = None, session_id: str | None = None) -> None:
        with self._lock:
            if db_path is None:
                self._keys.clear()
            else:
                self._keys.pop(self._slot(db_path, session_id or ""), None)


KEYS = KeyRing()


def open_text(text: str, key: SessionKey | None) -> tuple[str, bool]:
    """An item's text with its envelope opened when the key is there: (text, was_opened)."""
    if key is None or ENVELOPE_KEY not in text:
        return text, False
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):
        return text, False
    if not is_envelope(envelope):
        return text, False
    try:
        opened = key.open(envelope)
    except WrongKey:
        return text, False
    return json.dumps(opened.item, ensure_ascii=False), True
