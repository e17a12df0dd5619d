from __future__ import annotations

import sqlite3
from pathlib import Path

from agency_desktop.stores.listing import list_sessions
from agency_desktop.stores.readonly import reading
from agency_desktop.stores.schema import StoreKind, discover_layout, quote_identifier
from agency_desktop.stores.stats import get_session_stats


def test_layouts_of_sdk_stores(store_folder: Path) -> None:
    with reading(store_folder / "advanced.db") as conn:
        (pair,) = discover_layout(conn).pairs
    assert pair.kind is StoreKind.ADVANCED and pair.has_usage
    assert set(pair.dependent_tables) == {
        "message_structure",
        "turn_usage",
        "branch_reservations",
        "session_clear_generations",
    }
    with reading(store_folder / "custom.db") as conn:
        (pair,) = discover_layout(conn).pairs
    assert (pair.sessions_table, pair.messages_table, pair.kind) == (
        "my_sessions",
        "my_items",
        StoreKind.CUSTOM,
    )


def test_quote_identifier_neutralises_sql() -> None:
    assert quote_identifier('a"b') == '"a""b"'
    assert quote_identifier("x; DROP TABLE y") == '"x; DROP TABLE y"'


def test_hostile_table_names_are_quoted_never_executed(tmp_path: Path) -> None:
    # Deliberately hand-made: the SDK cannot create such names (it does not quote them).
    path = tmp_path / "hostile.db"
    sessions, messages = 'sess" ; DROP TABLE victim; --', "msg items'"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE victim (x)")
    conn.execute(
        f"CREATE TABLE {quote_identifier(sessions)} (session_id TEXT PRIMARY KEY,"
        " created_at TIMESTAMP, updated_at TIMESTAMP)"
    )
    conn.execute(
        f"CREATE TABLE {quote_identifier(messages)} (id INTEGER PRIMARY KEY, session_id TEXT,"
        f" message_data TEXT, created_at TIMESTAMP,"
        f" FOREIGN KEY (session_id) REFERENCES {quote_identifier(sessions)} (session_id))"
    )
    conn.execute(
        f"INSERT INTO {quote_identifier(messages)} (session_id, message_data) VALUES ('s', '{{}}')"
    )
    conn.commit()
    conn.close()
    (info,) = list_sessions(tmp_path)
    assert (info.sessions_table, info.messages_table, info.message_count) == (sessions, messages, 1)
    assert get_session_stats(path, "s").message_count == 1
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM victim").fetchone() == (0,)
    check.close()
