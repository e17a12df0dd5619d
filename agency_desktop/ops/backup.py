"""Consistent copies of stores: the file's bytes when they cannot change, else SQLite's online backup.

Both ways copy inside one read transaction on the source. While it is open, a
store with no WAL frames and no rollback journal (checked after it began) has a
main file that cannot change. In WAL mode a snapshot that reads WAL frames keeps
the WAL from being reset or truncated, so an empty WAL means ours reads the main
file alone, holding WAL read-lock 0, which a checkpoint must take exclusively
before it writes any page back: new commits stay in the WAL. In rollback mode our
SHARED lock keeps every writer from committing. The file's bytes are then a
consistent snapshot, copied at the speed of `cp`. When the WAL holds frames (the
latest commits live there), the connection is immutable (it was opened without
locks, where the folder cannot be written) or anything else is unclear, SQLite's
online backup copies the snapshot page by page instead. The file's size, mtime and
inode are compared before and after the byte copy too: should this process have
dropped its lock after all (closing any other descriptor of the file drops every
POSIX lock it holds on it), a write during the copy sends it the online backup's way.

On POSIX a `cp` child process copies the bytes. Closing any descriptor of a file
drops every POSIX lock this process holds on it, those of its other SQLite
connections too (an agent's session, the viewer): a writer elsewhere could then
commit under them, or delete a WAL they still use. A child's descriptors are its
own. Windows locks belong to a handle, so there the copy runs in-process.
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ..stores.file_pins import reading_bytes
from ..stores.listing import side_files
from ..stores.readonly import open_readonly, translate_errors
from ..stores.schema import quote_identifier
from ..stores.sqlite_writes import rollback_quietly, writing_to
from ..util.errors import InputError
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .atomic import (
    naming_target,
    publish,
    quick_check,
    remove_quietly,
    staged,
)

PAGES_PER_STEP = 4096
POLL_S = 0.05  # how often a running copy reports progress and notices a cancel
CHUNK_BYTES = 16 * 1024 * 1024  # per read and progress report when copying in-process
COPY_IN_CHILD = os.name != "nt"
_O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
# SQLite's locks on Windows are mandatory, on bytes at 1 GiB: a file reaching them may not read.
_WINDOWS_LOCK_OFFSET = 0x40000000

Method = Literal["file_copy", "online_backup", "snapshot"]  # snapshot: folder_backup.py
Verify = Literal["fast", "quick_check"]


@dataclass(frozen=True)
class BackupResult:
    source: Path
    path: Path
    size_bytes: int
    seconds: float
    method: Method  # how the bytes were copied (see the module docstring)


def resolve_backup_path(source: Path, destination: str | os.PathLike[str]) -> Path:
    """A directory (existing, or written with a trailing separator) gets a timestamped name."""
    text = os.fspath(destination)
    dest = Path(text)
    if dest.is_dir() or text.endswith((os.sep, "/")):
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        candidate = dest / f"{source.stem}-{stamp}{source.suffix or '.db'}"
        counter = 1
        while candidate.exists():
            candidate = dest / f"{source.stem}-{stamp}-{counter}{source.suffix or '.db'}"
            counter += 1
        return candidate
    return dest


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def backup_store(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    verify: Verify = "fast",
) -> BackupResult:
    """Copy a store to `destination` (a file, or a folder to put a timestamped file in).

    The copy is a consistent snapshot even while agents keep appending, and it
    never restarts. It is written under a temporary name, checked, then renamed
    into place. The check compares the copy with the snapshot (size, schema, and
    every table's row count and last rowid, which walks each table's smallest
    b-tree); `verify="quick_check"` also runs SQLite's quick_check, which reads
    every page and costs about as much as the copy.
    """
    started = time.monotonic()
    source = Path(source)
    target = resolve_backup_path(source, destination)
    if _same_file(source, target):
        raise InputError(f"{target}: refusing to back up a store onto itself")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target}: already exists (pass overwrite to replace it)")
    report = Reporter(progress, cancel)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = open_readonly(source)
    try:
        with staged(target) as temporary:
            method, expected = _copy(src, source, temporary, target, report)
            _verify(temporary, target, expected, thorough=verify == "quick_check")
            report.check()
            publish(temporary, target, overwrite=overwrite)
    finally:
        src.close()
    size = target.stat().st_size
    return BackupResult(source, target, size, time.monotonic() - started, method)


@dataclass(frozen=True)
class _Contents:
    """What a copy must share with the snapshot it was taken from; cheap to read."""

    page_size: int
    page_count: int
    schema: tuple[tuple[Any, ...], ...]
    tables: tuple[tuple[str, int, int | None], ...]  # name, row count, last rowid

    @property
    def size(self) -> int:
        return self.page_size * self.page_count


def _describe(conn: sqlite3.Connection) -> _Contents:
    schema = tuple(
        conn.execute("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid")
    )
    tables = tuple(
        (name, *_count_rows(conn, name))
        for kind, name, _, rootpage, _ in schema
        if kind == "table" and rootpage and "\x00" not in name  # rootpage 0: a virtual table
    )
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    return _Contents(page_size, conn.execute("PRAGMA page_count").fetchone()[0], schema, tables)


def _count_rows(conn: sqlite3.Connection, table: str) -> tuple[int, int | None]:
    """count(*) alone walks the smallest b-tree (an index if there is one); max(rowid) is one seek.

    Asked in one statement they would scan the whole table instead.
    """
    name = quote_identifier(table)
    count = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    try:
        last = conn.execute(f"SELECT max(rowid) FROM {name}").fetchone()[0]
    except sqlite3.OperationalError:  # a WITHOUT ROWID table
        last = None
    return count, last


def _copy(
    src: sqlite3.Connection, source: Path, temporary: Path, target: Path, report: Reporter
) -> tuple[Method, _Contents]:
    with translate_errors(source):
        src.execute("BEGIN")
        # The first read pins the snapshot that the copy and its check then describe.
        expected = _describe(src)
    try:
        real = source.resolve()
        before = _file_state(real)
        if not getattr(src, "immutable", True) and _file_copy_is_consistent(real, expected.size):
            _copy_file(real, temporary, target, expected, report)
            if _file_state(real) == before:  # new WAL frames or a journal do not matter
                return "file_copy", expected
            # The file moved under the copy after all: this process let go of its lock
            # (it closed another descriptor of the file), or an agent ignored it.
            remove_quietly(temporary)
        _online_backup(src, source, temporary, target, report)
        return "online_backup", expected
    finally:
        rollback_quietly(src)


def _file_state(path: Path) -> tuple[int, int, int] | None:
    """Size, mtime and inode: what any write to the main file or its replacement changes."""
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns, found.st_ino)


def _file_copy_is_consistent(source: Path, size: int) -> bool:
    """Asked inside the read transaction: see the module docstring for why this suffices."""
    wal, _, journal = side_files(source)
    if _may_have_content(wal) or _may_have_content(journal):
        return False
    if COPY_IN_CHILD and _cp() is None:
        return False
    if os.name == "nt" and size > _WINDOWS_LOCK_OFFSET:
        return False
    return source.stat().st_size >= size


def _may_have_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: assume the worst


@functools.cache
def _cp() -> str | None:
    return shutil.which("cp")


def _online_backup(
    src: sqlite3.Connection, source: Path, temporary: Path, target: Path, report: Reporter
) -> None:
    with writing_to(target):
        dst = sqlite3.connect(temporary)
        # The file is ours until it is verified and renamed: no journal or syncs while
        # filling it (one fsync before the rename is what makes it durable).
        dst.execute("PRAGMA journal_mode = OFF")
        dst.execute("PRAGMA synchronous = OFF")
    try:
        with translate_errors(source, os_errors=False), writing_to(target):
            src.backup(
                dst,
                pages=PAGES_PER_STEP,
                progress=lambda _status, remaining, total: report(
                    total - remaining, total, "pages"
                ),
            )
    finally:
        dst.close()


def _copy_file(
    source: Path, temporary: Path, target: Path, expected: _Contents, report: Reporter
) -> None:
    """The first `expected.size` bytes of the source (the file may carry unused pages after them)."""
    pages, page_size = expected.page_count, expected.page_size

    def progress(copied: int) -> None:
        report(min(copied // page_size, pages), pages, "pages")

    with naming_target(target):
        # Created here, so a folder that cannot be written fails with a plain OSError.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o644))
        progress(0)
        if COPY_IN_CHILD:
            _copy_in_child(source, temporary, progress)
        else:
            _copy_in_process(source, temporary, expected.size, progress)
        if temporary.stat().st_size > expected.size:
            os.truncate(temporary, expected.size)
    progress(expected.size)


def _copy_in_child(source: Path, temporary: Path, progress: Callable[[int], None]) -> None:
    """Run `cp`, reporting the copy's size as it grows; a cancel kills it."""
    import subprocess

    command = [_cp() or "cp", "--", str(source), str(temporary)]
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_child_environment(),
    ) as child:
        try:
            while True:
                try:
                    errors = child.communicate(timeout=POLL_S)[1]
                    break
                except subprocess.TimeoutExpired:
                    progress(temporary.stat().st_size)
        except BaseException:
            child.kill()
            raise
    if child.returncode:
        raise _copy_error(errors.decode(errors="replace"))


def _child_environment() -> dict[str, str]:
    """C messages, as the errno is read back from them; and the system's libraries, not the
    ones a frozen app bundles (PyInstaller keeps the original search path aside)."""
    env = {**os.environ, "LC_ALL": "C"}
    if getattr(sys, "frozen", False):
        original = env.pop("LD_LIBRARY_PATH_ORIG", "")
        env.pop("LD_LIBRARY_PATH", None)
        if original:
            env["LD_LIBRARY_PATH"] = original
    return env


def _copy_error(message: str) -> OSError:
    """The errno behind cp's last line ('cp: error writing ...: No space left on device')."""
    line = (message.strip().splitlines() or ["cp failed"])[-1]
    reason = line.rpartition(": ")[2]
    code = next((c for c in errno.errorcode if os.strerror(c) == reason), None)
    if code is None:
        return OSError(errno.EIO, f"copy failed ({line})")
    return OSError(code, reason)


def _copy_in_process(
    source: Path, temporary: Path, size: int, progress: Callable[[int], None]
) -> None:
    buffer = memoryview(bytearray(CHUNK_BYTES))
    copied = 0
    # Through a pin: closing a plain descriptor of the source would drop the read
    # transaction's lock that keeps writers out while it is copied (file_pins).
    with reading_bytes(source) as src, temporary.open("r+b") as dst:
        while copied < size:
            read = src.readinto(buffer[: min(CHUNK_BYTES, size - copied)])
            if not read:
                break  # shorter than expected: the check after the copy says so
            dst.write(buffer[:read])
            copied += read
            progress(copied)


def _verify(temporary: Path, target: Path, expected: _Contents, *, thorough: bool) -> None:
    """The copy must describe the snapshot it came from; thorough adds SQLite's quick_check."""
    # immutable: the file is ours alone, so no locks and no -wal/-shm beside it.
    conn = sqlite3.connect(temporary.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
    conn.text_factory = _lenient_text
    try:
        found = _describe(conn)
    except sqlite3.Error as exc:
        raise OSError(errno.EIO, f"verification failed: {exc}", str(target)) from exc
    finally:
        conn.close()
    if found != expected or temporary.stat().st_size != expected.size:
        raise OSError(
            errno.EIO, "verification failed: the copy differs from the store", str(target)
        )
    if thorough:
        quick_check(temporary)


def _lenient_text(data: bytes) -> str:
    """As the source connection decodes (open_readonly), so the two descriptions compare."""
    return data.decode("utf-8", errors="replace")
