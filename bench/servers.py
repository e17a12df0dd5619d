"""Server stores: our PostgreSQL store against raw psycopg on the same server, same run.

A PostgreSQL server is started for the run (the tests' helper: initdb in a temporary
folder, loopback, stopped after). Its database gets the SDK's own tables, made by
`SQLAlchemySession` with `create_tables=True`, and then the bench's items by `COPY`: F2's
long session (the same rows as the SQLite fixture) and F1's count of short sessions.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from agency_desktop.ops.server_backup import backup_server_store
from agency_desktop.stores.registry import open_store

from .cases import PAGE, Result, Target, TimedCase
from .fixtures import Sizes, StoreFixture
from .server_writes import copy_case

LIST_SESSION = "bench-list-{:05d}"
SLOW_REPEAT = 3  # the million-item copies (10-30 s a pair): a median of three
ITEMS_PER_LISTED_SESSION = 20

# The same facts our listing gives: each session's times, item count, first and last item
# time, last id, and its first user message (a user would write it as one query).
_RAW_LISTING = """
SELECT s.session_id, s.created_at, s.updated_at, count(m.id), min(m.created_at),
       max(m.created_at), max(m.id),
       (SELECT f.message_data::jsonb ->> 'content' FROM agent_messages f
        WHERE f.session_id = s.session_id AND f.message_data::jsonb ->> 'role' = 'user'
        ORDER BY f.created_at, f.id LIMIT 1)
FROM agent_sessions s LEFT JOIN agent_messages m ON m.session_id = s.session_id
GROUP BY s.session_id, s.created_at, s.updated_at
"""
_RAW_LATEST = (
    "SELECT session_id, created_at, updated_at FROM agent_sessions"
    " ORDER BY updated_at DESC LIMIT %s"
)
_RAW_FIRST_PAGE = (
    "SELECT id, created_at, message_data FROM agent_messages WHERE session_id = %s"
    " ORDER BY created_at, id LIMIT %s"
)
_RAW_LAST_PAGE = (
    "SELECT id, created_at, message_data FROM agent_messages WHERE session_id = %s"
    " ORDER BY created_at DESC, id DESC LIMIT %s"
)
# The counts our stats give, grouped as a user would: per type, role and tool name.
# (OFFSET 0 keeps the planner from casting each item once per field: one parse a row.)
_RAW_GROUP_BY = (
    "SELECT d ->> 'type', d ->> 'role', d ->> 'name', count(*), sum(octet_length(message_data))"
    " FROM agent_messages CROSS JOIN LATERAL (SELECT message_data::jsonb AS d OFFSET 0) j"
    " WHERE session_id = %s GROUP BY 1, 2, 3"
)


def server_results(
    sizes: Sizes,
    long_store: StoreFixture,
    scratch: Path,
    repeat: int,
    on_result: Callable[[Result], None],
) -> list[Result]:
    """The PostgreSQL rows; none (with a note) where the server's package is missing."""
    import pytest

    from tests.helpers.servers import start_postgres

    try:
        server = start_postgres()
    except (OSError, RuntimeError, pytest.fail.Exception, pytest.skip.Exception) as exc:
        print(f"  PostgreSQL rows skipped: {exc}", file=sys.stderr)  # no package, no rows
        return []
    try:
        database = server.create_database()
        _load(database, sizes, long_store)
        results = []
        url, session_id = database.url(), long_store.session_id
        quick = _cases(url, session_id, sizes, database.connect)
        slow = [
            _backup_case(url, session_id, sizes, database.connect, scratch),
            copy_case(url, long_store, sizes, database.connect),
        ]
        for case, times in [
            *((c, repeat) for c in quick),
            *((c, min(repeat, SLOW_REPEAT)) for c in slow),
        ]:
            results.append(case.run(times))
            on_result(results[-1])
        return results
    finally:
        server.stop()


def _cases(url: str, session_id: str, sizes: Sizes, connect: Callable[[], Any]) -> list[TimedCase]:
    store = open_store(url)
    listed = f"{sizes.f1_files:,}"
    items = f"{sizes.f2_items:,}"

    def raw(query: str, params: tuple[object, ...] = ()) -> Callable[[], object]:
        def run() -> object:
            with connect() as conn:
                return conn.execute(query, params).fetchall()

        return run

    def first_page() -> object:
        with open_store(url).reader(session_id) as reader:
            return reader.page_after(None, PAGE)

    def first_sessions() -> object:
        listing = open_store(url).sessions()
        try:
            return list(islice(listing, PAGE))
        finally:
            listing.close()  # type: ignore[attr-defined]  (a generator)

    open_reader = store.reader(session_id)
    return [
        TimedCase(
            f"PostgreSQL {listed} sessions, first 100 listed from connecting"
            " (vs a raw SELECT of the 100 updated last)",
            first_sessions,
            raw(_RAW_LATEST, (PAGE,)),
            Target(200, "ms"),
        ),
        TimedCase(
            f"PostgreSQL {listed} sessions, whole list (vs one raw SELECT of the same facts)",
            lambda: list(open_store(url).sessions()),
            raw(_RAW_LISTING),
            Target(1.2, "x"),
        ),
        TimedCase(
            f"PostgreSQL {items}-item session, connected and first page (100)",
            first_page,
            raw(_RAW_FIRST_PAGE, (session_id, PAGE)),
            Target(250, "ms"),
        ),
        TimedCase(
            f"PostgreSQL {items}-item session, jump to the last row (page of 100)",
            lambda: open_reader.page_before(None, PAGE),
            raw(_RAW_LAST_PAGE, (session_id, PAGE)),
            Target(50, "ms"),
        ),
        TimedCase(
            f"PostgreSQL {items}-item session stats (vs a raw GROUP BY on the server)",
            lambda: open_store(url).stats(session_id),
            raw(_RAW_GROUP_BY, (session_id,)),
            Target(1.0, "x"),
        ),
    ]


# The SDK's SQLiteSession schema, as it creates it (the raw side's file gets it too).
_SDK_SCHEMA = """
CREATE TABLE agent_sessions (session_id TEXT PRIMARY KEY,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE agent_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL,
  message_data TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (session_id) REFERENCES agent_sessions (session_id) ON DELETE CASCADE);
CREATE INDEX idx_agent_messages_session_id ON agent_messages (session_id, id);
"""


def _backup_case(
    url: str, session_id: str, sizes: Sizes, connect: Callable[[], Any], scratch: Path
) -> TimedCase:
    ours, raw = scratch / "pg-backup.db", scratch / "pg-raw.db"

    def fetch_and_insert() -> None:
        raw.unlink(missing_ok=True)
        with connect() as server:
            rows = server.execute(
                "SELECT session_id, message_data, created_at FROM agent_messages"
                " WHERE session_id = %s ORDER BY created_at, id",
                (session_id,),
            ).fetchall()
        local = sqlite3.connect(raw)
        try:
            local.executescript(_SDK_SCHEMA)
            with local:
                local.execute("INSERT INTO agent_sessions (session_id) VALUES (?)", (session_id,))
                local.executemany(
                    "INSERT INTO agent_messages (session_id, message_data, created_at)"
                    " VALUES (?, ?, ?)",
                    rows,
                )
        finally:
            local.close()

    return TimedCase(
        f"PostgreSQL {sizes.f2_items:,}-item session backed up to a local file"
        " (vs a raw fetch and executemany into SQLite)",
        lambda: backup_server_store(url, ours, session_ids=[session_id], overwrite=True),
        fetch_and_insert,
        Target(1.5, "x"),
    )


REDISlong_id_ITEMS = 100_000
REDIS_PREFIX = "agents:session"


def redis_results(
    sizes: Sizes, long_store: StoreFixture, repeat: int, on_result: Callable[[Result], None]
) -> list[Result]:
    """The Redis rows; none (with a note) where the server's package is missing."""
    import pytest

    from tests.helpers.servers import start_redis

    try:
        server = start_redis()
    except (OSError, RuntimeError, pytest.fail.Exception, pytest.skip.Exception) as exc:
        print(f"  Redis rows skipped: {exc}", file=sys.stderr)
        return []
    try:
        database = server.new_database()
        with database.client() as client:
            _load_redis(client, sizes, long_store)
        results = []
        for case in _redis_cases(database.url(), long_store.session_id, database.client, sizes):
            results.append(case.run(repeat))
            on_result(results[-1])
        return results
    finally:
        server.stop()


def _load_redis(client: Any, sizes: Sizes, long_store: StoreFixture) -> None:
    """Keys as RedisSession writes them: a hash of metadata, a list of items, a counter."""
    with _sqlite_rows(long_store, REDISlong_id_ITEMS) as rows:
        items = [text for text, _ in rows]
    sessions = [(long_store.session_id, items)]
    sessions += [
        (LIST_SESSION.format(n), items[:ITEMS_PER_LISTED_SESSION]) for n in range(sizes.f1_files)
    ]
    pipe = client.pipeline(transaction=False)
    for number, (session_id, texts) in enumerate(sessions):
        key = f"{REDIS_PREFIX}:{session_id}"
        stamp = str(1_740_000_000 + number)
        pipe.hset(key, mapping={"session_id": session_id, "created_at": stamp, "updated_at": stamp})
        for start in range(0, len(texts), 10_000):
            pipe.rpush(f"{key}:messages", *texts[start : start + 10_000])
        pipe.set(f"{key}:counter", len(texts))
        if len(pipe) > 20_000:
            pipe.execute()
    pipe.execute()


def _redis_cases(
    url: str, long_id: str, client: Callable[[], Any], sizes: Sizes
) -> list[TimedCase]:
    def raw_listing() -> object:
        """SCAN the session hashes, then HGETALL each, pipelined: the least a listing does."""
        with client() as redis:
            keys = [
                key
                for key in redis.scan_iter(match=f"{REDIS_PREFIX}:*", count=1000)
                if not key.endswith((b":messages", b":counter"))
            ]
            pipe = redis.pipeline(transaction=False)
            for key in keys:
                pipe.hgetall(key)
            return pipe.execute()

    def raw_first_page() -> object:
        with client() as redis:
            return redis.lrange(f"{REDIS_PREFIX}:{long_id}:messages", 0, PAGE - 1)

    def first_page() -> object:
        with open_store(url).reader(long_id) as reader:
            return reader.page_after(None, PAGE)

    return [
        TimedCase(
            f"Redis {sizes.f1_files:,} sessions, whole list (vs pipelined SCAN + HGETALL)",
            lambda: list(open_store(url).sessions()),
            raw_listing,
            Target(1.2, "x"),
        ),
        TimedCase(
            f"Redis {REDISlong_id_ITEMS:,}-item session, connected and first page (100)",
            first_page,
            raw_first_page,
            Target(100, "ms"),
        ),
    ]


def _load(database: Any, sizes: Sizes, long_store: StoreFixture) -> None:
    """The SDK's tables (made by the SDK), then the sessions and items by COPY."""
    from tests.helpers.server_stores import write_sqlalchemy

    write_sqlalchemy(database.url(driver="asyncpg"), "made-by-the-sdk", ("Paris",))
    with database.connect() as conn:
        ids = [LIST_SESSION.format(n) for n in range(sizes.f1_files)]
        with conn.cursor().copy("COPY agent_sessions (session_id) FROM STDIN") as copy:
            copy.write_row((long_store.session_id,))
            for session_id in ids:
                copy.write_row((session_id,))
        with conn.cursor().copy(
            "COPY agent_messages (session_id, message_data, created_at) FROM STDIN"
        ) as copy:
            for row in _long_rows(long_store):
                copy.write_row(row)
            for row in _listed_rows(long_store, ids):
                copy.write_row(row)
        conn.execute("VACUUM (FREEZE, ANALYZE)")  # all visible, as autovacuum leaves a table


@contextmanager
def _sqlite_rows(long_store: StoreFixture, limit: int | None) -> Iterator[sqlite3.Cursor]:
    conn = sqlite3.connect(f"file:{long_store.path}?mode=ro", uri=True)
    try:
        yield conn.execute(
            "SELECT message_data, created_at FROM agent_messages WHERE session_id = ?"
            " ORDER BY id LIMIT ?",
            (long_store.session_id, -1 if limit is None else limit),
        )
    finally:
        conn.close()


def _long_rows(long_store: StoreFixture) -> Iterator[tuple[str, str, str]]:
    with _sqlite_rows(long_store, None) as rows:
        for text, created in rows:
            yield long_store.session_id, text, f"{created}+00"


def _listed_rows(long_store: StoreFixture, ids: list[str]) -> Iterator[tuple[str, str, str]]:
    """Each short session: the long session's first items, an hour later per session."""
    with _sqlite_rows(long_store, ITEMS_PER_LISTED_SESSION) as rows:
        head = rows.fetchall()
    for session_id in ids:
        for text, created in head:
            yield session_id, text, f"{created}+00"
