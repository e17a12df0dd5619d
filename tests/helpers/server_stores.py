"""Server sessions written and read by the real Agents SDK, as the file stores are.

The conversations are those of tests/helpers/stores.py (`run_turns`: ScriptedModel, a real
function tool), stored through `SQLAlchemySession.from_url` ("postgresql+asyncpg://...")
and `RedisSession.from_url` ("redis://..."). Each call runs in an event loop of its own
and releases its connections in that loop (an engine left to the garbage collector warns,
and warnings are errors here).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from agents.extensions.memory import RedisSession, SQLAlchemySession

from .servers import PgDatabase
from .stores import run_turns

ITEMS_PER_TURN = 4  # user message, function call, its output, assistant message


async def _in_sqlalchemy[T](
    url: str, session_id: str, work: Callable[[Any], Awaitable[T]], **options: Any
) -> T:
    session = SQLAlchemySession.from_url(session_id, url=url, **options)
    try:
        return await work(session)
    finally:
        await session.engine.dispose()


async def _in_redis[T](
    url: str, session_id: str, work: Callable[[Any], Awaitable[T]], **options: Any
) -> T:
    session = RedisSession.from_url(session_id, url=url, **options)
    try:
        return await work(session)
    finally:
        await session.close()


def write_sqlalchemy(
    url: str, session_id: str, cities: Sequence[str] = ("Paris",), **tables: str
) -> None:
    """Turns through SQLAlchemySession, which creates its tables (custom names in `tables`:
    sessions_table, messages_table) as users' agents do with create_tables=True."""

    async def converse(session: Any) -> None:
        await run_turns(session, cities)

    asyncio.run(_in_sqlalchemy(url, session_id, converse, create_tables=True, **tables))


def add_sqlalchemy_items(url: str, session_id: str, items: Sequence[Any]) -> None:
    """Items stored by the SDK's own add_items, in one call: one transaction, so every item
    gets the same created_at (the tables must exist: write_sqlalchemy made them)."""

    async def add(session: Any) -> None:
        await session.add_items(list(items))

    asyncio.run(_in_sqlalchemy(url, session_id, add))


def read_sqlalchemy(url: str, session_id: str, **tables: str) -> list[Any]:
    """The session's items as the SDK's own get_items returns them."""

    async def items(session: Any) -> list[Any]:
        return list(await session.get_items())

    return asyncio.run(_in_sqlalchemy(url, session_id, items, **tables))


def write_redis(
    url: str, session_id: str, cities: Sequence[str] = ("Paris",), **options: Any
) -> None:
    """Turns through RedisSession; `options` are its key_prefix and ttl (seconds)."""

    async def converse(session: Any) -> None:
        await run_turns(session, cities)

    asyncio.run(_in_redis(url, session_id, converse, **options))


def read_redis(url: str, session_id: str, **options: Any) -> list[Any]:
    async def items(session: Any) -> list[Any]:
        return list(await session.get_items())

    return asyncio.run(_in_redis(url, session_id, items, **options))


def age_pg_session(database: PgDatabase, session_id: str, days: int) -> None:
    """Every time a PostgreSQL session has, `days` earlier (the listing reads its items' too)."""
    with database.connect() as admin:
        for table in ("agent_sessions", "agent_messages"):
            admin.execute(
                f"UPDATE {table} SET created_at = created_at - make_interval(days => %s)"
                " WHERE session_id = %s",
                (days, session_id),
            )
        admin.execute(
            "UPDATE agent_sessions SET updated_at = updated_at - make_interval(days => %s)"
            " WHERE session_id = %s",
            (days, session_id),
        )


def pg_session_ids(database: PgDatabase) -> set[str]:
    with database.connect() as admin:
        return {row[0] for row in admin.execute("SELECT session_id FROM agent_sessions")}


def write_aged_sessions(database: PgDatabase, days: int) -> PgDatabase:
    """Sessions 'old-1' and 'old-2', last active `days` ago, and 'recent': what a cleanup
    on the server should take and leave."""
    url = database.url(driver="asyncpg")
    for session_id, city in (("old-1", "Lima"), ("old-2", "Rome"), ("recent", "Kyiv")):
        write_sqlalchemy(url, session_id, (city,))
    age_pg_session(database, "old-1", days)
    age_pg_session(database, "old-2", days)
    return database


_COPY_CHILD = """
import sys, time
from agency_desktop.stores.registry import open_store
from agency_desktop.stores.sqlite_file import SQLiteFileStore
from agency_desktop.util.progress import Reporter
source, url, when, items = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
data = SQLiteFileStore(source).read_session("long")
def progress(done, total, message):
    if message == when or (when == "items" and done >= items):
        print("KILL_POINT", flush=True)
        time.sleep(120)
open_store(url).append_session(data, session_id="theirs", replace=True, report=Reporter(progress))
print("DONE", flush=True)
"""
_ROOT = Path(__file__).resolve().parents[2]


def kill_copy(source: Path, url: str, when: str, items: int) -> None:
    """Copy session "long" of `source` over session "theirs" of the server store at `url`
    in a child process, SIGKILLed at `when`: "items" once `items` are sent, or the
    progress message named (as "verifying")."""
    with subprocess.Popen(
        [sys.executable, "-c", _COPY_CHILD, str(source), url, when, str(items)],
        cwd=_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OPENAI_AGENTS_DISABLE_TRACING": "1"},
    ) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "KILL_POINT", child.stderr
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
