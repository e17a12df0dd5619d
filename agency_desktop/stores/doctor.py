"""The store doctor's findings: what the SDK itself would hide, lose or choke on.

Read-only, like every read here; each finding names the session and how many rows,
the upstream SDK issue behind it where there is one, and what a repair would do
(repairs are for the user to ask for, after a backup; none is made here).
"""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .schema import STRUCTURE_TABLE, USAGE_TABLE, StoreLayout, TablePair, quote_identifier

SDK_ISSUES = "https://github.com/openai/openai-agents-python/issues/"


class FindingKind(enum.StrEnum):
    HIDDEN_HISTORY = "hidden history"
    MESSAGES_WITHOUT_SESSION = "items without a session row"
    ORPHAN_STRUCTURE = "structure rows without their item"
    ORPHAN_USAGE = "usage rows without their session"
    UNREADABLE_ITEMS = "unreadable items"
    EMPTY_SESSION = "session with no items"
    NOT_WAL = "journal mode is not WAL"
    FREE_SPACE = "free space worth a vacuum"

    @property
    def is_problem(self) -> bool:
        """Advice (an empty session, the file's upkeep) is worth knowing of; the others
        lose or hide history."""
        return self not in _ADVICE


_EXPLAINED: dict[FindingKind, tuple[str, str, int | None]] = {
    # kind: (what it means, what a repair would do, SDK issue)
    FindingKind.HIDDEN_HISTORY: (
        "items written before the store was opened with AdvancedSQLiteSession have no"
        " message_structure rows: the SDK's get_items() does not return them, and its next"
        " pop_item() or delete_branch() deletes them for good",
        "add the structure rows the SDK would have written (main branch, in order)",
        4729,
    ),
    FindingKind.MESSAGES_WITHOUT_SESSION: (
        "items whose session has no row in the sessions table",
        "add the session row, dated by its first item",
        None,
    ),
    FindingKind.ORPHAN_STRUCTURE: (
        "message_structure rows pointing at items that are gone",
        "delete those structure rows",
        3348,
    ),
    FindingKind.ORPHAN_USAGE: (
        "turn_usage rows of a session that is gone",
        "delete those usage rows",
        None,
    ),
    FindingKind.UNREADABLE_ITEMS: (
        "rows that are not JSON, or JSON null: the SDK skips or chokes on them",
        "none by default: they are shown and exported as stored",
        4939,
    ),
    FindingKind.EMPTY_SESSION: ("a session row with no items", "none needed", None),
    FindingKind.NOT_WAL: (
        "the SDK opens its stores in WAL mode; this one was changed since, so an agent"
        " writing blocks readers (rows: 0)",
        "set journal_mode=WAL",
        None,
    ),
    FindingKind.FREE_SPACE: (
        "pages freed by deleted items, kept in the file (rows: the free pages)",
        "Operations > Vacuum Store (agency-sessions vacuum)",
        None,
    ),
}
_ADVICE = frozenset({FindingKind.EMPTY_SESSION, FindingKind.NOT_WAL, FindingKind.FREE_SPACE})
FREE_SHARE = 0.25  # of the file's pages, and at least FREE_BYTES, before a vacuum is worth it
FREE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Finding:
    path: Path
    kind: FindingKind
    session_id: str | None
    rows: int

    @property
    def explanation(self) -> str:
        return _EXPLAINED[self.kind][0]

    @property
    def repair(self) -> str:
        return _EXPLAINED[self.kind][1]

    @property
    def sdk_issue(self) -> str | None:
        number = _EXPLAINED[self.kind][2]
        return f"{SDK_ISSUES}{number}" if number else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "kind": str(self.kind),
            "session_id": self.session_id,
            "rows": self.rows,
            "problem": self.kind.is_problem,
            "explanation": self.explanation,
            "repair": self.repair,
            "sdk_issue": self.sdk_issue,
        }


def diagnose(conn: sqlite3.Connection, path: Path, layout: StoreLayout) -> list[Finding]:
    """Every finding in one store, session by session (queries over its own tables)."""
    found = _upkeep(conn, path)
    for pair in layout.pairs:
        for kind, sql in _queries(pair):
            for session_id, rows in conn.execute(sql):
                found.append(
                    Finding(path, kind, None if session_id is None else str(session_id), int(rows))
                )
    return found


def _upkeep(conn: sqlite3.Connection, path: Path) -> list[Finding]:
    """The file's own state: journal mode and free pages (read, never set)."""
    found = []
    if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        found.append(Finding(path, FindingKind.NOT_WAL, None, 0))
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    if pages and free / pages >= FREE_SHARE and free * size >= FREE_BYTES:
        found.append(Finding(path, FindingKind.FREE_SPACE, None, free))
    return found


def _queries(pair: TablePair) -> list[tuple[FindingKind, str]]:
    m, s = pair.q_messages, pair.q_sessions
    queries = [
        (
            FindingKind.MESSAGES_WITHOUT_SESSION,
            f"SELECT session_id, count(*) FROM {m} WHERE session_id NOT IN"
            f" (SELECT session_id FROM {s}) GROUP BY session_id",
        ),
        (
            FindingKind.UNREADABLE_ITEMS,
            f"SELECT session_id, count(*) FROM {m} WHERE NOT json_valid(message_data)"
            " OR json_type(message_data) = 'null' GROUP BY session_id",
        ),
        (
            FindingKind.EMPTY_SESSION,
            f"SELECT session_id, 0 FROM {s} WHERE session_id NOT IN (SELECT session_id FROM {m})",
        ),
    ]
    if pair.is_advanced:
        structure = quote_identifier(STRUCTURE_TABLE)
        queries += [
            (
                FindingKind.HIDDEN_HISTORY,
                # NOT IN over a subquery is read once into a temporary index; a
                # correlated NOT EXISTS would scan the structure table once per item.
                f"SELECT session_id, count(*) FROM {m} WHERE id NOT IN (SELECT message_id"
                f" FROM {structure} WHERE message_id IS NOT NULL) GROUP BY session_id",
            ),
            (
                FindingKind.ORPHAN_STRUCTURE,
                f"SELECT session_id, count(*) FROM {structure} AS row WHERE NOT EXISTS"
                f" (SELECT 1 FROM {m} WHERE id = row.message_id) GROUP BY session_id",
            ),
        ]
    if pair.has_usage:
        usage = quote_identifier(USAGE_TABLE)
        queries.append(
            (
                FindingKind.ORPHAN_USAGE,
                f"SELECT session_id, count(*) FROM {usage} WHERE session_id NOT IN"
                f" (SELECT session_id FROM {s}) AND session_id NOT IN"
                f" (SELECT session_id FROM {m}) GROUP BY session_id",
            )
        )
    return queries
