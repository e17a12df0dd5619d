"""What an archive made by `backup_archive` holds, and how to check one.

The manifest says what each member is, where it came from, its SHA-256 and its
sessions; a restore reads it to check what it unpacks, and `verify_archive` checks
a whole archive against it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ..stores.file_pins import reading_bytes
from ..util.errors import InputError

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


def inflate_problems(names: list[str], path: Path) -> list[str]:
    """Each named member inflated to its end, where zipfile checks it against its CRC (a
    share of `testzip`'s work, for a worker process)."""
    problems = []
    try:
        with zipfile.ZipFile(path) as archive:
            for name in names:
                try:
                    with archive.open(name) as member:
                        while member.read(_CHUNK):
                            pass
                except ZIP_READ_ERRORS as exc:
                    problems.append(f"{name}: damaged ({exc})")
    except ZIP_READ_ERRORS as exc:
        problems.append(f"{path}: cannot be read as a zip archive ({exc})")
    return problems
