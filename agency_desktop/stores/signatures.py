"""A store file's signature: what says its sessions may have changed since last read."""

from __future__ import annotations

import os
import time

# Size and mtime (ns) of the store, of its WAL, and the store's inode: a file put in
# place of another (a restore, a copy that kept the mtime) is a change too.
Signature = tuple[int, int, int, int, int]


NO_WAL = (-1, -1)
SETTLED_S = 2.0  # files unchanged for this long have an mtime that the next write moves on


def file_signature(path: str | os.PathLike[str]) -> Signature | None:
    """Size and mtime of a store and its WAL: a change means the sessions may have changed.

    An empty WAL holds nothing, so it counts as none: every reader of an idle WAL store
    (ours too) creates one on opening and removes it on closing.
    """
    name = os.fspath(path)  # os.stat on the string: pathlib's own costs twice as much
    try:
        main = os.stat(name)
    except OSError:
        return None
    try:
        wal = os.stat(name + "-wal")
        wal_part = (wal.st_size, wal.st_mtime_ns) if wal.st_size else NO_WAL
    except OSError:
        wal_part = NO_WAL
    return (main.st_size, main.st_mtime_ns, *wal_part, main.st_ino)


def signature_size(signature: Signature) -> int:
    """The store's size with its WAL (`listing.store_size`), as the signature saw it."""
    return signature[0] + max(signature[2], 0)


def is_settled(signature: Signature, now_ns: int | None = None) -> bool:
    """Whether the next write to the files is sure to change this signature.

    A write within the same clock tick as the one before it can leave the mtime as it
    was (filesystems keep it to a few ms, some to 1 or 2 s), so a signature taken
    while the files are changing may not show the next change. Once they have been
    still for SETTLED_S, it will: git trusts its index on the same condition.
    """
    now = time.time_ns() if now_ns is None else now_ns
    return now - max(signature[1], signature[3]) >= SETTLED_S * 1e9
