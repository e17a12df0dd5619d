"""The branches of an AdvancedSQLiteSession, read from its `message_structure`.

A branch made by `create_branch_from_turn(n)` gets structure rows pointing at the same
items as its source for the turns before n, then items of its own. So where a branch
forks is where its own items begin: the first row whose item main does not hold.
Within a branch, order by sequence number is order by item id (the copied items are
older than any item of its own), so readers keep paging by row id with a branch scope.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..util.errors import InputError
from .records import parse_timestamp
from .schema import STRUCTURE_TABLE, USAGE_TABLE, TablePair, quote_identifier

MAIN_BRANCH = "main"


class BranchNotFoundError(InputError):
    def __init__(self, session_id: str, branch: str, known: list[str]) -> None:
        names = ", ".join(known) or "none"
        super().__init__(f"session {session_id!r} has no branch {branch!r} (branches: {names})")


@dataclass(frozen=True)
class BranchInfo:
    branch_id: str
    items: int
    user_turns: int
    created_at: datetime | None
    tokens: int | None  # None where the store keeps no usage
    shared_items: int  # items it shares with main (all of them, for main)
    fork_turn: int | None  # the first turn of its own (None for main, or when it has none)
    first_own_position: int | None  # 1-based position of its first item main lacks
    fork_after_id: int | None = None  # row id of the last item it shares with main

    @property
    def is_main(self) -> bool:
        return self.branch_id == MAIN_BRANCH

    def as_dict(self) -> dict[str, Any]:
        return {
            "branch_id": self.branch_id,
            "items": self.items,
            "user_turns": self.user_turns,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "tokens": self.tokens,
            "shared_items": self.shared_items,
            "fork_turn": self.fork_turn,
            "first_own_position": self.first_own_position,
            "fork_after_id": self.fork_after_id,
        }


def branch_scope(
    pair: TablePair, session_id: str, branch: str | None
) -> tuple[str, tuple[str, ...]]:
    """The WHERE condition (on the messages table) that keeps a session's items, or only
    those of one branch. The branch's ids are read once per statement (a list subquery):
    the SDK keeps no index on message_structure.message_id."""
    if branch is None or not pair.is_advanced:
        return "session_id = ?", (session_id,)
    structure = quote_identifier(STRUCTURE_TABLE)
    return (
        f"session_id = ? AND id IN (SELECT message_id FROM {structure}"
        " WHERE session_id = ? AND branch_id = ?)",
        (session_id, session_id, branch),
    )


def read_branches(
    conn: sqlite3.Connection, pair: TablePair, session_id: str, *, only_if_several: bool = False
) -> list[BranchInfo]:
    """Every branch of a session, main first, then in the order they were made.

    `only_if_several`: none for a session on main alone, found by one index seek (the
    counts read a long session's every structure row: opening it must not wait for that).
    """
    if not pair.is_advanced:
        return []
    if only_if_several and not _has_other_branch(conn, session_id):
        return []
    structure = quote_identifier(STRUCTURE_TABLE)
    rows = conn.execute(
        f"SELECT branch_id, count(*), sum(message_type = 'user'), min(created_at)"
        f" FROM {structure} WHERE session_id = ? GROUP BY branch_id"
        " ORDER BY branch_id != ?, min(created_at), min(id)",
        (session_id, MAIN_BRANCH),
    ).fetchall()
    tokens = _tokens(conn, pair, session_id)
    main_ids = _main_ids(conn, session_id) if len(rows) > 1 else set()
    found = []
    for branch_id, items, users, created in rows:
        shared, fork_turn, first_own, after_id = _fork(conn, session_id, branch_id, main_ids)
        found.append(
            BranchInfo(
                str(branch_id),
                int(items),
                int(users or 0),
                parse_timestamp(created),
                tokens.get(branch_id, 0) if tokens is not None else None,
                int(items) if branch_id == MAIN_BRANCH else shared,
                fork_turn,
                first_own,
                after_id,
            )
        )
    return found


def _has_other_branch(conn: sqlite3.Connection, session_id: str) -> bool:
    """Two range seeks on the SDK's (session_id, branch_id) index, either side of main."""
    structure = quote_identifier(STRUCTURE_TABLE)
    row = conn.execute(
        f"SELECT EXISTS(SELECT 1 FROM {structure} WHERE session_id = ? AND branch_id > ?)"
        f" OR EXISTS(SELECT 1 FROM {structure} WHERE session_id = ? AND branch_id < ?)",
        (session_id, MAIN_BRANCH, session_id, MAIN_BRANCH),
    ).fetchone()
    return bool(row[0])


def first_branch_holding(
    conn: sqlite3.Connection,
    pair: TablePair,
    session_id: str,
    row_id: int,
    prefer: str | None = None,
) -> str | None:
    """The branch to read an item on: `prefer` if it holds it, else main, else the first."""
    if not pair.is_advanced:
        return None
    row = conn.execute(
        f"SELECT branch_id FROM {quote_identifier(STRUCTURE_TABLE)} WHERE session_id = ?"
        " AND message_id = ? ORDER BY branch_id IS NOT ?, branch_id != ?, id LIMIT 1",
        (session_id, row_id, prefer, MAIN_BRANCH),
    ).fetchone()
    return None if row is None else str(row[0])


def require_branch(branches: list[BranchInfo], session_id: str, branch: str) -> BranchInfo:
    for info in branches:
        if info.branch_id == branch:
            return info
    raise BranchNotFoundError(session_id, branch, [b.branch_id for b in branches])


def _tokens(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> dict[str, int] | None:
    if not pair.has_usage:
        return None
    rows = conn.execute(
        f"SELECT branch_id, sum(total_tokens) FROM {quote_identifier(USAGE_TABLE)}"
        " WHERE session_id = ? GROUP BY branch_id",
        (session_id,),
    )
    return {str(branch): int(total or 0) for branch, total in rows}


def _main_ids(conn: sqlite3.Connection, session_id: str) -> set[int]:
    rows = conn.execute(
        f"SELECT message_id FROM {quote_identifier(STRUCTURE_TABLE)}"
        " WHERE session_id = ? AND branch_id = ?",
        (session_id, MAIN_BRANCH),
    )
    return {int(message_id) for (message_id,) in rows}


def _fork(
    conn: sqlite3.Connection, session_id: str, branch: str, main_ids: set[int]
) -> tuple[int, int | None, int | None, int | None]:
    """(items shared with main, first turn of its own, position of its first own item,
    row id of the last shared item)."""
    if branch == MAIN_BRANCH:
        return 0, None, None, None
    rows = conn.execute(
        f"SELECT message_id, branch_turn_number FROM {quote_identifier(STRUCTURE_TABLE)}"
        " WHERE session_id = ? AND branch_id = ? ORDER BY sequence_number",
        (session_id, branch),
    )
    shared, last_shared = 0, None
    for message_id, turn in rows:
        if int(message_id) not in main_ids:
            return shared, None if turn is None else int(turn), shared + 1, last_shared
        shared, last_shared = shared + 1, int(message_id)
    return shared, None, None, last_shared
