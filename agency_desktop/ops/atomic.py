"""Write a file under a temporary name, verify it, then move it into place."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from ..stores.listing import side_files


def temporary_sibling(target: Path) -> Path:
    """A hidden name in the target's folder, so the final rename stays on one filesystem."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")


def remove_quietly(path: Path) -> None:
    for candidate in (path, *side_files(path)):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


WRITEBACK_EVERY_BYTES = 32 << 20
# Linux starts writing back a range given POSIX_FADV_DONTNEED, without waiting for it
# (and then drops its clean pages, which a writer of a new file does not read again).
# Python has no sync_file_range; where this does nothing, the final fsync does it all.
_ADVISE = getattr(os, "posix_fadvise", None)


class EarlyWriteback:
    """A long file being written goes to disk as it grows, not all at its final fsync.

    A 400 MB export flushed only by `publish` had the user wait a further 150-250 ms after
    the work was done, with both cores idle; asked to start every WRITEBACK_EVERY_BYTES,
    the disk works while the cores do, and the final fsync finds some 20 ms left.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._started = 0  # the file's bytes whose write-back was asked for

    def wrote(self) -> None:
        """After something was written (and flushed): more write-back if enough is new."""
        if _ADVISE is None:
            return
        size = os.fstat(self._fd).st_size
        if size - self._started >= WRITEBACK_EVERY_BYTES:
            with contextlib.suppress(OSError):  # advice: the final fsync still makes sure
                _ADVISE(self._fd, self._started, size - self._started, os.POSIX_FADV_DONTNEED)
            self._started = size


def fsync_directory(path: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory for fsync; NTFS journals renames.
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def quick_check(path: Path) -> None:
    """Raise if SQLite's quick_check does not report the file as sound."""
    conn = sqlite3.connect(path)
    try:
        result = [row[0] for row in conn.execute("PRAGMA quick_check")]
    except sqlite3.Error as exc:
        raise OSError(errno.EIO, f"verification failed: {exc}", str(path)) from exc
    finally:
        conn.close()
    if result != ["ok"]:
        raise OSError(errno.EIO, f"verification failed: {'; '.join(result[:3])}", str(path))


def _drop_stale_side_files(target: Path) -> None:
    """Remove a replaced store's empty -wal/-shm; refuse if its WAL still holds data.

    SQLite would replay an old WAL onto the new file. A WAL with content means an
    agent may be using the store, and replacing it under the agent would lose data.
    """
    wal, shm, journal = side_files(target)
    if (wal.exists() and wal.stat().st_size > 0) or journal.exists():
        raise FileExistsError(
            errno.EBUSY,
            "the store it would replace is in use (it has a -wal or -journal)",
            str(target),
        )
    for side in (wal, shm):
        side.unlink(missing_ok=True)


def publish(temporary: Path, target: Path, *, overwrite: bool) -> None:
    """Move a finished, verified file to its final name; never clobbers unless asked."""
    fsync_file(temporary)
    if overwrite:
        _drop_stale_side_files(target)
        os.replace(temporary, target)
    else:
        try:
            os.link(temporary, target)  # fails if the target appeared meanwhile
        except FileExistsError:
            raise FileExistsError(errno.EEXIST, "refusing to overwrite", str(target)) from None
        except OSError:
            if target.exists():
                raise FileExistsError(errno.EEXIST, "refusing to overwrite", str(target)) from None
            os.replace(temporary, target)  # filesystems without hard links
        else:
            temporary.unlink()
    fsync_directory(target.parent)


STALE_AFTER_S = 3600.0  # a temporary file of ours untouched this long: its writer died


def remove_stale_siblings(target: Path, now: float | None = None) -> list[Path]:
    """Temporary siblings of `target` left by a writer that was killed (nothing else
    could remove them), once an hour has passed since anything was written to them."""
    now = time.time() if now is None else now
    removed = []
    for candidate in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        try:
            if now - candidate.stat().st_mtime < STALE_AFTER_S:
                continue
        except OSError:
            continue
        remove_quietly(candidate)
        removed.append(candidate)
    return removed


@contextlib.contextmanager
def staged(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling of target; it is removed if the block fails. Stale ones
    of earlier, killed runs for the same target go first."""
    with contextlib.suppress(OSError):
        remove_stale_siblings(target)
    temporary = temporary_sibling(target)
    try:
        yield temporary
    except BaseException:
        remove_quietly(temporary)
        raise
    remove_quietly(temporary)


# Failures that come from where a file is written, not from what is read.
DESTINATION_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EFBIG}
)


@contextlib.contextmanager
def naming_target(target: Path) -> Iterator[None]:
    """A failure to write names the file the user asked for, not our temporary one."""
    try:
        yield
    except OSError as exc:
        if exc.filename == str(target):
            raise
        # OSError picks the subclass from the errno: EACCES stays a PermissionError.
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
