"""Consistent copies of stores through SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..sessions.readonly import open_readonly, translate_errors
from .atomic import publish, quick_check, rollback_quietly, staged, writing_to
from .progress import CancelToken, ProgressCallback, Reporter

PAGES_PER_STEP = 4096


@dataclass(frozen=True)
class BackupResult:
    source: Path
    path: Path
    size_bytes: int
    seconds: float


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
) -> BackupResult:
    """Copy a store to `destination` (a file, or a folder to put a timestamped file in).

    The copy is taken inside one read transaction on the source, so it is a
    consistent snapshot even while agents keep appending (WAL readers never
    block writers), and the backup never restarts. It is written under a
    temporary name, checked with quick_check, then renamed into place.
    """
    started = time.monotonic()
    source = Path(source)
    target = resolve_backup_path(source, destination)
    if _same_file(source, target):
        raise ValueError(f"{target}: refusing to back up a store onto itself")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target}: already exists (pass overwrite to replace it)")
    report = Reporter(progress, cancel)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = open_readonly(source)
    try:
        with staged(target) as temporary:
            _copy(src, source, temporary, target, report)
            quick_check(temporary)
            report.check()
            publish(temporary, target, overwrite=overwrite)
    finally:
        src.close()
    return BackupResult(source, target, target.stat().st_size, time.monotonic() - started)


def _copy(
    src: sqlite3.Connection, source: Path, temporary: Path, target: Path, report: Reporter
) -> None:
    with translate_errors(source):
        src.execute("BEGIN")
        # The first read pins the snapshot that every backup step then copies.
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
    try:
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
    finally:
        rollback_quietly(src)
