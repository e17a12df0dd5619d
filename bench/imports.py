"""Import case: F2's JSONL export read back into a new store.

The baseline is the least a plain script does to get the same items into a store of
the SDK's schema: the SDK's own CREATE statements on a default connection, each line
parsed by `json.loads` (to be sure it is an item), one `executemany` in one transaction,
the sessions row, commit. It has nothing to verify, no temporary name, no fsync.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from agency_desktop.ops.atomic import remove_quietly
from agency_desktop.ops.export import export_session
from agency_desktop.ops.importing import import_items
from agency_desktop.ops.store_writer import create_store

from .cases import Target, TimedCase
from .fixtures import StoreFixture


def sdk_schema(scratch: Path) -> list[str]:
    """The statements the SDK's SQLiteSession runs to make its tables, in order."""
    template = scratch / "sdk-schema.db"
    remove_quietly(template)
    create_store(template, "template", "agent_sessions", "agent_messages", advanced=False)
    conn = sqlite3.connect(template)
    try:
        rows = conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
        return [sql for (sql,) in rows if "sqlite_sequence" not in sql]
    finally:
        conn.close()
        remove_quietly(template)


def _parsed_lines(source: Path, session_id: str) -> Iterator[tuple[str, str]]:
    with source.open(encoding="utf-8") as handle:
        for line in handle:
            json.loads(line)
            yield session_id, line.rstrip("\n")


def _raw_import(source: Path, dest: Path, session_id: str, schema: list[str]) -> None:
    conn = sqlite3.connect(dest)
    try:
        for statement in schema:
            conn.execute(statement)
        with conn:
            conn.executemany(
                "INSERT INTO agent_messages (session_id, message_data) VALUES (?, ?)",
                _parsed_lines(source, session_id),
            )
            conn.execute("INSERT INTO agent_sessions (session_id) VALUES (?)", (session_id,))
    finally:
        conn.close()


def import_cases(store: StoreFixture, scratch: Path) -> list[TimedCase]:
    """The export is written once, here, off the clock; each run starts with no store."""
    source = scratch / "import-source.jsonl"
    export_session(store.path, store.session_id, "jsonl", source, overwrite=True)
    schema = sdk_schema(scratch)
    ours, theirs = scratch / "imported.db", scratch / "imported-raw.db"

    def no_stores() -> None:
        remove_quietly(ours)
        remove_quietly(theirs)

    return [
        TimedCase(
            "F2 import the JSONL export into a new store (vs parse + executemany)",
            lambda: import_items(source, ours, store.session_id),
            lambda: _raw_import(source, theirs, store.session_id, schema),
            Target(1.2, "x"),
            setup=no_stores,
        )
    ]
