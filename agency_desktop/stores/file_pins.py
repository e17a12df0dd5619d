"""Read a store's bytes from Python without dropping SQLite's locks on it.

POSIX advisory locks belong to a process and a file: closing *any* descriptor of the
file releases every lock the process holds on it, SQLite's included. SQLite's own
descriptors know this and put off their closes; a plain `open()` and `close()` of
ours does not. A viewing connection that lost its SHARED lock can be written under
while it reads, and an agent closing meanwhile takes itself for the last connection:
it checkpoints and deletes the WAL and shared memory our connection still uses (see
"How to corrupt an SQLite database file", section 2.2).

So every descriptor this process opens on a store is pinned: one per file, shared by
all who read it, read with `pread` (no shared file position), and closed only when
its last user lets go. A viewing connection holds a pin from before SQLite opens the
file until after SQLite has closed it, so no close of ours ever happens while one of
our connections has the file open. On Windows, locks belong to the handle that took
them, and a plain open and close is safe.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SHARED_DESCRIPTORS = hasattr(os, "pread")  # POSIX: where a close drops the process's locks
# O_NONBLOCK: a FIFO put in a store's place after it was checked must not block the open.
_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)

_FileKey = tuple[int, int]  # (device, inode)


@dataclass
class _Held:
    fd: int
    users: int = 0
    # Descriptors opened in the moment a file was replaced by another under its name,
    # found to be of a file held already: closing them before the rest would drop locks.
    spare: list[int] = field(default_factory=list)


_held: dict[_FileKey, _Held] = {}
_lock = threading.Lock()  # opens and closes of pinned descriptors happen under it


@dataclass(frozen=True)
class Pin:
    """A read-only descriptor of one file; never close `fd`, release the pin instead."""

    key: _FileKey
    fd: int

    def read_at(self, size: int, offset: int) -> bytes:
        if SHARED_DESCRIPTORS:
            return os.pread(self.fd, size, offset)
        os.lseek(self.fd, offset, os.SEEK_SET)  # this descriptor is the caller's alone
        return os.read(self.fd, size)


def pin(path: Path, info: os.stat_result | None = None) -> Pin:
    """A descriptor of the file, shared with every other user of it in this process.

    `info`: the file's stat, where the caller has just taken it."""
    if not SHARED_DESCRIPTORS:
        fd = os.open(path, _FLAGS)
        return Pin((-1, fd), fd)
    with _lock:
        info = os.stat(path) if info is None else info
        key = (info.st_dev, info.st_ino)
        held = _held.get(key)
        if held is None:
            fd = os.open(path, _FLAGS)
            opened = os.fstat(fd)
            key = (opened.st_dev, opened.st_ino)  # another file may have taken the name
            held = _held.get(key)
            if held is None:
                held = _held[key] = _Held(fd)
            else:
                held.spare.append(fd)
        held.users += 1
        return Pin(key, held.fd)


def release(held_pin: Pin) -> None:
    """Let go of a pin; the file's descriptors close with its last user."""
    if not SHARED_DESCRIPTORS:
        os.close(held_pin.fd)
        return
    with _lock:
        held = _held[held_pin.key]
        held.users -= 1
        if held.users:
            return
        del _held[held_pin.key]
        for fd in (held.fd, *held.spare):
            with contextlib.suppress(OSError):
                os.close(fd)


class _PinnedReader(io.RawIOBase):
    """A file's bytes, start to end, read through a pin; closing it releases the pin."""

    def __init__(self, held_pin: Pin) -> None:
        super().__init__()
        self._pin = held_pin
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._pin.read_at(len(buffer), self._offset)
        buffer[: len(data)] = data
        self._offset += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            release(self._pin)
        super().close()


@contextlib.contextmanager
def reading_bytes(path: Path) -> Iterator[io.RawIOBase]:
    """A stream of the file's bytes, in place of `path.open("rb", buffering=0)`."""
    with _PinnedReader(pin(path)) as stream:
        yield stream


def held_count() -> int:
    """How many files have pinned descriptors now (for tests: leaks show here)."""
    with _lock:
        return len(_held)
