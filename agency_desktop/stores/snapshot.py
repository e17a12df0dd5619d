"""A store's bytes as one consistent state: what a copy, an archive or a check reads.

Through SQLite (`Connection.serialize` inside one read transaction) a snapshot is
always consistent, but opening a WAL store that nobody has open makes SQLite create
its `-wal` and `-shm` files and delete them again on close: four file-system changes
beside every store, which over a folder of 10,000 small stores cost more than the copy.

An idle store needs none of them. While a read lock is held on SQLite's SHARED byte
range (see SQLite's os_unix.c: every writer of the main file, in either journal mode,
holds a write lock there while it writes; a WAL checkpoint writes only frames of a
`-wal`, and the last connection deletes that only under that write lock), and while
no `-wal` or `-journal` file exists from before the read until after it, nobody can
have written the main file under us: its bytes are the store. The lock is an
open-file-description lock (Linux), so it neither meets nor drops the POSIX locks
this process's own SQLite connections hold. Anything else (another platform, a lock
taken, a `-wal` present, a header that does not add up) is read through SQLite.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import struct
import threading
from pathlib import Path

from . import file_pins
from .errors import ProblemKind, StoreError
from .readonly import pin_store, read_header, reading, tolerant_text

HEADER = b"SQLite format 3\x00"
# SQLite's lock bytes (os_unix.c): PENDING_BYTE is at 1 GiB, then RESERVED, then SHARED.
_SHARED_FIRST = 0x40000000 + 2
_SHARED_SIZE = 510
_OFD_SETLK: int | None = getattr(fcntl, "F_OFD_SETLK", None)  # Linux only
_SIDE_FILES = ("-wal", "-journal")
# Threads of a process share a file's pinned descriptor, and so its lock: the first to
# unlock would end the others' too.
_one_reader = threading.Lock()


def read_snapshot(store: Path) -> bytes:
    """The whole store as one consistent state; StoreError naming the file otherwise."""
    return _read_idle(store) or _read_through_sqlite(store)


def read_if_idle(store: Path, limit: int) -> bytes | None:
    """The bytes of a store of at most `limit` bytes that no connection has open, read
    without SQLite; None when it must be read through SQLite (`reading`) instead."""
    try:
        if os.stat(store).st_size > limit:
            return None
    except OSError:
        return None
    return _read_idle(store)


def _read_through_sqlite(store: Path) -> bytes:
    with reading(store) as conn:
        conn.execute("BEGIN")  # serialize's first read starts the one read transaction
        try:
            data = conn.serialize()
        finally:
            conn.execute("ROLLBACK")
    if not is_whole_image(data, count_required=False):
        raise StoreError(store, ProblemKind.CORRUPT, "its pages do not add up to its size")
    return data


def is_whole_image(data: bytes, *, count_required: bool = True) -> bool:
    """Whether the header's page count, of its page size, is exactly what was read.

    The count is only trusted when the header says it is current (its "version valid
    for" equals its change counter); SQLite's own serialization of a file too old to
    keep a count passes without one when `count_required` is off.
    """
    if not data.startswith(HEADER) or len(data) < 100:
        return False
    page_size = int.from_bytes(data[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(data[28:32], "big")
    if pages == 0 or data[24:28] != data[92:96]:
        return not count_required and len(data) % page_size == 0
    return pages * page_size == len(data)


def _read_idle(store: Path) -> bytes | None:
    """The file's bytes under a read lock, when no connection could be writing it."""
    if _OFD_SETLK is None or not file_pins.SHARED_DESCRIPTORS or _has_side_file(store):
        return None
    held = pin_store(store)  # StoreError with a precise reason for a file that is no store
    try:
        read_header(store, held)
        with _one_reader:
            data = _locked_read(held)
    finally:
        file_pins.release(held)
    if data is None or _has_side_file(store) or not is_whole_image(data):
        return None
    return data


def _locked_read(held: file_pins.Pin) -> bytes | None:
    assert _OFD_SETLK is not None
    try:
        fcntl.fcntl(held.fd, _OFD_SETLK, _flock(fcntl.F_RDLCK))
    except OSError:  # a writer holds it, or the file system has no such locks
        return None
    try:
        size = os.fstat(held.fd).st_size
        chunks, offset = [], 0
        while offset < size:
            chunk = held.read_at(size - offset, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        return b"".join(chunks) if len(chunks) != 1 else chunks[0]
    finally:
        fcntl.fcntl(held.fd, _OFD_SETLK, _flock(fcntl.F_UNLCK))


def _flock(kind: int) -> bytes:
    # struct flock on Linux (x86-64 and arm64): l_type, l_whence, 4 bytes of padding,
    # l_start, l_len, l_pid (0, as open-file-description locks require), padding.
    return struct.pack("hh4xqqi4x", kind, os.SEEK_SET, _SHARED_FIRST, _SHARED_SIZE, 0)


def _has_side_file(store: Path) -> bool:
    name = os.fspath(store)
    return any(os.path.lexists(name + suffix) for suffix in _SIDE_FILES)


def open_image(data: bytes) -> sqlite3.Connection:
    """A query-only, in-memory connection to a snapshot, for reading what it holds."""
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.text_factory = tolerant_text
    try:
        _load(conn, data)
        conn.execute("PRAGMA query_only = 1")
        conn.execute("PRAGMA trusted_schema = 0")
    except BaseException:
        conn.close()
        raise
    return conn


def is_wal_image(data: bytes) -> bool:
    """Whether the store was in WAL mode (its header's read and write versions are 2)."""
    return data[18:20] == b"\x02\x02"


def _load(conn: sqlite3.Connection, data: bytes) -> None:
    # An in-memory database cannot be in WAL mode: the header's WAL version bytes are
    # set back to a rollback journal's in the copy given to SQLite.
    if is_wal_image(data):
        image = bytearray(data)
        image[18:20] = b"\x01\x01"
        data = bytes(image)
    conn.deserialize(data)
