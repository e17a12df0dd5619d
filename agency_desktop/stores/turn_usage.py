"""Tokens per turn and per session, as AdvancedSQLiteSession's `turn_usage` keeps them.

The conversation view shows each turn's usage on the user message that opened it
(`message_structure` says which message that is and which turn it opened) and the
session's total in its header. Stores without those tables have no usage: None, not 0.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .schema import STRUCTURE_TABLE, USAGE_TABLE, TablePair, quote_identifier

MAIN_BRANCH = "main"


@dataclass(frozen=True)
class TurnUsage:
    turn: int  # the user turn's number (for a session's total: how many turns were counted)
    requests: int
    input_tokens: int
    output_tokens: int
    total_tokens: int


def usage_by_opening_item(
    conn: sqlite3.Connection,
    pair: TablePair,
    session_id: str,
    row_ids: list[int],
    branch: str | None = None,
) -> dict[int, TurnUsage]:
    """For those of `row_ids` that open a turn (its user message): that turn's usage.

    A message shared by several branches counts on the branch being read, else on main,
    else on the first.
    """
    if not (pair.has_usage and pair.is_advanced) or not row_ids:
        return {}
    marks = ", ".join("?" for _ in row_ids)
    structure, usage = quote_identifier(STRUCTURE_TABLE), quote_identifier(USAGE_TABLE)
    rows = conn.execute(
        f"SELECT s.message_id, u.user_turn_number, u.requests, u.input_tokens,"
        f" u.output_tokens, u.total_tokens FROM {structure} s JOIN {usage} u"
        " ON u.session_id = s.session_id AND u.branch_id = s.branch_id"
        " AND u.user_turn_number = s.user_turn_number"
        f" WHERE s.session_id = ? AND s.message_type = 'user' AND s.message_id IN ({marks})"
        " ORDER BY s.branch_id != ?, s.branch_id != ?, s.branch_id",
        (session_id, *row_ids, branch or MAIN_BRANCH, MAIN_BRANCH),
    ).fetchall()
    found: dict[int, TurnUsage] = {}
    for message_id, turn, *counts in rows:
        found.setdefault(message_id, TurnUsage(turn, *(int(c or 0) for c in counts)))
    return found


def session_usage(
    conn: sqlite3.Connection, pair: TablePair, session_id: str, branch: str | None = None
) -> TurnUsage | None:
    """The session's usage over every turn of every branch (or of one branch), or None
    where none is kept."""
    if not pair.has_usage:
        return None
    row = conn.execute(
        "SELECT count(*), sum(requests), sum(input_tokens), sum(output_tokens),"
        f" sum(total_tokens) FROM {quote_identifier(USAGE_TABLE)} WHERE session_id = ?"
        " AND (? IS NULL OR branch_id = ?)",
        (session_id, branch, branch),
    ).fetchone()
    return TurnUsage(*(int(value or 0) for value in row))
