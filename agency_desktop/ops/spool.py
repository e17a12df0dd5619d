"""A worker's part of a long export handed over as a file, not through the pool's pipe.

A worker process that renders a run of a long export writes the run into a hidden file
beside the export's target, and the exporting process appends that file to the export
inside the kernel (copy_file_range). Passed back through the pipe instead, unpickled,
encoded and written, a 400 MB page cost the exporting process a second of CPU while both
cores were busy rendering (and a 200 MB JSONL export a third of that). A part is named after the export's temporary file, so the
export removes what it left however it stopped (`remove_parts`), and a killed export's
parts are swept with its temporary file (atomic.remove_stale_siblings).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

SPOOL_MIN_CHARS = 64 * 1024  # shorter text goes back through the pipe as it is
# copy_file_range cannot copy between these two files: copy through this process instead.
_NO_KERNEL_COPY = frozenset({errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP})


@dataclass(frozen=True)
class Spooled:
    """Text of an export written to `path`, in UTF-8, for the exporting process to append."""

    path: str

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def spool(text: str, temporary: str) -> str | Spooled:
    """`text` in a part file beside `temporary` (the export's file being written), if long."""
    if len(text) < SPOOL_MIN_CHARS:
        return text
    part = Path(f"{temporary}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(part, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    return Spooled(str(part))


def remove_parts(temporary: Path) -> None:
    """Remove the parts spooled for the export being written to `temporary` that are left."""
    for part in temporary.parent.glob(f"{glob.escape(temporary.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            part.unlink()


def write_chunk(handle: IO[str], chunk: str | Spooled) -> None:
    """Write a chunk of an export: text, or a spooled part (appended, then removed)."""
    if isinstance(chunk, str):
        handle.write(chunk)
        return
    try:
        handle.flush()  # what was written before the part goes before it
        with open(chunk.path, "rb") as part:
            _append(part, handle)
    finally:
        chunk.discard()


def _append(part: IO[bytes], handle: IO[str]) -> None:
    source, target = part.fileno(), handle.fileno()
    copy_file_range = getattr(os, "copy_file_range", None)  # Linux only
    while copy_file_range is not None:
        try:
            if copy_file_range(source, target, 1 << 30) == 0:
                return
        except OSError as exc:
            if exc.errno not in _NO_KERNEL_COPY:
                raise
            break
    shutil.copyfileobj(part, handle.buffer)  # type: ignore[attr-defined]
    handle.flush()
