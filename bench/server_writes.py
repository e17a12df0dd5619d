"""Copying a session to the PostgreSQL server: ours against a raw COPY of the same rows.

Ours is what `migrate FILE URL --new-id ... --overwrite` writes: the F2 session read from
its SQLite file, then written by `PostgresStore.append_session` with replace (the old
copy deleted, COPY, read back and verified, all in one transaction). The baseline is
what a one-off script would do: read the same rows from the file, delete the old copy,
COPY the rows in, commit; it checks nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from agency_desktop.stores.registry import open_store
from agency_desktop.stores.sqlite_file import SQLiteFileStore

from .cases import Target, TimedCase
from .fixtures import Sizes, StoreFixture

OURS_ID = "bench-copy-ours"
RAW_ID = "bench-copy-raw"


def copy_case(
    url: str, long_store: StoreFixture, sizes: Sizes, connect: Callable[[], Any]
) -> TimedCase:
    def ours() -> None:
        data = SQLiteFileStore(long_store.path).read_session(long_store.session_id)
        open_store(url).append_session(data, session_id=OURS_ID, replace=True)

    def raw_copy() -> None:
        source = sqlite3.connect(f"file:{long_store.path}?mode=ro", uri=True)
        try:
            rows = source.execute(
                "SELECT message_data, created_at FROM agent_messages WHERE session_id = ?"
                " ORDER BY id",
                (long_store.session_id,),
            ).fetchall()
        finally:
            source.close()
        with connect() as server, server.transaction():
            server.execute("DELETE FROM agent_messages WHERE session_id = %s", (RAW_ID,))
            server.execute("DELETE FROM agent_sessions WHERE session_id = %s", (RAW_ID,))
            server.execute("INSERT INTO agent_sessions (session_id) VALUES (%s)", (RAW_ID,))
            copy_rows = "COPY agent_messages (session_id, message_data, created_at) FROM STDIN"
            with server.cursor().copy(copy_rows) as copy:
                for text, created in rows:
                    copy.write_row((RAW_ID, text, created))

    return TimedCase(
        f"PostgreSQL {sizes.f2_items:,}-item session copied to the server, verified"
        " (vs a raw COPY FROM STDIN of the same rows)",
        ours,
        raw_copy,
        Target(1.5, "x"),
    )
