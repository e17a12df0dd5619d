"""The SQL of the store doctor's repairs, inside one transaction the caller owns.

Only mechanics: which findings to repair, the backup taken first, the rehearsal on a
copy and the reading back through the SDK are the operation's business
(`ops/repair.py`). Every name read from the file is quoted; content never becomes SQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from .doctor import FindingKind
from .schema import STRUCTURE_TABLE, USAGE_TABLE, TablePair, quote_identifier
from .session_data import table_columns

MAIN_BRANCH = "main"
_BATCH = 5000  # hidden items read at a time

# What the SDK records of an item in message_structure: (message_type, tool_name, is_user).
ItemFacts = Callable[[object], tuple[str, str | None, bool]]


@dataclass(frozen=True)
class RepairCount:
    kind: FindingKind
    session_id: str
    rows: int  # rows added, renumbered or deleted


def repair_session(
    conn: sqlite3.Connection, pair: TablePair, kind: FindingKind, session_id: str, facts: ItemFacts
) -> int:
    """Carry out one finding's repair for one session; returns the rows it touched."""
    if kind is FindingKind.HIDDEN_HISTORY:
        return _restore_main_branch(conn, pair, session_id, facts)
    if kind is FindingKind.MESSAGES_WITHOUT_SESSION:
        return _add_session_row(conn, pair, session_id)
    if kind is FindingKind.ORPHAN_STRUCTURE:
        return _delete_orphan_structure(conn, pair, session_id)
    if kind is FindingKind.ORPHAN_USAGE:
        return _delete_orphan_usage(conn, pair, session_id)
    raise ValueError(f"no repair for {kind}")


def _add_session_row(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> int:
    """The row the SDK writes on a session's first item, dated by its first and last items."""
    columns = set(table_columns(conn, pair.sessions_table))
    dated = [c for c in ("created_at", "updated_at") if c in columns]
    values = {"created_at": "min(created_at)", "updated_at": "max(created_at)"}
    names = ", ".join(["session_id", *dated])
    picks = ", ".join(["session_id", *(values[c] for c in dated)])
    cursor = conn.execute(
        f"INSERT INTO {pair.q_sessions} ({names}) SELECT {picks} FROM {pair.q_messages}"
        " WHERE session_id = ? GROUP BY session_id",
        (session_id,),
    )
    return cursor.rowcount


def _delete_orphan_structure(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> int:
    structure = quote_identifier(STRUCTURE_TABLE)
    cursor = conn.execute(
        f"DELETE FROM {structure} WHERE session_id = ? AND NOT EXISTS"
        f" (SELECT 1 FROM {pair.q_messages} WHERE id = {structure}.message_id)",
        (session_id,),
    )
    return cursor.rowcount


def _delete_orphan_usage(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> int:
    """Only while the session has neither a row nor an item: then no turn can use them."""
    cursor = conn.execute(
        f"DELETE FROM {quote_identifier(USAGE_TABLE)} WHERE session_id = ?"
        f" AND NOT EXISTS (SELECT 1 FROM {pair.q_sessions} WHERE session_id = ?)"
        f" AND NOT EXISTS (SELECT 1 FROM {pair.q_messages} WHERE session_id = ?)",
        (session_id, session_id, session_id),
    )
    return cursor.rowcount


@dataclass(frozen=True)
class _Placed:
    """An item of the main branch as it stands: its structure row, or none (hidden)."""

    message_id: int
    structure_id: int | None
    old_turn: int | None
    is_user: bool


def _placed_items(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> list[_Placed]:
    """The session's items on the main branch or on no branch at all, in the order they
    were written (row id: SQLiteSession's order before the upgrade). Ids and numbers only:
    a session can hold a million items."""
    structure = quote_identifier(STRUCTURE_TABLE)
    hidden = conn.execute(
        f"SELECT id FROM {pair.q_messages} WHERE session_id = ? AND id NOT IN"
        f" (SELECT message_id FROM {structure} WHERE session_id = ? AND message_id IS NOT NULL)",
        (session_id, session_id),
    )
    placed = [_Placed(row_id, None, None, False) for (row_id,) in hidden]
    on_main = conn.execute(
        f"SELECT message_id, id, user_turn_number, message_type = 'user' FROM {structure}"
        " WHERE session_id = ? AND branch_id = ?",
        (session_id, MAIN_BRANCH),
    )
    placed += [_Placed(m, s, turn, bool(user)) for m, s, turn, user in on_main]
    placed.sort(key=lambda item: item.message_id)
    return placed


def due_on_main(conn: sqlite3.Connection, pair: TablePair, session_id: str) -> list[int]:
    """The message ids the main branch should return once repaired, in order."""
    return [item.message_id for item in _placed_items(conn, pair, session_id)]


def _hidden_rows(
    conn: sqlite3.Connection, pair: TablePair, ids: list[int]
) -> dict[int, tuple[str, str | None]]:
    rows = conn.execute(
        f"SELECT id, message_data, created_at FROM {pair.q_messages}"
        " WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    )
    return {row_id: (data, created) for row_id, data, created in rows}


def _restore_main_branch(
    conn: sqlite3.Connection, pair: TablePair, session_id: str, facts: ItemFacts
) -> int:
    """Give hidden items the structure rows the SDK would have written, and number the
    main branch again from the first item: sequence, user turn and branch turn as
    `AdvancedSQLiteSession._insert_structure_metadata` numbers them. Other branches keep
    their rows (they were copied from main after the upgrade, without the old items)."""
    placed = _placed_items(conn, pair, session_id)
    inserts: list[tuple[object, ...]] = []
    updates: list[tuple[int, int, int, int]] = []
    renumbered: dict[int, int] = {}  # a user turn's old number -> its new one
    turn = 0
    for start in range(0, len(placed), _BATCH):
        batch = placed[start : start + _BATCH]
        hidden = _hidden_rows(conn, pair, [p.message_id for p in batch if p.structure_id is None])
        for sequence, item in enumerate(batch, start + 1):
            if item.structure_id is None:
                data, created_at = hidden[item.message_id]
                message_type, tool_name, is_user = facts(_parsed(data))
                turn += is_user
                inserts.append((session_id, item.message_id, MAIN_BRANCH, message_type,
                                sequence, turn, turn, tool_name, created_at))  # fmt: skip
                continue
            turn += item.is_user
            if item.is_user and item.old_turn is not None:
                renumbered[item.old_turn] = turn
            updates.append((sequence, turn, turn, item.structure_id))
    structure = quote_identifier(STRUCTURE_TABLE)
    conn.executemany(
        f"UPDATE {structure} SET sequence_number = ?, user_turn_number = ?,"
        " branch_turn_number = ? WHERE id = ?",
        updates,
    )
    conn.executemany(
        f"INSERT INTO {structure} (session_id, message_id, branch_id, message_type,"
        " sequence_number, user_turn_number, branch_turn_number, tool_name, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, CURRENT_TIMESTAMP))",
        inserts,
    )
    if USAGE_TABLE in pair.dependent_tables:
        _renumber_usage(conn, session_id, renumbered)
    return len(inserts)


def _renumber_usage(conn: sqlite3.Connection, session_id: str, renumbered: dict[int, int]) -> None:
    """Move the main branch's usage rows to their turns' new numbers. Through negative
    numbers first: UNIQUE(session_id, branch_id, user_turn_number) is checked row by row."""
    usage = quote_identifier(USAGE_TABLE)
    moves = [(-new, session_id, old) for old, new in renumbered.items() if old != new]
    conn.executemany(
        f"UPDATE {usage} SET user_turn_number = ? WHERE session_id = ? AND branch_id = 'main'"
        " AND user_turn_number = ?",
        moves,
    )
    conn.execute(
        f"UPDATE {usage} SET user_turn_number = -user_turn_number WHERE session_id = ?"
        " AND branch_id = 'main' AND user_turn_number < 0",
        (session_id,),
    )


def _parsed(text: str) -> object:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None  # the SDK files an unreadable item as "other"
