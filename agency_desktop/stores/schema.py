"""Find the session tables in a store, whatever the user named them.

The SDK lets both tables be renamed, so tables are recognised by their
columns and paired through the messages table's foreign key. Every name read
from a file is passed through `quote_identifier` before it reaches SQL.
"""

from __future__ import annotations

import enum
import sqlite3
import threading
from dataclasses import dataclass, field

from ..util.errors import InputError

DEFAULT_SESSIONS_TABLE = "agent_sessions"
DEFAULT_MESSAGES_TABLE = "agent_messages"

SESSIONS_COLUMNS = frozenset({"session_id", "created_at", "updated_at"})
MESSAGES_COLUMNS = frozenset({"id", "session_id", "message_data", "created_at"})
# AdvancedSQLiteSession's tables; only the first two carry foreign keys to the pair.
STRUCTURE_TABLE = "message_structure"
USAGE_TABLE = "turn_usage"
ADVANCED_SIDE_TABLES = ("branch_reservations", "session_clear_generations")


class StoreKind(enum.StrEnum):
    """How a store is laid out: the SDK's defaults, AdvancedSQLiteSession, or renamed tables;
    or a server's store (SQLAlchemySession's tables on PostgreSQL, whatever their names;
    RedisSession's keys on Redis, whatever their prefix)."""

    PLAIN = "plain"
    ADVANCED = "advanced"
    CUSTOM = "custom"
    POSTGRESQL = "postgresql"
    REDIS = "redis"


def quote_identifier(name: str) -> str:
    """Quote an identifier that came from a file, so it can never be read as SQL."""
    if "\x00" in name:
        raise InputError(f"identifier contains a NUL character: {name!r}")
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class TablePair:
    """One sessions table with its messages table, and the tables that hang off them."""

    sessions_table: str
    messages_table: str
    dependent_tables: tuple[str, ...] = ()
    # An index on the messages table that starts with session_id (the SDK makes one):
    # the distinct sessions can then be found by a seek each instead of a scan of all rows.
    session_indexed: bool = False

    @property
    def is_advanced(self) -> bool:
        return STRUCTURE_TABLE in self.dependent_tables

    @property
    def has_usage(self) -> bool:
        return USAGE_TABLE in self.dependent_tables

    @property
    def is_default_names(self) -> bool:
        return (self.sessions_table, self.messages_table) == (
            DEFAULT_SESSIONS_TABLE,
            DEFAULT_MESSAGES_TABLE,
        )

    @property
    def kind(self) -> StoreKind:
        if self.is_advanced:
            return StoreKind.ADVANCED
        return StoreKind.PLAIN if self.is_default_names else StoreKind.CUSTOM

    @property
    def q_sessions(self) -> str:
        return quote_identifier(self.sessions_table)

    @property
    def q_messages(self) -> str:
        return quote_identifier(self.messages_table)


@dataclass(frozen=True)
class StoreLayout:
    pairs: tuple[TablePair, ...] = field(default_factory=tuple)

    @property
    def is_store(self) -> bool:
        return bool(self.pairs)

    @property
    def kind(self) -> StoreKind | None:
        return self.pairs[0].kind if self.pairs else None


# Virtual tables are left out: querying one whose module is not loaded (sqlite-vec, say)
# fails, and session tables are never virtual.
_USER_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    " AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%'"
)


def _columns(conn: sqlite3.Connection) -> dict[str, frozenset[str]]:
    """Every table's columns in one query (a query per table costs more than the data)."""
    found: dict[str, set[str]] = {}
    rows = conn.execute(
        f"SELECT t.name, lower(c.name) FROM ({_USER_TABLES}) t, pragma_table_info(t.name) c"
    )
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return {table: frozenset(columns) for table, columns in found.items()}


def _foreign_targets(conn: sqlite3.Connection) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    rows = conn.execute(
        f'SELECT t.name, lower(f."table") FROM ({_USER_TABLES}) t, pragma_foreign_key_list(t.name) f'
    )
    for table, target in rows:
        found.setdefault(table, set()).add(target)
    return found


_LAYOUT_CACHE: dict[str, StoreLayout] = {}
_LAYOUT_CACHE_SIZE = 256
_LAYOUT_LOCK = threading.Lock()
_SCHEMA_TEXT = "SELECT group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), char(10)) FROM sqlite_master"


def discover_layout(conn: sqlite3.Connection) -> StoreLayout:
    """Return every sessions/messages pair in the database, default names first.

    Folders hold thousands of stores with the same schema; the layout is cached
    under the full schema text, so a cached answer is right by construction.
    """
    schema = conn.execute(_SCHEMA_TEXT).fetchone()[0] or ""
    layout = _LAYOUT_CACHE.get(schema)
    if layout is None:
        layout = _discover_layout(conn)
        with _LAYOUT_LOCK:  # scans run in several threads
            if len(_LAYOUT_CACHE) >= _LAYOUT_CACHE_SIZE:
                _LAYOUT_CACHE.pop(next(iter(_LAYOUT_CACHE)), None)
            _LAYOUT_CACHE[schema] = layout
    return layout


def _discover_layout(conn: sqlite3.Connection) -> StoreLayout:
    columns = _columns(conn)
    tables = sorted(columns)
    found_targets = _foreign_targets(conn)
    targets = {name: found_targets.get(name, set()) for name in tables}
    session_tables = [t for t in tables if columns[t] >= SESSIONS_COLUMNS]
    pairs: list[TablePair] = []
    for messages in (t for t in tables if columns[t] >= MESSAGES_COLUMNS):
        sessions = _sessions_table_for(messages, session_tables, targets)
        if sessions is None:
            continue
        dependents = _dependents(tables, columns, targets, {sessions.lower(), messages.lower()})
        pairs.append(TablePair(sessions, messages, dependents, _session_indexed(conn, messages)))
    pairs.sort(key=lambda pair: (not pair.is_default_names, pair.messages_table))
    return StoreLayout(tuple(pairs))


def _session_indexed(conn: sqlite3.Connection, table: str) -> bool:
    """Whether SQLite finds the next session id with an index seek (a skip scan step).

    Asked of SQLite's own planner: an index may start with session_id and still not
    serve (a partial index, another collation), and then each step would scan the table.
    """
    plan = conn.execute(
        f"EXPLAIN QUERY PLAN SELECT min(session_id) FROM {quote_identifier(table)}"
        " WHERE session_id > ?",
        ("",),
    ).fetchall()
    return any("INDEX" in row[-1] and "session_id>" in row[-1] for row in plan)


def _sessions_table_for(
    messages: str, session_tables: list[str], targets: dict[str, set[str]]
) -> str | None:
    by_key = [t for t in session_tables if t.lower() in targets[messages]]
    if by_key:
        return by_key[0]
    # A store written without the foreign key: accept it only when unambiguous.
    return session_tables[0] if len(session_tables) == 1 else None


def _dependents(
    tables: list[str],
    columns: dict[str, frozenset[str]],
    targets: dict[str, set[str]],
    pair_names: set[str],
) -> tuple[str, ...]:
    found = [
        t
        for t in tables
        if t.lower() not in pair_names and "session_id" in columns[t] and targets[t] & pair_names
    ]
    if any(t.lower() == STRUCTURE_TABLE for t in found):
        found += [
            t for t in tables if t.lower() in ADVANCED_SIDE_TABLES and "session_id" in columns[t]
        ]
    return tuple(found)


def pair_holding(
    conn: sqlite3.Connection, layout: StoreLayout, session_id: str
) -> TablePair | None:
    """The pair that holds a session: the one whose messages table has its items, else the
    first whose sessions table has its row (several pairs may share one sessions table)."""
    for pair in layout.pairs:
        query = f"SELECT EXISTS(SELECT 1 FROM {pair.q_messages} WHERE session_id = ?)"
        if conn.execute(query, (session_id,)).fetchone()[0]:
            return pair
    for pair in layout.pairs:
        query = f"SELECT EXISTS(SELECT 1 FROM {pair.q_sessions} WHERE session_id = ?)"
        if conn.execute(query, (session_id,)).fetchone()[0]:
            return pair
    return None
