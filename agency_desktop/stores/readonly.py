"""Open a store for viewing without changing it or leaving files beside it.

A plain `mode=ro` open of a WAL store creates `-wal`/`-shm` files it can never
remove. A read-write open with `PRAGMA query_only` behaves like any reader: the
last connection to close removes the files it created, and the main file is
left byte-identical. Only where the folder itself cannot be written do we fall
back to `mode=ro`, and for a WAL store without its side files, to
`immutable=1` (no writer can be active then: it could not create the WAL).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from . import file_pins
from .errors import ProblemKind, StoreError, classify_sqlite_error

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 20  # the magic, the page size, and the file format versions (WAL or not)
DEFAULT_BUSY_TIMEOUT_S = 2.0

_IMMUTABLE = "mode=ro&immutable=1"
_OPEN_MODES = ("mode=rw", "mode=ro", _IMMUTABLE)


def check_sqlite_header(path: Path) -> bytes:
    """Fail fast, with a precise reason, before SQLite sees the file; returns the header."""
    held = pin_store(path)
    try:
        return read_header(path, held)
    finally:
        file_pins.release(held)


def pin_store(path: Path) -> file_pins.Pin:
    """A pinned descriptor of the store (see file_pins), once it is known to be a file."""
    try:
        info = os.stat(path)
        mode = info.st_mode
    except FileNotFoundError:
        raise StoreError(path, ProblemKind.MISSING) from None
    except OSError as exc:
        raise StoreError(path, ProblemKind.UNREADABLE, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(mode):
        raise StoreError(path, ProblemKind.UNREADABLE, "it is a directory")
    if not stat.S_ISREG(mode):
        # Opening a FIFO or a device to read its header could block forever.
        raise StoreError(path, ProblemKind.UNREADABLE, "not a regular file")
    try:
        return file_pins.pin(path, info)
    except FileNotFoundError:
        raise StoreError(path, ProblemKind.MISSING) from None
    except OSError as exc:
        raise StoreError(path, ProblemKind.UNREADABLE, exc.strerror or str(exc)) from None


def read_header(path: Path, held: file_pins.Pin) -> bytes:
    try:
        header = held.read_at(HEADER_BYTES, 0)
    except OSError as exc:
        raise StoreError(path, ProblemKind.UNREADABLE, exc.strerror or str(exc)) from None
    if not header:
        raise StoreError(path, ProblemKind.EMPTY)
    if header[: len(SQLITE_MAGIC)] != SQLITE_MAGIC:
        raise StoreError(path, ProblemKind.NOT_SQLITE)
    return header


_WAL_VERSION = b"\x02\x02"  # header bytes 18-19: read and write version 2 is WAL mode
_ROLLBACK_VERSION = b"\x01\x01"  # and 1 is a rollback journal


def is_idle_wal_store(path: Path, header: bytes) -> bool:
    """A WAL store that no connection has open: no -wal (or -journal) file beside it.

    Its main file changes only when a checkpoint copies WAL frames into it, and
    there are none: so a brief read may skip locking and shared memory entirely.
    """
    return _is_idle(header, os.fspath(path), os.path.lexists(f"{path}-wal"))


def _is_idle(header: bytes, name: str, has_wal: bool) -> bool:
    return header[18:20] == _WAL_VERSION and not has_wal and not os.path.lexists(name + "-journal")


def has_sqlite_header(path: Path) -> bool:
    try:
        check_sqlite_header(path)
    except StoreError:
        return False
    return True


def _uri(path: Path, mode: str) -> str:
    # abspath, not resolve(): SQLite follows symlinks itself, and resolving every
    # component costs a system call each, per file of a folder of thousands.
    return "file:" + quote(os.path.abspath(path), safe="/:\\") + "?" + mode


def tolerant_text(data: bytes) -> str:
    """A viewing connection's text_factory: invalid UTF-8 in a row shows up as
    replacement characters rather than aborting the read."""
    return data.decode("utf-8", errors="replace")


class ReadOnlyConnection(sqlite3.Connection):
    """A viewing connection that knows how it was opened."""

    immutable = False  # opened with immutable=1: no locks at all, so no snapshot either
    _pin: file_pins.Pin | None = None  # the store's descriptor, held until this closes

    def hold(self, held: file_pins.Pin) -> None:
        self._pin = held

    def close(self) -> None:
        super().close()
        held, self._pin = self._pin, None
        if held is not None:  # after SQLite has let go of the file, never before
            file_pins.release(held)


def _connect(path: Path, mode: str, timeout: float, keep_wal: bool = False) -> ReadOnlyConnection:
    conn = sqlite3.connect(
        _uri(path, mode),
        uri=True,
        timeout=timeout,
        isolation_level=None,
        check_same_thread=False,
        factory=ReadOnlyConnection,
    )
    conn.immutable = mode == _IMMUTABLE
    if keep_wal:
        # The WAL holds frames nobody checkpointed (its writer stopped): the last
        # connection to close would copy them into the main file. Not ours.
        conn.setconfig(sqlite3.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, True)
    conn.text_factory = tolerant_text
    try:
        # Views and triggers in a hostile file must not run functions on our behalf.
        conn.setconfig(sqlite3.SQLITE_DBCONFIG_TRUSTED_SCHEMA, False)
        if mode != _IMMUTABLE:  # an immutable connection cannot write anyway
            conn.execute("PRAGMA query_only = 1")
            # Reads page 1: a file SQLite cannot use fails here, where the fallbacks are
            # tried. An immutable (brief) read's first query fails just as well, and
            # `read_briefly` then reads again through these fallbacks.
            conn.execute("PRAGMA schema_version").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _wal_entry(name: str) -> os.stat_result | None:
    """The store's -wal as the directory lists it (a link not followed), if there is one."""
    try:
        return os.lstat(name + "-wal")
    except OSError:
        return None


def _has_frames(name: str, wal: os.stat_result | None) -> bool:
    if wal is None:
        return False
    if not stat.S_ISLNK(wal.st_mode):
        return wal.st_size > 0
    try:
        return os.stat(name + "-wal").st_size > 0
    except OSError:
        return False


def _open_modes(header: bytes, wal_frames: bool) -> tuple[str, ...]:
    """How to try opening a store, in order.

    A store in rollback-journal mode is opened `mode=ro` only: it makes no side files,
    and a read-write open would roll back a hot journal (a writer that died mid-commit)
    into the user's file. immutable=1 ignores a WAL: only safe when there is no WAL
    with content to miss.
    """
    if header[18:20] == _ROLLBACK_VERSION:
        return ("mode=ro",)
    return _OPEN_MODES[:2] if wal_frames else _OPEN_MODES


def open_readonly(
    path: str | Path, *, timeout: float = DEFAULT_BUSY_TIMEOUT_S, brief: bool = False
) -> sqlite3.Connection:
    """Return a query-only connection, or raise StoreError naming the file.

    `brief`: the caller reads for a moment and closes (listing a store). An idle
    WAL store is then opened immutable, which takes no lock and creates no
    shared memory: four times cheaper, and what makes a folder of thousands of
    stores list faster than a plain sqlite3 loop. A writer that starts meanwhile
    writes to a new WAL, not to the file being read; the caller retries any
    failure with an ordinary open (`read_briefly`). Never for a connection kept
    open: an immutable one would not see an agent's later writes.
    """
    path = path if isinstance(path, Path) else Path(path)  # a copy would parse it again
    held = pin_store(path)  # from before SQLite opens the file until after it closes it
    try:
        conn = _connect_first(path, read_header(path, held), timeout, brief)
    except BaseException:
        file_pins.release(held)
        raise
    conn.hold(held)
    return conn


def _connect_first(path: Path, header: bytes, timeout: float, brief: bool) -> ReadOnlyConnection:
    """A connection by the first of the open modes that works for this store."""
    name = os.fspath(path)
    wal = _wal_entry(name)  # one look at the -wal serves both questions below
    keep_wal = _has_frames(name, wal)
    modes = _open_modes(header, keep_wal)
    if brief and _is_idle(header, name, wal is not None):
        modes = (_IMMUTABLE, *modes)
    last_error: sqlite3.Error | None = None
    for mode in modes:
        try:
            return _connect(path, mode, timeout, keep_wal=keep_wal and mode == "mode=rw")
        except UnicodeDecodeError as exc:  # SQLite's message quotes a damaged schema
            raise StoreError(path, ProblemKind.CORRUPT, "the schema is damaged") from exc
        except sqlite3.Error as exc:
            last_error = exc
            if classify_sqlite_error(exc) is not ProblemKind.UNREADABLE:
                break
    assert last_error is not None
    raise StoreError(path, classify_sqlite_error(last_error), str(last_error)) from last_error


@contextlib.contextmanager
def translate_errors(path: str | Path, *, os_errors: bool = True) -> Iterator[None]:
    """Turn sqlite3 (and, unless told otherwise, OS) errors raised while reading into StoreError."""
    try:
        yield
    except UnicodeDecodeError as exc:  # SQLite's message quotes a damaged schema
        raise StoreError(path, ProblemKind.CORRUPT, "the schema is damaged") from exc
    except sqlite3.Error as exc:
        raise StoreError(path, classify_sqlite_error(exc), str(exc)) from exc
    except OSError as exc:
        if not os_errors:
            raise
        if exc.errno == errno.ENOENT:
            raise StoreError(path, ProblemKind.MISSING) from exc
        raise StoreError(path, ProblemKind.UNREADABLE, exc.strerror or str(exc)) from exc


@contextlib.contextmanager
def reading(
    path: str | Path, *, timeout: float = DEFAULT_BUSY_TIMEOUT_S, brief: bool = False
) -> Iterator[sqlite3.Connection]:
    """A query-only connection that is closed (and its side files removed) on exit."""
    conn = open_readonly(path, timeout=timeout, brief=brief)
    try:
        with translate_errors(path):
            yield conn
    finally:
        conn.close()


def read_briefly[T](path: Path, read: Callable[[sqlite3.Connection], T]) -> T:
    """`read(conn)` on a brief connection; any failure is retried once on an ordinary one.

    A brief (immutable) read can fail where an ordinary one would not, in the moment
    a writer checkpoints a fresh WAL into the file; it must never be reported as
    damage, so only the ordinary read's answer counts.
    """
    try:
        with reading(path, brief=True) as conn:
            return read(conn)
    except StoreError:
        with reading(path) as conn:
            return read(conn)
