"""Keep a folder tidy: reclaim free pages, and put stores that hold no session in the trash."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..stores.errors import StoreError
from ..stores.listing import scan_directory, side_files
from ..stores.readonly import translate_errors
from ..stores.sqlite_writes import open_for_writing
from ..util.progress import CancelToken, OperationCancelled, ProgressCallback, Reporter
from . import cleanup
from .cleanup import Trash

VACUUM_BUSY_MS = 2000
VM_STEPS = 10_000  # SQLite virtual-machine steps between looks at the cancel token


@dataclass(frozen=True)
class VacuumResult:
    path: Path
    bytes_before: int
    bytes_after: int

    @property
    def reclaimed(self) -> int:
        return max(0, self.bytes_before - self.bytes_after)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, *side_files(path)) if p.exists())


def vacuum_store(
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> VacuumResult:
    """Rebuild a store without its free pages.

    SQLite's VACUUM is itself all-or-nothing (it rewrites through the journal or
    WAL), works beside other connections, and fails with "locked" rather than
    waiting long when an agent is in the middle of writing. A cancel interrupts it
    and leaves the store as it was.
    """
    store = Path(path)
    report = Reporter(progress, cancel)
    report(0, 1, store.name)
    before = _size(store)
    conn = open_for_writing(store)
    try:
        if cancel is not None:  # SQLite asks every VM_STEPS steps; non-zero stops VACUUM
            conn.set_progress_handler(lambda: int(cancel.cancelled), VM_STEPS)
        with _cancelled_if(cancel), translate_errors(store, os_errors=False):
            conn.execute(f"PRAGMA busy_timeout = {VACUUM_BUSY_MS}")
            conn.execute("VACUUM")
        conn.set_progress_handler(None, 0)
        if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    if progress is not None:
        progress(1, 1, "done")
    return VacuumResult(store, before, _size(store))


@contextlib.contextmanager
def _cancelled_if(cancel: CancelToken | None) -> Iterator[None]:
    """An interrupted statement after a cancel is the cancel, not an error of the store."""
    try:
        yield
    except StoreError as exc:
        if cancel is not None and cancel.cancelled:
            raise OperationCancelled("cancelled") from exc
        raise


def find_empty_stores(directory: str | os.PathLike[str], recursive: bool = False) -> list[Path]:
    """Readable session stores that hold no session at all."""
    return [
        s.path for s in scan_directory(directory, recursive) if s.problem is None and not s.sessions
    ]


def remove_empty_stores(
    stores: list[Path],
    *,
    trash: Trash | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Move each store (checked again to be still empty) to the trash; returns (moved, skipped)."""
    reporter = Reporter(progress, cancel)
    trash = trash or cleanup.send_to_trash  # looked up now, so tests can replace the system trash
    moved: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for done, store in enumerate(stores):
        reporter(done, len(stores), store.name)
        reason = _why_not_empty(store)
        if reason:
            skipped.append((store, reason))
            continue
        try:
            trash([str(p) for p in (store, *side_files(store)) if p.exists()])
            moved.append(store)
        except OSError as exc:
            skipped.append((store, f"could not move it to the trash: {exc}"))
    reporter(len(stores), len(stores), "done")
    return moved, skipped


def _why_not_empty(store: Path) -> str | None:
    from ..stores.listing import read_store_sessions

    try:
        sessions = read_store_sessions(store)
    except StoreError as exc:
        return str(exc)
    return f"it holds {len(sessions)} sessions now" if sessions else None
