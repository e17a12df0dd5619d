"""Back up many stores into one self-checking zip archive.

Each store is read as one consistent snapshot (stores/snapshot.py) even while agents
keep writing. Small stores become members in the worker processes, a chunk at a time
(archive_members.py: described, hashed and deflated there, written here in order);
larger ones are copied by `backup_store` and compressed here. The manifest (what each
member is, where it came from, its SHA-256 and sessions; archive_format.py) is
written last, and the archive is checked before it appears under its final name.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from .. import __version__
from ..stores import parallel
from ..stores.errors import StoreError
from ..stores.listing import read_store_sessions
from ..stores.records import latest
from ..util.errors import InputError
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .archive_format import (
    ARCHIVE_FORMAT,
    FORMAT_VERSION,
    MANIFEST_NAME,
    ZIP_READ_ERRORS,
    ArchiveEntry,
    file_sha256,
    inflate_problems,
    read_manifest,
)
from .archive_members import DEFLATE_LEVEL, Packed, add_deflated, pack_chunk
from .atomic import DESTINATION_ERRNOS, naming_target, publish, quick_check, staged
from .backup import backup_store
from .folder_backup import finished as _finished
from .folder_backup import is_small

CHUNK = 32  # stores per task of a worker process


@dataclass(frozen=True)
class ArchiveResult:
    path: Path
    entries: tuple[ArchiveEntry, ...]
    failures: tuple[tuple[Path, str], ...]
    size_bytes: int
    seconds: float


def backup_archive(
    stores: Sequence[Path],
    archive_path: Path,
    *,
    root: Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ArchiveResult:
    """Write one zip holding a consistent copy of each store, plus manifest.json.

    The zip is written under a temporary name beside the target, checked and only then
    published. A failure or cancel leaves nothing behind; a store that cannot be read
    is skipped and listed in the manifest.
    """
    started = time.monotonic()
    archive_path = Path(archive_path)
    if not stores:
        raise InputError("no stores to archive")
    if os.path.lexists(archive_path):
        raise FileExistsError(errno.EEXIST, "refusing to overwrite", str(archive_path))
    paths = [Path(store) for store in stores]
    jobs = list(zip(paths, archive_names(paths, root), strict=True))
    report = Reporter(progress, cancel)
    with (
        naming_target(archive_path),
        _folder_for(archive_path.parent),
        staged(archive_path) as temporary,
    ):
        written = _write_archive(temporary, jobs, report)
        report(len(jobs), len(jobs) + 1, "verifying")
        _require_sound(temporary, archive_path, written)
        report.check()
        publish(temporary, archive_path, overwrite=False)
    _finished(progress, len(jobs) + 1)
    size = archive_path.stat().st_size
    return ArchiveResult(
        archive_path, written.entries, written.failures, size, time.monotonic() - started
    )


@dataclass
class _Written:
    """What went into an archive: its members' entries and CRCs, and the stores skipped."""

    entries: tuple[ArchiveEntry, ...] = ()
    failures: tuple[tuple[Path, str], ...] = ()
    crcs: dict[str, int] = field(default_factory=dict)


def _write_archive(temporary: Path, jobs: list[tuple[Path, str]], report: Reporter) -> _Written:
    """Members in the order of the stores, small ones deflated by the worker processes."""
    order = {store: number for number, (store, _) in enumerate(jobs)}
    entries: dict[Path, ArchiveEntry] = {}
    failures: dict[Path, str] = {}
    crcs: dict[str, int] = {}
    small: list[tuple[Path, str]] = []
    large: list[tuple[Path, str]] = []
    for job in jobs:  # one stat a store
        (small if is_small(job[0]) else large).append(job)
    report(0, len(jobs) + 1, "reading the stores")
    with zipfile.ZipFile(
        temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=DEFLATE_LEVEL
    ) as archive:
        for store, member, failure in _packed(small, report):
            if member is None:
                failures[store] = failure or "failed"
            else:
                add_deflated(archive, member)
                entries[store], crcs[member.entry.name] = member.entry, member.crc
            report(len(entries) + len(failures), len(jobs) + 1, f"archived {store.name}")
        for store, name in large:
            entry = _add_large(archive, store, name, temporary.parent, failures)
            if entry is not None:
                entries[store], crcs[name] = entry, archive.getinfo(name).CRC
            report(len(entries) + len(failures), len(jobs) + 1, f"archived {name}")
        if not entries:
            raise InputError("no store could be copied: " + "; ".join(failures.values()))
        written = _Written(
            tuple(entries[s] for s in sorted(entries, key=order.__getitem__)),
            tuple((s, failures[s]) for s in sorted(failures, key=order.__getitem__)),
            crcs,
        )
        archive.writestr(MANIFEST_NAME, json.dumps(_manifest(written), indent=2))
    return written


def _packed(jobs: list[tuple[Path, str]], report: Reporter) -> Iterator[Packed]:
    if len(jobs) <= CHUNK:  # not worth starting processes for: here, one by one
        for job in jobs:
            report.check()
            yield from pack_chunk([job])
        return
    for chunk in parallel.map_ordered(pack_chunk, parallel.chunked(jobs, CHUNK)):
        yield from chunk  # a cancel raised from report() closes this: no more chunks go out


def _add_large(
    archive: zipfile.ZipFile, store: Path, name: str, folder: Path, failures: dict[Path, str]
) -> ArchiveEntry | None:
    """A store too big to hold in memory: copied by backup_store beside the archive (not
    into a small /tmp), then compressed from the copy."""
    with tempfile.TemporaryDirectory(prefix=".agency-archive-", suffix=".tmp", dir=folder) as tmp:
        copy = Path(tmp) / "store.db"
        try:
            backup_store(store, copy)
            entry = _describe_copy(store, name, copy)
        except OSError as exc:
            if exc.errno in DESTINATION_ERRNOS:
                raise  # the archive's own folder is full or closed: no store would fare better
            failures[store] = str(exc)
            return None
        except StoreError as exc:
            failures[store] = str(exc)
            return None
        archive.write(copy, name)
    return entry


def archive_names(stores: Sequence[Path], root: Path | None) -> list[str]:
    """Member names: the path under `root` (or the bare file name), made unique.

    A store outside `root` is a caller's mistake, reported before any work starts.
    """
    names: list[str] = []
    taken: set[str] = {MANIFEST_NAME}
    # Strings, not Path.relative_to: that cost 50 µs a store, half a second for 10,000.
    inside = None if root is None else os.path.join(os.path.abspath(root), "")
    for store in stores:
        if inside is None:
            name = store.name
        else:
            absolute = os.path.abspath(store)
            if not absolute.startswith(inside):
                raise InputError(f"{store}: not inside {root}")
            name = PurePath(absolute[len(inside) :]).as_posix()
        name = _unique_name(name, taken)
        taken.add(name.casefold())
        names.append(name)
    return names


def _unique_name(name: str, taken: set[str]) -> str:
    """Two stores called plain.db (from different folders) become plain.db and plain-2.db.

    Compared case-insensitively, so the archive unpacks on Windows and macOS too.
    """
    path = PurePosixPath(name)
    candidate, counter = name, 2
    while candidate.casefold() in taken:
        candidate = str(path.with_name(f"{path.stem}-{counter}{path.suffix}"))
        counter += 1
    return candidate


@contextlib.contextmanager
def _folder_for(folder: Path) -> Iterator[None]:
    """Create a missing folder; if the block fails, remove the folders it created (when empty)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        for created in missing:  # deepest first
            with contextlib.suppress(OSError):
                created.rmdir()
        raise


def _describe_copy(store: Path, name: str, copy: Path) -> ArchiveEntry:
    """Sessions and checks come from the copy: what the archive holds, not what the store holds now.

    The checksum is taken last, after the readers that open the copy have closed.
    """
    sessions = read_store_sessions(copy)
    checked = _quick_check_result(copy)
    return ArchiveEntry(
        name=name,
        original_path=str(store.absolute()),
        size_bytes=copy.stat().st_size,
        sha256=file_sha256(copy),
        sessions=tuple(sorted({s.session_id for s in sessions})),
        last_activity=latest(*(s.updated_at for s in sessions)),
        quick_check=checked,
    )


def _quick_check_result(path: Path) -> str:
    try:
        quick_check(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    return "ok"


def _manifest(written: _Written) -> dict[str, Any]:
    return {
        "format": ARCHIVE_FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "app_version": __version__,
        "files": [entry.as_manifest() for entry in written.entries],
        "skipped": [{"path": str(path), "reason": reason} for path, reason in written.failures],
    }


def _require_sound(temporary: Path, archive_path: Path, written: _Written) -> None:
    problems = check_written(temporary, written)
    if problems:
        detail = "; ".join(problems[:3])
        raise OSError(errno.EIO, f"archive verification failed: {detail}", str(archive_path))


def check_written(path: Path, written: _Written) -> list[str]:
    """The archive as written: its manifest lists what was meant, every member is there
    with the CRC of the bytes read from its store, and every member's bytes inflate to
    that CRC (in the worker processes: it is `testzip`, on both cores). The SHA-256 of
    each snapshot was taken from the same bytes as its CRC; hashing each member again
    would prove nothing more."""
    try:
        with zipfile.ZipFile(path) as archive:
            listed = [entry.name for entry in read_manifest(archive)]
            crcs = {info.filename: info.CRC for info in archive.infolist()}
    except (ValueError, *ZIP_READ_ERRORS) as exc:
        return [f"{path}: cannot be read back ({exc})"]
    problems = [] if listed == [e.name for e in written.entries] else ["the manifest is wrong"]
    problems += [
        f"{name}: its CRC is not that of the bytes read"
        for name, crc in written.crcs.items()
        if crcs.get(name) != crc
    ]
    names = sorted(crcs, key=lambda name: name != MANIFEST_NAME)
    if len(names) <= CHUNK:
        return problems + inflate_problems(names, path)
    # Few, large shares: each opens the zip, which reads its whole central directory.
    share = -(-len(names) // (2 * parallel.worker_count()))
    for found in parallel.map_ordered(inflate_problems, parallel.chunked(names, share), path):
        problems += found
    return problems
