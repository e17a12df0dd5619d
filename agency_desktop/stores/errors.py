"""Errors raised when a file cannot be read as a session store.

One exception type with a `kind` keeps callers simple: the CLI, the GUI and
`find_problem_files` all need the same three things (which file, what is wrong,
the underlying detail) and rarely care to branch on the class.
"""

from __future__ import annotations

import enum
import os
import sqlite3
from pathlib import Path

from ..util.errors import PlainMessage
from ..util.urls import is_url, redact_url


class ProblemKind(enum.StrEnum):
    """Why a file could not be used as a session store."""

    MISSING = "missing"
    UNREADABLE = "unreadable"
    EMPTY = "empty"
    NOT_SQLITE = "not SQLite"
    CORRUPT = "corrupt"
    LOCKED = "locked"
    NEEDS_RECOVERY = "needs recovery"
    NOT_A_STORE = "not a session store"
    # A server store's (PostgreSQL, Redis): its location is a URL, not a file.
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    NO_TABLES = "no session tables"

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS[self]

    @property
    def advice(self) -> str:
        """What the user can do about it, in a sentence or two."""
        return _ADVICE[self]


_EXPLANATIONS = {
    ProblemKind.MISSING: "the file does not exist",
    ProblemKind.UNREADABLE: "the file cannot be opened for reading",
    ProblemKind.EMPTY: "the file is empty",
    ProblemKind.NOT_SQLITE: "the file is not an SQLite database (or it is encrypted)",
    ProblemKind.CORRUPT: "the SQLite database is damaged",
    ProblemKind.LOCKED: "another program holds a lock on the database",
    ProblemKind.NEEDS_RECOVERY: (
        "a program stopped in the middle of writing it; SQLite repairs it from its journal"
        " the next time a program that writes to it opens it (viewing never writes)"
    ),
    ProblemKind.NOT_A_STORE: "the SQLite database holds no Agents SDK session tables",
    ProblemKind.UNREACHABLE: "the server cannot be reached",
    ProblemKind.REFUSED: "the server refused the request",
    ProblemKind.NO_TABLES: "the database holds no Agents SDK session tables",
}


_ADVICE = {
    ProblemKind.MISSING: "It was moved or deleted since the folder was read; refresh (F5).",
    ProblemKind.UNREADABLE: (
        "Check the file's permissions, or copy it somewhere you can read and open the copy."
    ),
    ProblemKind.EMPTY: (
        "An agent created it but has not written a session yet; it is listed once one is."
    ),
    ProblemKind.NOT_SQLITE: (
        "If it was encrypted with SQLCipher, open it with its key in a SQLCipher tool"
        " (DB Browser for SQLite has one) and export a plain copy to open here."
        " Stores written by the SDK's EncryptedSession are plain SQLite and open here."
    ),
    ProblemKind.CORRUPT: (
        "Restore it from a backup (Operations > Restore), or save what SQLite can still"
        " read with `sqlite3 FILE .recover | sqlite3 recovered.db` and open recovered.db."
    ),
    ProblemKind.LOCKED: (
        "Another program is in the middle of writing it; it is read again when it lets go."
    ),
    ProblemKind.NEEDS_RECOVERY: (
        "A hot journal: copy the store with its -journal file to another folder, open the"
        " copy once with `sqlite3` (which rolls the journal back), and open that copy here."
    ),
    ProblemKind.NOT_A_STORE: (
        "It is an SQLite database, but not one the Agents SDK wrote: it has no table of"
        " sessions with a table of their items."
    ),
    ProblemKind.UNREACHABLE: (
        "Check that the server runs and that host and port are right; a firewall or a VPN"
        " may stand between. In the URL, `connect_timeout=SECONDS` (PostgreSQL) or"
        " `socket_connect_timeout=SECONDS` (Redis) waits longer (default 5)."
    ),
    ProblemKind.REFUSED: (
        "Check the user name, the password (or PGPASSWORD, ~/.pgpass), the database name,"
        " and that the user may read the session tables (SELECT on PostgreSQL; the @read"
        " commands on Redis)."
    ),
    ProblemKind.NO_TABLES: (
        "The Agents SDK's SQLAlchemySession has not written here yet, or wrote to other"
        " tables: name them with ?sessions_table=...&messages_table=... in the URL."
    ),
}


def shown_location(location: str | os.PathLike[str]) -> str:
    """A store's location as messages show it: a URL without its password, else the path."""
    text = os.fspath(location)
    return redact_url(text) if is_url(text) else str(Path(text))


class StoreError(PlainMessage, Exception):
    """A file that cannot be read as a session store, with the reason."""

    def __init__(self, path: str | os.PathLike[str], kind: ProblemKind, detail: str = "") -> None:
        self.path = Path(path)
        self.location = shown_location(path)  # a server's URL, password masked
        self.kind = kind
        self.detail = detail
        text = f"{self.location}: {kind.explanation}"
        if detail:
            text += f" ({detail})"
        super().__init__(text)

    def __reduce__(self) -> tuple[type[StoreError], tuple[str, ProblemKind, str]]:
        """Rebuilt from its parts when it comes back from a worker process."""
        return (type(self), (self.location, self.kind, self.detail))


class SessionNotFoundError(PlainMessage, LookupError):
    """A store that exists but does not hold the requested session."""

    def __init__(self, path: str | os.PathLike[str], session_id: str) -> None:
        self.path = Path(path)
        self.session_id = session_id
        super().__init__(f"{shown_location(path)}: no session {session_id!r} in this store")


def classify_sqlite_error(error: sqlite3.Error) -> ProblemKind:
    """Map an sqlite3 exception to the user-facing reason."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error).lower()
    if name == "SQLITE_READONLY_ROLLBACK":  # a hot journal that a read-only open cannot undo
        return ProblemKind.NEEDS_RECOVERY
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED") or "locked" in text:
        return ProblemKind.LOCKED
    if name.startswith("SQLITE_NOTADB") or "not a database" in text:
        return ProblemKind.NOT_SQLITE
    if name.startswith("SQLITE_CANTOPEN") or name.startswith("SQLITE_PERM"):
        return ProblemKind.UNREADABLE
    if name.startswith("SQLITE_IOERR") and "short read" not in text:
        return ProblemKind.UNREADABLE
    return ProblemKind.CORRUPT
