"""The store doctor's findings: what the SDK itself would hide, lose or choke on.

Read-only, like every read here; each finding names the session and how many rows,
the upstream SDK issue behind it where there is one, and what a repair would do
(repairs are for the user to ask for, after a backup; none is made here).
"""

from __future__ import annotations

import base64
import enum
import os
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..util.formatting import human_size
from .schema import STRUCTURE_TABLE, USAGE_TABLE, StoreLayout, TablePair, quote_identifier

SDK_ISSUES = "https://github.com/openai/openai-agents-python/issues/"
# EncryptedSession's TTL when it is given none: `ttl: int = 600` in its __init__
# (agents/extensions/memory/encrypt_session.py), which exposes no constant for it.
SDK_DEFAULT_TTL_S = 600
# A WAL is worth a word once it is larger than this and than the main file: SQLite copies
# it back into the main file every 1000 pages (4 MB) and starts it over, unless a reader
# holds a snapshot from before (a viewer or agent that never ends its read transaction)
# or a checkpoint crashed; until then it grows, and every read looks in it first.
LARGE_WAL_BYTES = 64 * 1024 * 1024
_WAL_HEADER = 32  # bytes; then each frame is a 24-byte header and one page
_WAL_FRAME_HEADER = 24


class FindingKind(enum.StrEnum):
    HIDDEN_HISTORY = "hidden history"
    MESSAGES_WITHOUT_SESSION = "items without a session row"
    ORPHAN_STRUCTURE = "structure rows without their item"
    ORPHAN_USAGE = "usage rows without their session"
    UNREADABLE_ITEMS = "unreadable items"
    EMPTY_SESSION = "session with no items"
    NOT_WAL = "journal mode is not WAL"
    FREE_SPACE = "free space worth a vacuum"
    EXPIRED_ENVELOPES = "items the SDK no longer returns (older than its TTL)"
    MIXED_KEY_IDS = "items under different key ids"
    LARGE_WAL = "a WAL far larger than its store"

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
    FindingKind.EXPIRED_ENVELOPES: (
        f"EncryptedSession items older than the SDK's default TTL ({SDK_DEFAULT_TTL_S} s):"
        " an agent opening the session with that default no longer gets them from"
        " get_items(), without a word, while a viewer with the key still shows them",
        "none in the store: open the session with a longer ttl, or, while the key is known,"
        " read it so and add its items to a plain session (Operations > Copy Session To..."
        " copies the items as they are: still encrypted, still as old)",
        None,
    ),
    FindingKind.MIXED_KEY_IDS: (
        "EncryptedSession items under more than one key id (kid): an agent holding one key"
        " does not get the others from get_items() (rows: the items not under the"
        " session's most common key id)",
        "none in the store: read the items with each key and add them again under one key",
        None,
    ),
    FindingKind.LARGE_WAL: (
        "the -wal file beside the store is larger than the store itself and"
        f" {LARGE_WAL_BYTES // 2**20} MB: a reader that never lets the agent checkpoint, or"
        " a crashed checkpoint, keeps it growing, and every read has to consult it"
        " (rows: its pages)",
        "a checkpoint (agency-sessions vacuum, or closing the process that holds the store open)",
        None,
    ),
}
_ADVICE = frozenset(
    {
        FindingKind.EMPTY_SESSION,
        FindingKind.NOT_WAL,
        FindingKind.FREE_SPACE,
        FindingKind.LARGE_WAL,
    }
)
# The kinds a repair exists for (ops/repair.py): named here, beside what each means, so
# whoever lists findings can say which can be repaired without loading the repairs.
REPAIRABLE_KINDS = frozenset(
    {
        FindingKind.HIDDEN_HISTORY,
        FindingKind.MESSAGES_WITHOUT_SESSION,
        FindingKind.ORPHAN_STRUCTURE,
        FindingKind.ORPHAN_USAGE,
        FindingKind.NOT_WAL,
    }
)
FREE_SHARE = 0.25  # of the file's pages, and at least FREE_BYTES, before a vacuum is worth it
FREE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Finding:
    path: Path
    kind: FindingKind
    session_id: str | None
    rows: int
    size_bytes: int | None = None  # the file a finding is about, where it is one (the WAL)

    @property
    def explanation(self) -> str:
        text = _EXPLAINED[self.kind][0]
        if self.size_bytes is not None:
            text += f"; it holds {self.size_bytes:,} bytes ({human_size(self.size_bytes)})"
        return text

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
            "size_bytes": self.size_bytes,
        }


def diagnose(
    conn: sqlite3.Connection, path: Path, layout: StoreLayout, journal_mode: str | None = None
) -> list[Finding]:
    """Every finding in one store, session by session (queries over its own tables).

    `journal_mode`: the store's, where `conn` is not to the file itself (a snapshot in
    memory); by default the connection's own.
    """
    found = _upkeep(conn, path, journal_mode)
    now = time.time()
    for pair in layout.pairs:
        for kind, sql in _queries(pair):
            for session_id, rows in conn.execute(sql):
                found.append(
                    Finding(path, kind, None if session_id is None else str(session_id), int(rows))
                )
        found += _envelope_findings(conn, path, pair, now)
    return found


def _upkeep(conn: sqlite3.Connection, path: Path, journal_mode: str | None) -> list[Finding]:
    """The file's own state: journal mode, free pages and the WAL (read, never set)."""
    found = []
    mode = journal_mode or str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    if mode.lower() != "wal":
        found.append(Finding(path, FindingKind.NOT_WAL, None, 0))
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    if pages and free / pages >= FREE_SHARE and free * size >= FREE_BYTES:
        found.append(Finding(path, FindingKind.FREE_SPACE, None, free))
    wal = _large_wal(path, size)
    if wal is not None:
        found.append(wal)
    return found


def _large_wal(path: Path, page_size: int) -> Finding | None:
    """The -wal file beside the store, by its size only: never opened (or created)."""
    try:
        wal_bytes = os.stat(path.with_name(path.name + "-wal")).st_size
        main_bytes = os.stat(path).st_size
    except OSError:
        return None
    if wal_bytes <= max(LARGE_WAL_BYTES, main_bytes):
        return None
    frames = max(0, (wal_bytes - _WAL_HEADER) // (page_size + _WAL_FRAME_HEADER))
    return Finding(path, FindingKind.LARGE_WAL, None, frames, size_bytes=wal_bytes)


# EncryptedSession's envelopes, {"__enc__": 1, "v": 1, "kid": "hkdf-v1", "payload": <Fernet
# token>}, as its `_is_encrypted_envelope` knows them (a string payload, as it decrypts).
# One pass: instr() is a plain substring test, so rows that are not envelopes (and stores
# without any) pay only that, never a JSON parse, and only sessions holding envelopes get
# further. Of each envelope only its key id and the first 12 characters of its token leave
# SQLite, grouped: those hold the token's version byte and the second it was made, in
# clear, so rows made in the same second (a turn's items) are decoded once, without a key.
_ENVELOPES = (
    "SELECT session_id, kid, head, count(*) FROM (SELECT session_id,"
    " json_extract(message_data, '$.kid') AS kid,"
    " substr(json_extract(message_data, '$.payload'), 1, 12) AS head FROM {table}"
    " WHERE instr(message_data, '\"__enc__\"') AND CASE WHEN json_valid(message_data) THEN"
    " json_extract(message_data, '$.__enc__') = 1"
    " AND json_type(message_data, '$.payload') = 'text'"
    " AND json_type(message_data, '$.kid') IS NOT NULL"
    " AND json_type(message_data, '$.v') IS NOT NULL END"
    " LIMIT -1) GROUP BY session_id, kid, head"
)
_FERNET_VERSION = 0x80


def _envelope_findings(
    conn: sqlite3.Connection, path: Path, pair: TablePair, now: float
) -> list[Finding]:
    """Envelopes the SDK's default TTL has expired, and sessions under several key ids."""
    kids: dict[str, Counter[Any]] = {}
    expired: Counter[str] = Counter()
    for session_id, kid, head, rows in conn.execute(_ENVELOPES.format(table=pair.q_messages)):
        kids.setdefault(str(session_id), Counter())[kid] += rows
        made = _fernet_time(head)
        # As Fernet.decrypt(token, ttl) refuses a token: timestamp + ttl < now.
        if made is not None and made + SDK_DEFAULT_TTL_S < int(now):
            expired[str(session_id)] += rows
    found = [
        Finding(path, FindingKind.EXPIRED_ENVELOPES, session_id, rows)
        for session_id, rows in expired.items()
    ]
    found += [
        Finding(path, FindingKind.MIXED_KEY_IDS, session_id, by_kid.total() - max(by_kid.values()))
        for session_id, by_kid in kids.items()
        if len(by_kid) > 1
    ]
    return found


def _fernet_time(head: str) -> int | None:
    """When a Fernet token was made, from its first 12 base64 characters: byte 0 is the
    version, bytes 1..8 the seconds since the epoch, big-endian, in clear."""
    try:
        raw = base64.urlsafe_b64decode(head)
    except (ValueError, TypeError):
        return None
    if len(raw) < 9 or raw[0] != _FERNET_VERSION:
        return None
    return int.from_bytes(raw[1:9], "big")


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
