"""Back up many stores at once: into a folder, or into one self-checking zip archive.

Every copy is taken with `backup_store`, so each is a consistent snapshot even
while agents keep writing. The archive carries a manifest (what each member
is, where it came from, its SHA-256 and sessions) so a restore can check what
it unpacks, and it is verified before it appears under its final name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from .. import __version__
from ..stores.errors import StoreError
from ..stores.file_pins import reading_bytes
from ..stores.listing import read_store_sessions
from ..stores.records import latest
from ..util.errors import InputError
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .atomic import DESTINATION_ERRNOS, naming_target, publish, quick_check, staged
from .backup import backup_store
from .folder_backup import finished as _finished

MANIFEST_NAME = "manifest.json"
ARCHIVE_FORMAT = "agency-desktop-archive"
FORMAT_VERSION = 1
_CHUNK = 1 << 20
# What reading a damaged zip member can raise besides a clean BadZipFile.
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


@dataclass(frozen=True)
class ArchiveEntry:
    """One store inside an archive, as the manifest records it."""

    name: str
    original_path: str
    size_bytes: int
    sha256: str
    sessions: tuple[str, ...]
    last_activity: datetime | None
    quick_check: str

    def as_manifest(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "original_path": self.original_path,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "sessions": list(self.sessions),
            "last_activity": self.last_activity.isoformat() if self.last_activity else None,
            "quick_check": self.quick_check,
        }

    @classmethod
    def from_manifest(cls, data: Any) -> ArchiveEntry:
        """Read one manifest entry; ValueError when a field is missing or of the wrong type."""
        if not isinstance(data, dict):
            raise InputError("a manifest entry is not an object")
        name, sha, size = data.get("name"), data.get("sha256"), data.get("size_bytes")
        sessions, last = data.get("sessions", []), data.get("last_activity")
        if not (isinstance(name, str) and isinstance(sha, str) and isinstance(size, int)):
            raise InputError(f"manifest entry {name!r} lacks a name, sha256 or size_bytes")
        if not isinstance(sessions, list) or not isinstance(last, str | None):
            raise InputError(f"manifest entry {name!r} has malformed sessions or last_activity")
        return cls(
            name=name,
            original_path=str(data.get("original_path", "")),
            size_bytes=size,
            sha256=sha,
            sessions=tuple(str(s) for s in sessions),
            last_activity=datetime.fromisoformat(last) if last else None,
            quick_check=str(data.get("quick_check", "")),
        )


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

    Copies are made first (into a scratch folder beside the archive, so a large
    backup does not fill a small /tmp), then zipped under a temporary name,
    verified and only then published. A failure or cancel leaves nothing behind;
    a store that cannot be copied is skipped and listed in the manifest.
    """
    started = time.monotonic()
    archive_path = Path(archive_path)
    if not stores:
        raise InputError("no stores to archive")
    if os.path.lexists(archive_path):
        raise FileExistsError(errno.EEXIST, "refusing to overwrite", str(archive_path))
    names = archive_names([Path(s) for s in stores], root)
    report = Reporter(progress, cancel)
    steps = 2 * len(stores) + 1
    with (
        naming_target(archive_path),
        _folder_for(archive_path.parent),
        tempfile.TemporaryDirectory(
            prefix=".agency-archive-", suffix=".tmp", dir=archive_path.parent
        ) as scratch,
    ):
        copies, failures = _copy_stores(stores, names, Path(scratch), report, steps, cancel=cancel)
        if not copies:
            raise InputError("no store could be copied: " + "; ".join(m for _, m in failures))
        with staged(archive_path) as temporary:
            _write_zip(temporary, copies, failures, report, steps)
            report(steps - 1, steps, "verifying")
            _require_sound(temporary, archive_path)
            report.check()
            publish(temporary, archive_path, overwrite=False)
    _finished(progress, steps)
    entries = tuple(entry for entry, _ in copies)
    size = archive_path.stat().st_size
    return ArchiveResult(archive_path, entries, tuple(failures), size, time.monotonic() - started)


def archive_names(stores: Sequence[Path], root: Path | None) -> list[str]:
    """Member names: the path under `root` (or the bare file name), made unique.

    A store outside `root` is a caller's mistake, reported before any work starts.
    """
    names: list[str] = []
    taken: set[str] = {MANIFEST_NAME}
    for store in stores:
        if root is None:
            name = store.name
        else:
            try:
                name = store.absolute().relative_to(Path(root).absolute()).as_posix()
            except ValueError:
                raise InputError(f"{store}: not inside {root}") from None
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


def _copy_stores(
    stores: Sequence[Path],
    names: list[str],
    scratch: Path,
    report: Reporter,
    steps: int,
    *,
    cancel: CancelToken | None,
) -> tuple[list[tuple[ArchiveEntry, Path]], list[tuple[Path, str]]]:
    copies: list[tuple[ArchiveEntry, Path]] = []
    failures: list[tuple[Path, str]] = []
    for index, (store, name) in enumerate(zip(stores, names, strict=True)):
        report(index, steps, f"copying {name}")
        copy = scratch / f"{index:05d}.db"
        try:
            backup_store(store, copy, cancel=cancel)
            copies.append((_describe_copy(Path(store), name, copy), copy))
        except OSError as exc:
            if exc.errno in DESTINATION_ERRNOS:
                raise  # the archive's own folder is full or closed: no store would fare better
            failures.append((Path(store), str(exc)))
        except StoreError as exc:
            failures.append((Path(store), str(exc)))
    return copies, failures


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


def file_sha256(path: Path) -> str:
    # Through a pin: the file may be a store this process is viewing (file_pins).
    with reading_bytes(path) as handle:
        return stream_sha256(handle)


def stream_sha256(handle: IO[bytes] | io.RawIOBase, sink: IO[bytes] | None = None) -> str:
    """Hash a stream in chunks (stores can be gigabytes), copying it to `sink` on the way."""
    digest = hashlib.sha256()
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest()


def _manifest(
    copies: list[tuple[ArchiveEntry, Path]], failures: list[tuple[Path, str]]
) -> dict[str, Any]:
    return {
        "format": ARCHIVE_FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "app_version": __version__,
        "files": [entry.as_manifest() for entry, _ in copies],
        "skipped": [{"path": str(path), "reason": reason} for path, reason in failures],
    }


def _write_zip(
    temporary: Path,
    copies: list[tuple[ArchiveEntry, Path]],
    failures: list[tuple[Path, str]],
    report: Reporter,
    steps: int,
) -> None:
    """The manifest goes in first, so a reader finds it without scanning the whole archive."""
    first = steps - 1 - len(copies)
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_NAME, json.dumps(_manifest(copies, failures), indent=2))
        for index, (entry, copy) in enumerate(copies):
            report(first + index, steps, f"compressing {entry.name}")
            archive.write(copy, entry.name)


def _require_sound(temporary: Path, archive_path: Path) -> None:
    problems = verify_archive(temporary)
    if problems:
        detail = "; ".join(problems[:3])
        raise OSError(errno.EIO, f"archive verification failed: {detail}", str(archive_path))


# --- reading and checking an archive -------------------------------------------------------


def read_manifest(archive: zipfile.ZipFile) -> tuple[ArchiveEntry, ...]:
    """The entries of an archive made by `backup_archive`; ValueError for anything else."""
    try:
        data = json.loads(archive.read(MANIFEST_NAME))
    except KeyError:
        raise InputError(f"no {MANIFEST_NAME}: not an Agency Desktop backup archive") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{MANIFEST_NAME} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != ARCHIVE_FORMAT:
        raise InputError(f"{MANIFEST_NAME} does not describe an Agency Desktop backup archive")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InputError(f"archive format version {version!r} is not supported by this version")
    files = data.get("files")
    if not isinstance(files, list):
        raise InputError(f"{MANIFEST_NAME} has no list of files")
    return tuple(ArchiveEntry.from_manifest(item) for item in files)


def verify_archive(path: Path) -> list[str]:
    """Every problem found in an archive (CRC, manifest, checksums); an empty list means sound."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _archive_problems(archive)
    except ZIP_READ_ERRORS as exc:
        return [f"{path}: cannot be read as a zip archive ({exc})"]


def _archive_problems(archive: zipfile.ZipFile) -> list[str]:
    problems = _crc_problems(archive)
    try:
        entries = read_manifest(archive)
    except (ValueError, *ZIP_READ_ERRORS) as exc:
        return [*problems, str(exc)]
    members = set(archive.namelist())
    for entry in entries:
        if entry.name not in members:
            problems.append(f"{entry.name}: listed in the manifest but not in the archive")
        else:
            problems.extend(_entry_problems(archive, entry))
    listed = {entry.name for entry in entries} | {MANIFEST_NAME}
    problems.extend(f"{name}: not listed in the manifest" for name in sorted(members - listed))
    return problems


def _crc_problems(archive: zipfile.ZipFile) -> list[str]:
    try:
        bad = archive.testzip()
    except ZIP_READ_ERRORS as exc:  # testzip only turns BadZipFile into a name
        return [f"the archive is damaged ({exc})"]
    return [f"{bad}: damaged (its CRC does not match)"] if bad else []


def _entry_problems(archive: zipfile.ZipFile, entry: ArchiveEntry) -> list[str]:
    try:
        with archive.open(entry.name) as member:
            digest = stream_sha256(member)
    except ZIP_READ_ERRORS as exc:
        return [f"{entry.name}: cannot be read ({exc})"]
    problems = []
    if digest != entry.sha256:
        problems.append(f"{entry.name}: sha256 does not match the manifest")
    if archive.getinfo(entry.name).file_size != entry.size_bytes:
        problems.append(f"{entry.name}: size does not match the manifest")
    return problems
