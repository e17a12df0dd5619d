"""Integrity check of the stores in a folder (CLI `check`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .doctor import Finding, diagnose
from .errors import ProblemKind, StoreError
from .listing import iter_candidate_files
from .readonly import reading
from .records import StoreProblem
from .schema import discover_layout


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
    path = Path(location)
    try:
        with reading(path) as conn:
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
            findings = tuple(diagnose(conn, path, layout))
    except StoreError as exc:
        return StoreHealth(path, problem=StoreProblem.from_error(exc))
    return StoreHealth(path, sessions, messages, invalid, integrity, None, findings)


def check_directory(
    directory: str | os.PathLike[str], recursive: bool = False
) -> list[StoreHealth]:
    return [check_store(path) for path in iter_candidate_files(directory, recursive)]
