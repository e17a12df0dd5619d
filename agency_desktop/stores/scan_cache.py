"""What each store held when it was last read, kept in the app's cache folder.

A folder opened again shows its sessions at once from here, and only files that
changed since are read. An entry is used only while the file's signature (size and
mtime of the store and of its WAL) is the one taken just before it was read, and
is kept only if the files were settled then (`signatures.is_settled`), so the next
write is sure to change the signature. A file that was locked or could not be
opened is never kept: that can change without the file changing. Nothing is ever
written beside the stores; deleting the cache file is always safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..util.paths import cache_dir
from .errors import ProblemKind
from .listing import STORE_SUFFIXES, StoreScan, is_side_or_temp_file
from .records import SessionInfo, StoreProblem
from .signatures import Signature, file_signature

CACHE_NAME = "scan-cache-3.sqlite3"  # 3: tokens, 2: titles (older ones lack them: not reused)
MAX_ENTRIES = 200_000
SAVE_BATCH = 256
# Problems that only a change of the file can undo (a lock or a permission can go away).
_LASTING_PROBLEMS = frozenset(
    {ProblemKind.EMPTY, ProblemKind.NOT_SQLITE, ProblemKind.CORRUPT, ProblemKind.NOT_A_STORE}
)
# A file named like no store is listed only with an SQLite header; these have none.
_NO_SQLITE_HEADER = frozenset({ProblemKind.EMPTY, ProblemKind.NOT_SQLITE})
_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    path TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    scan TEXT NOT NULL,
    saved REAL NOT NULL
)
"""


OLD_CACHE_NAMES = (
    "scan-cache.sqlite3",
    "scan-cache-2.sqlite3",
)  # earlier layouts: removed, never read


class ScanCache:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_dir() / CACHE_NAME
        if path is None:
            for name in OLD_CACHE_NAMES:
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        (self.path.parent / f"{name}{suffix}").unlink()

    @contextlib.contextmanager
    def opened(self) -> Iterator[OpenScanCache | None]:
        """The cache for one scan, or None when it cannot be used (never an error)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=2, isolation_level=None)
        except (OSError, sqlite3.Error):
            yield None
            return
        try:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")  # a cache: a lost save is a miss
                conn.execute(_SCHEMA)
            except sqlite3.Error:
                yield None
                return
            cache = OpenScanCache(conn)
            try:
                yield cache
            finally:
                cache.flush()
                cache.trim()
        finally:
            conn.close()


class OpenScanCache:
    """One connection's worth of lookups and saves, on the thread that made it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._pending: list[tuple[str, str, str, float]] = []

    def lookup(self, path: Path, signature: Signature | None) -> StoreScan | None:
        if signature is None:
            return None
        try:
            row = self._conn.execute(
                "SELECT signature, scan FROM scans WHERE path = ?", (str(path),)
            ).fetchone()
        except sqlite3.Error:
            return None
        if row is None or row[0] != _signature_text(signature):
            return None
        try:
            return _scan_from_json(path, row[1])
        except (ValueError, KeyError, TypeError):
            return None

    def still_valid_in(self, folder: Path) -> Iterator[tuple[StoreScan, Signature]]:
        """Entries for the files directly in `folder` that are unchanged, in name order.

        One range query over the folder's part of the table, read a few rows at a time:
        the first are out before the rest are even read.
        """
        prefix = os.path.join(str(folder), "")
        try:
            rows = self._conn.execute(
                "SELECT path, signature, scan FROM scans WHERE path > ? AND path < ?"
                " AND instr(substr(path, ?), ?) = 0 ORDER BY path",  # none of a subfolder's
                (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1), len(prefix) + 1, os.sep),
            )
            while batch := rows.fetchmany(64):
                for name, signature_text, scan in batch:
                    path = Path(name)
                    if os.path.dirname(name) != prefix[:-1]:
                        continue  # a subfolder's
                    signature = file_signature(path)
                    if signature is None or _signature_text(signature) != signature_text:
                        continue
                    try:
                        found = _scan_from_json(path, scan)
                    except (ValueError, KeyError, TypeError):
                        continue
                    if _listed_in_folders(found):
                        yield found, signature
        except sqlite3.Error:
            return

    def remember(self, scan: StoreScan, signature: Signature | None, settled: bool) -> None:
        """Keep a scan taken at `signature`, if it is sure to be noticed when it goes stale:
        `settled` says whether the files had been still (is_settled) when it was taken,
        not now; a write since, in the same clock tick, would otherwise go unseen."""
        if signature is None or not settled:
            return
        if scan.problem is not None and scan.problem.kind not in _LASTING_PROBLEMS:
            return
        self._pending.append(
            (str(scan.path), _signature_text(signature), _scan_to_json(scan), time.time())
        )
        if len(self._pending) >= SAVE_BATCH:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany("INSERT OR REPLACE INTO scans VALUES (?, ?, ?, ?)", pending)
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                self._conn.execute("ROLLBACK")

    def trim(self) -> None:
        """The oldest entries go once there are more than MAX_ENTRIES (files long gone)."""
        with contextlib.suppress(sqlite3.Error):
            count = self._conn.execute("SELECT count(*) FROM scans").fetchone()[0]
            if count > MAX_ENTRIES:
                self._conn.execute(
                    "DELETE FROM scans WHERE path IN"
                    " (SELECT path FROM scans ORDER BY saved LIMIT ?)",
                    (count - MAX_ENTRIES,),
                )


def _listed_in_folders(scan: StoreScan) -> bool:
    """Whether listing the folder would have taken the file (iter_candidate_files): a
    file the user opened on its own (a dropped notes.txt) is kept, but not listed."""
    name = scan.path.name
    if is_side_or_temp_file(name):
        return False
    if os.path.splitext(name)[1].lower() in STORE_SUFFIXES:
        return True
    return scan.problem is None or scan.problem.kind not in _NO_SQLITE_HEADER


def _signature_text(signature: Signature) -> str:
    return ",".join(map(str, signature))


def _scan_to_json(scan: StoreScan) -> str:
    data: dict[str, Any] = {"sessions": [info.as_dict() for info in scan.sessions]}
    if scan.problem is not None:
        data["problem"] = scan.problem.as_dict()
    return json.dumps(data, separators=(",", ":"))


def _scan_from_json(path: Path, text: str) -> StoreScan:
    data = json.loads(text)
    problem = data.get("problem")
    return StoreScan(
        path,
        tuple(SessionInfo.from_dict(info, path) for info in data["sessions"]),
        StoreProblem.from_dict(problem) if problem is not None else None,
    )
