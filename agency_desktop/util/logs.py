"""The app's log: rotating files in its log folder, never holding conversation content.

In the normal mode a record says what happened and where (paths, ids, counts, the
exception's type, message and traceback) but never what a conversation says. With
debug logging on, an exception's record also holds the values of the variables in the
frames it passed through, which may well be message text: the user turns it on to
send us a log that shows everything, and the log says so at its top.
"""

from __future__ import annotations

import logging
import os
import platform
import sqlite3
import sys
import traceback
from pathlib import Path
from types import TracebackType

from .. import __version__
from .errors import PlainMessage
from .paths import log_dir

LOGGER_NAME = "agency_desktop"
LOG_NAME = "agency-desktop.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 5  # files kept besides the current one
DEBUG_ENV = "AGENCY_DESKTOP_DEBUG_LOG"

# Exceptions whose messages never carry conversation text: paths, OS and SQLite reasons.
SAFE_MESSAGES: tuple[type, ...] = (
    OSError,
    sqlite3.Error,
    PlainMessage,  # StoreError, SessionNotFoundError, OperationCancelled
)

log = logging.getLogger(LOGGER_NAME)
_state = {"debug": False}


class _EarlyRecords(logging.Handler):
    """Holds records until the log file is set up, then hands them to it.

    The app sets the file up a moment after its window shows: logging.handlers
    brings in socket, pickle and queue, 10 ms that start-up can do without.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < 1000:
            self.records.append(record)


def hold_records() -> None:
    """Keep what is logged from now on until `configure` writes it to the file."""
    if not any(isinstance(h, _EarlyRecords) for h in log.handlers):
        log.addHandler(_EarlyRecords())
        log.setLevel(logging.INFO)
        log.propagate = False


def log_path() -> Path:
    return log_dir() / LOG_NAME


def configure(debug: bool | None = None) -> Path:
    """Send the app's records to its rotating log file; returns the file's path.

    `debug` None: as the environment says (AGENCY_DESKTOP_DEBUG_LOG=1).
    """
    if debug is None:
        debug = env_debug()
    import logging.handlers  # here, not at the top: see _EarlyRecords

    path = log_path()
    held: list[logging.LogRecord] = []
    for old in list(log.handlers):
        if isinstance(old, _EarlyRecords):
            held = old.records
            log.removeHandler(old)
        elif getattr(old, "agency_desktop", False):
            log.removeHandler(old)
            old.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler(sys.stderr)  # no log folder: the terminal, at least
    handler.agency_desktop = True  # type: ignore[attr-defined]
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.INFO)
    log.propagate = False
    _state["debug"] = debug
    log.info(
        "Agency Desktop %s, Python %s, SQLite %s, %s%s",
        __version__,
        platform.python_version(),
        sqlite3.sqlite_version,
        platform.platform(),
        " - DEBUG LOGGING: records below may hold message content" if debug else "",
    )
    for record in held:
        if record.levelno >= log.level:
            handler.handle(record)
    return path


def env_debug() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def debug_enabled() -> bool:
    return _state["debug"]


def describe_exception(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> str:
    """The traceback as text, fit for the log.

    Under debug logging: all of it, with the variables of every frame. Otherwise the
    frames (file, line, function, source line) and the exception's type, with its
    message only for kinds whose messages are ours or the system's (paths, SQLite's
    reasons): any other message could quote what a conversation says.
    """
    if _state["debug"]:
        return "".join(traceback.TracebackException(kind, value, tb, capture_locals=True).format())
    frames = "".join(traceback.TracebackException(kind, value, tb).stack.format())
    message = (
        str(value)
        if isinstance(value, SAFE_MESSAGES)
        else "(message left out: debug logging keeps it)"
    )
    return f"Traceback (most recent call last):\n{frames}{kind.__qualname__}: {message}\n"


def where(tb: TracebackType | None) -> str:
    """The innermost frame of a traceback, as "file:line in function"."""
    frames = traceback.extract_tb(tb)
    if not frames:
        return "unknown place"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"
