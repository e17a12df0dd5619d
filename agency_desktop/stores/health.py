"""Integrity check of the stores in a folder (CLI `check`)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import parallel
from .doctor import Finding, diagnose
from .errors import ProblemKind, StoreError
from .listing import iter_candidate_files
from .readonly import reading, translate_errors
from .records import StoreProblem
from .schema import discover_layout
from .snapshot import is_wal_image, open_image, read_if_idle

CHUNK = 32  # stores per task of a worker process
IN_MEMORY_LIMIT = 32 * 1024 * 1024  # a bigger store is checked through SQLite, in place


@dataclass(frozen=True)
class StoreHealth:
    path: Path
    sessions: int = 0
    messages: int = 0
    invalid_json_rows: int = 0
    integrity: str = "ok"
    problem: StoreProblem | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        clean = not any(finding.kind.is_problem for finding in self.findings)
        return self.problem is None and self.integrity == "ok" and clean

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "sessions": self.sessions,
            "messages": self.messages,
            "invalid_json_rows": self.invalid_json_rows,
            "integrity": self.integrity,
            "problem": self.problem.as_dict() if self.problem else None,
            "findings": [finding.as_dict() for finding in self.findings],
        }


def check_store(location: str | os.PathLike[str]) -> StoreHealth:
    """SQLite's quick_check, counts and the doctor's findings for one store.

    A small store nobody has open is checked as a snapshot in memory (the same bytes,
    and the same answers), which spares creating and deleting its -wal and -shm files.
    """
    path = Path(location)
    try:
        with translate_errors(path):
            image = read_if_idle(path, IN_MEMORY_LIMIT)
            if image is None:
                with reading(path) as conn:
                    return _check(conn, path)
            conn = open_image(image)
            try:
                return _check(conn, path, "wal" if is_wal_image(image) else "delete")
            finally:
                conn.close()
    except StoreError as exc:
        return StoreHealth(path, problem=StoreProblem.from_error(exc))


def _check(conn: sqlite3.Connection, path: Path, journal_mode: str | None = None) -> StoreHealth:
    integrity = "; ".join(row[0] for row in conn.execute("PRAGMA quick_check").fetchmany(5))
    layout = discover_layout(conn)
    if not layout.is_store:
        raise StoreError(path, ProblemKind.NOT_A_STORE)
    sessions = messages = invalid = 0
    for pair in layout.pairs:
        sessions += conn.execute(f"SELECT count(*) FROM {pair.q_sessions}").fetchone()[0]
        total, bad = conn.execute(
            f"SELECT count(*), coalesce(sum(NOT json_valid(message_data)), 0) FROM {pair.q_messages}"
        ).fetchone()
        messages += total
        invalid += bad
    findings = tuple(diagnose(conn, path, layout, journal_mode))
    return StoreHealth(path, sessions, messages, invalid, integrity, None, findings)


def check_chunk(paths: list[Path]) -> list[StoreHealth]:
    return [check_store(path) for path in paths]


def check_stores(paths: Iterable[Path]) -> Iterator[StoreHealth]:
    """Each store's health in order, checked a chunk at a time in the worker processes
    (the work per store is Python and SQLite: one core would do half as many)."""
    listed = list(paths)
    if len(listed) <= CHUNK:  # not worth starting processes for
        yield from map(check_store, listed)
        return
    for checked in parallel.map_ordered(check_chunk, parallel.chunked(listed, CHUNK)):
        yield from checked


def check_directory(
    directory: str | os.PathLike[str], recursive: bool = False
) -> list[StoreHealth]:
    return list(check_stores(iter_candidate_files(directory, recursive)))
