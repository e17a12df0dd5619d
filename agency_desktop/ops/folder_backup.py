"""Back up a folder of small stores at copy speed: a snapshot each, one sync, a manifest.

`backup_store` is built for one store of any size; over a folder of 10,000 small ones its
per-file costs (a `cp` child process, reopening the copy to check it, two fsyncs) made a
folder backup 200 times slower than `cp -r` and `sync`. Here each small store is read
as one consistent state (stores/snapshot.py: the file's bytes under a read lock when
no connection has it open, else SQLite's own serialization of one read transaction),
checked (the header's page size times page count is what was read), written under a
temporary name, its size checked, then renamed. Durability comes
once for the whole folder: one `syncfs` (or `sync`), then a manifest of every copy with
its size and SHA-256, written last, so a folder with its manifest is known complete.
A SIGKILL at any moment leaves no partial file under a final name (only the hidden
temporaries, which the next backup into the folder removes). The worker processes share
the work (stores/parallel.py), a chunk of stores each, results in order.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..stores import parallel
from ..stores.errors import StoreError
from ..stores.snapshot import read_snapshot
from ..util.progress import CancelToken, OperationCancelled, ProgressCallback, Reporter
from .atomic import (
    fsync_directory,
    fsync_file,
    remove_quietly,
    remove_stale_siblings,
    temporary_sibling,
)
from .backup import BackupResult, backup_store, resolve_backup_path

SMALL_STORE_BYTES = 32 * 1024 * 1024  # larger stores go through backup_store, page by page
CHUNK = 32  # stores per task of a worker process: progress every few milliseconds
MANIFEST_PREFIX = "backup-manifest-"


@dataclass(frozen=True)
class Copied:
    result: BackupResult
    sha256: str


def is_small(store: Path) -> bool:
    try:
        return store.stat().st_size <= SMALL_STORE_BYTES
    except OSError:
        return False


def write_copy(data: bytes, target: Path, overwrite: bool) -> Path:
    """Write under a temporary name, check the file holds every byte, then take the final
    name (a timestamped one beside it when taken and not to be overwritten)."""
    temporary = temporary_sibling(target)
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(temporary, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if os.fstat(fd).st_size != len(data):
                raise OSError(errno.EIO, "the copy is not the size written", str(target))
        finally:
            os.close(fd)
        return _take_name(temporary, target, overwrite)
    except BaseException:
        remove_quietly(temporary)
        raise


def remove_stale_temporaries(folders: set[Path]) -> None:
    """Hidden temporaries of a backup killed an hour or more ago: once per folder, not
    per copy (a glob per file cost more than the copy)."""
    for folder in folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    remove_stale_siblings(folder / entry.name[1:].rsplit(".", 2)[0])


def _take_name(temporary: Path, target: Path, overwrite: bool) -> Path:
    if overwrite:
        os.replace(temporary, target)
        return target
    for candidate in (target, resolve_backup_path(target, target.parent)):
        try:
            os.link(temporary, candidate)  # fails when the name is taken, never clobbers
        except FileExistsError:
            continue
        temporary.unlink()
        return candidate
    raise FileExistsError(17, "no free name", str(target))


def back_up_small(store: Path, target: Path, overwrite: bool) -> Copied:
    started = time.monotonic()
    data = read_snapshot(store)
    path = write_copy(data, target, overwrite)
    result = BackupResult(store, path, len(data), time.monotonic() - started, "snapshot")
    return Copied(result, hashlib.sha256(data).hexdigest())


Done = tuple[Path, Copied | None, str | None]  # a store, and its copy or why there is none


def copy_chunk(jobs: list[tuple[Path, Path]], overwrite: bool) -> list[Done]:
    """Copy each (store, target) in turn (in a worker process)."""
    done: list[Done] = []
    for store, target in jobs:
        try:
            done.append((store, back_up_small(store, target, overwrite), None))
        except (StoreError, OSError) as exc:
            done.append((store, None, str(exc)))
    return done


def copy_all(
    jobs: Sequence[tuple[Path, Path]],
    overwrite: bool,
    on_done: Callable[[Path, Copied | None, str | None], None],
    cancel: CancelToken | None,
) -> None:
    """Each (store, target), a chunk at a time in the worker processes (the per-store work
    is Python holding the GIL: threads shared one core). A cancel stops handing out
    chunks; those being copied finish (each copy is whole, or it is not there)."""

    def stop() -> bool:
        return cancel is not None and cancel.cancelled

    if len(jobs) <= CHUNK:  # not worth starting processes for: here, one by one
        chunks: Iterator[list[Done]] = (copy_chunk([job], overwrite) for job in jobs if not stop())
    else:
        chunks = parallel.map_ordered(
            copy_chunk, parallel.chunked(jobs, CHUNK), overwrite, stop=stop
        )
    copied = 0
    for results in chunks:
        for store, copy, failure in results:
            on_done(store, copy, failure)
        copied += len(results)
    if copied < len(jobs):
        raise OperationCancelled("cancelled")


def make_durable(destination: Path, folders: set[Path]) -> None:
    """Everything written below `destination` on disk: one syncfs where Linux has it (the
    destination's filesystem only), else a sync; then the folders' entries."""
    if not _syncfs(destination) and hasattr(os, "sync"):
        os.sync()
    for folder in sorted(folders):
        fsync_directory(folder)


def _syncfs(folder: Path) -> bool:
    name = ctypes.util.find_library("c")
    if name is None or not hasattr(os, "O_DIRECTORY"):
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    if not hasattr(libc, "syncfs"):
        return False
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return bool(libc.syncfs(fd) == 0)
    finally:
        os.close(fd)


def write_manifest(
    destination: Path, copies: list[Copied], failures: list[tuple[Path, str]]
) -> Path:
    """The list of what this backup holds, written last (after the copies are durable)."""
    stamp = datetime.now(UTC)
    document: dict[str, Any] = {
        "format": "agency-desktop-folder-backup",
        "version": 1,
        "created": stamp.isoformat(),
        "copies": [
            {
                "path": c.result.path.relative_to(destination).as_posix(),
                "source": str(c.result.source),
                "size_bytes": c.result.size_bytes,
                "sha256": c.sha256,
            }
            for c in copies
        ],
        "failures": [{"source": str(path), "reason": reason} for path, reason in failures],
    }
    target = destination / f"{MANIFEST_PREFIX}{stamp:%Y%m%d-%H%M%S-%f}.json"
    temporary = temporary_sibling(target)
    try:
        temporary.write_text(json.dumps(document, indent=1), encoding="utf-8")
        fsync_file(temporary)
        os.replace(temporary, target)
    except BaseException:
        remove_quietly(temporary)
        raise
    fsync_directory(destination)
    return target


# --- the folder's backup, as `agency-sessions backup DIR DEST` and the app make it


@dataclass
class BackupSummary:
    """What `backup_many` copied, and the stores it could not copy (with the reason)."""

    destination: Path
    results: list[BackupResult] = field(default_factory=list)
    failures: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0
    manifest: Path | None = None  # the list of the copies, with sizes and SHA-256 sums

    @property
    def total_bytes(self) -> int:
        return sum(result.size_bytes for result in self.results)


def backup_many(
    stores: Sequence[Path],
    destination: Path,
    *,
    root: Path | None = None,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> BackupSummary:
    """Back up each store into `destination`, keeping file names; one bad store skips only itself.

    With a `root`, stores under it keep their folders below it (a recursive folder's
    layout). A name already taken in the destination gets a timestamped name beside
    it, unless `overwrite` says to replace it. Small stores are copied as snapshots in
    the worker processes, made durable with one sync and listed in a manifest written last
    (folder_backup.py); large ones by `backup_store`. A cancel stops handing out stores;
    the copies finished so far stay (complete, synced and in the manifest).
    """
    started = time.monotonic()
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    summary = BackupSummary(destination)
    jobs = _with_target_folders([Path(store) for store in stores], destination, root)
    small: list[tuple[Path, Path]] = []
    large: list[tuple[Path, Path]] = []
    for store, folder in jobs:  # one stat a store
        if is_small(store):
            small.append((store, folder / store.name))
        else:
            large.append((store, folder))
    copies: list[Copied] = []
    folders = {target.parent for _, target in small}
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folders)

    def done(store: Path, copied: Copied | None, failure: str | None) -> None:
        if copied is not None:
            copies.append(copied)
            summary.results.append(copied.result)
        else:
            summary.failures.append((store, failure or "failed"))
        count = len(summary.results) + len(summary.failures)
        if progress is not None:
            progress(count, len(jobs), store.name)

    try:
        copy_all(small, overwrite, done, cancel)
        report = Reporter(None, cancel)
        for store, folder in large:
            report.check()
            try:
                summary.results.append(_backup_keeping_name(store, folder, overwrite, cancel))
            except (StoreError, OSError) as exc:
                summary.failures.append((store, str(exc)))
            done_count = len(summary.results) + len(summary.failures)
            if progress is not None:
                progress(done_count, len(jobs), store.name)
    finally:
        order = {store: number for number, (store, _) in enumerate(jobs)}  # small ones first,
        summary.results.sort(key=lambda result: order.get(result.source, 0))  # then large
        summary.failures.sort(key=lambda failure: order.get(failure[0], 0))
        copies.sort(key=lambda copied: order.get(copied.result.source, 0))
        _seal(destination, copies, summary)
    finished(progress, len(jobs))
    summary.seconds = time.monotonic() - started
    return summary


def _with_target_folders(
    stores: list[Path], destination: Path, root: Path | None
) -> list[tuple[Path, Path]]:
    """Each store with the folder its copy goes into, worked out once per folder of
    stores (pathlib's relative_to cost half a second over 10,000 stores of one folder,
    on the thread the window shares the GIL with)."""
    folders: dict[Path, Path] = {}
    jobs = []
    for store in stores:
        parent = store.parent
        folder = folders.get(parent)
        if folder is None:
            folder = folders[parent] = _target_folder(parent, destination, root)
        jobs.append((store, folder))
    return jobs


def _target_folder(parent: Path, destination: Path, root: Path | None) -> Path:
    if root is not None and parent.is_relative_to(root):
        return destination / parent.relative_to(root)
    return destination


def _seal(destination: Path, copies: list[Copied], summary: BackupSummary) -> None:
    """What was copied, on disk, then listed: also when a cancel or a failure cut it short."""
    if not copies:
        return
    make_durable(destination, {c.result.path.parent for c in copies})
    summary.manifest = write_manifest(destination, copies, summary.failures)


def _backup_keeping_name(
    store: Path, folder: Path, overwrite: bool, cancel: CancelToken | None
) -> BackupResult:
    """The store's own name if free (or to be overwritten); otherwise the timestamped name
    backup_store picks in a folder.

    Without `overwrite` backup_store never replaces a file, so a name taken between the
    check and the write fails with FileExistsError and falls back to a timestamped name.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / store.name
    if overwrite or not os.path.lexists(target):
        with contextlib.suppress(FileExistsError):
            return backup_store(store, target, overwrite=overwrite, cancel=cancel)
    return backup_store(store, folder, cancel=cancel)


def finished(progress: ProgressCallback | None, total: int) -> None:
    """The last report skips the cancel check: the work is done and must not be reported as cancelled."""
    if progress is not None:
        progress(total, total, "done")


# --- one zip archive -----------------------------------------------------------------------
