"""Archive members made in the worker processes: a store's snapshot, described and deflated.

Making a member is Python work per store (reading it, listing its sessions, checking
and hashing it) plus compression; done here, a chunk of stores per task, it uses both
cores, and only the deflated bytes come back to the process writing the archive.
`zipfile` can only add a member by compressing it itself, so `add_deflated` adds one
compressed elsewhere the way `ZipFile.mkdir` adds its entries (the tests pin this).
"""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from ..stores.errors import ProblemKind, StoreError
from ..stores.listing import session_activity
from ..stores.readonly import translate_errors
from ..stores.records import latest
from ..stores.schema import discover_layout
from ..stores.snapshot import open_image, read_snapshot
from .archive_format import ArchiveEntry

# zip -r's default is level 6; level 1 deflates stores about three times as fast, for an
# archive about a tenth larger (most of a small store is empty page space either way).
DEFLATE_LEVEL = 1
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry

DateTime = tuple[int, int, int, int, int, int]


@dataclass(frozen=True)
class PackedMember:
    """One store, ready to be written: its manifest entry and its deflated bytes."""

    entry: ArchiveEntry
    crc: int
    deflated: bytes
    date_time: DateTime


Packed = tuple[Path, PackedMember | None, str | None]  # a store, its member or why not


def pack_chunk(jobs: list[tuple[Path, str]]) -> list[Packed]:
    """Each (store, member name) in turn; a store that cannot be read says why."""
    packed: list[Packed] = []
    for store, name in jobs:
        try:
            packed.append((store, pack_member(store, name), None))
        except (StoreError, OSError) as exc:
            packed.append((store, None, str(exc)))
    return packed


def pack_member(store: Path, name: str) -> PackedMember:
    """The manifest entry comes from the snapshot itself: what the archive holds."""
    modified = os.stat(store).st_mtime
    data = read_snapshot(store)
    sessions, last_activity, checked = _describe_image(store, data)
    entry = ArchiveEntry(
        name=name,
        original_path=str(store.absolute()),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        sessions=sessions,
        last_activity=last_activity,
        quick_check=checked,
    )
    compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = compressor.compress(data) + compressor.flush()
    return PackedMember(entry, zlib.crc32(data), deflated, _date_time(modified))


def _describe_image(store: Path, data: bytes) -> tuple[tuple[str, ...], datetime | None, str]:
    """Its session ids, last activity and SQLite's quick_check, read from the snapshot."""
    with translate_errors(store):  # a damaged image's sqlite3 errors, named for the store
        conn = open_image(data)
    try:
        with translate_errors(store):
            layout = discover_layout(conn)
            if not layout.is_store:
                raise StoreError(store, ProblemKind.NOT_A_STORE)
            activity = [
                found
                for pair in layout.pairs
                for found in session_activity(conn, pair, layout.pairs, len(data))
            ]
            checked = str(conn.execute("PRAGMA quick_check").fetchall()[0][0])
    finally:
        # A fresh connection per snapshot: one deserialized into again crashed SQLite
        # 3.40 in pragma_table_info (a table-valued function kept from the last schema).
        conn.close()
    sessions = tuple(sorted({session_id for session_id, _ in activity}))
    return sessions, latest(*(last for _, last in activity)), checked


def _date_time(timestamp: float) -> DateTime:
    stamp = cast(DateTime, tuple(time.localtime(timestamp)[:6]))
    return max(stamp, _ZIP_EPOCH)


def add_deflated(archive: zipfile.ZipFile, member: PackedMember) -> None:
    """Write a member deflated elsewhere: its local header, then its bytes, recorded for
    the central directory `ZipFile.close` writes (the same steps as `ZipFile.mkdir`)."""
    info = zipfile.ZipInfo(member.entry.name, member.date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # a regular file, rw-r--r--
    info.CRC = member.crc
    info.file_size = member.entry.size_bytes
    info.compress_size = len(member.deflated)
    writer = cast(Any, archive)  # zipfile's own bookkeeping, as its methods keep it
    with writer._lock:
        if writer._seekable:
            writer.fp.seek(writer.start_dir)
        info.header_offset = writer.fp.tell()
        writer._writecheck(info)
        writer._didModify = True
        writer.fp.write(info.FileHeader())
        writer.fp.write(member.deflated)
        writer.filelist.append(info)
        writer.NameToInfo[info.filename] = info
        writer.start_dir = writer.fp.tell()
