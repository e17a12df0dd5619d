"""Session stores written by the real Agents SDK, and deliberately broken files."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents import Agent, RunConfig, Runner, SQLiteSession, Usage, function_tool
from agents.extensions.memory import AdvancedSQLiteSession
from agents.testing import ScriptedModel, assistant_message, function_call

CITIES = {"Paris": "sunny", "Oslo": "snow", "Lima": "overcast", "Rome": "warm"}


@function_tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return f"{city}: {CITIES.get(city, 'unknown')}"


def weather_steps(city: str, call_id: str, usage: Usage | None = None) -> list[dict[str, Any]]:
    """One user turn: the model calls the tool, then answers (four stored items)."""
    first: dict[str, Any] = {
        "output": [function_call("get_weather", {"city": city}, call_id=call_id)]
    }
    second: dict[str, Any] = {
        "output": [assistant_message(f"{city} is {CITIES.get(city, 'unknown')}.")]
    }
    if usage is not None:
        first["usage"] = second["usage"] = usage
    return [first, second]


async def run_turns(session: Any, cities: Sequence[str], *, store_usage: bool = False) -> None:
    for index, city in enumerate(cities):
        usage = Usage(
            requests=1, input_tokens=100 + index, output_tokens=10, total_tokens=110 + index
        )
        agent = Agent(
            name="weather",
            model=ScriptedModel(weather_steps(city, f"call_{index}_{city}", usage)),
            tools=[get_weather],
        )
        result = await Runner.run(
            agent,
            f"Weather in {city}?",
            session=session,
            run_config=RunConfig(tracing_disabled=True),
        )
        if store_usage:
            await session.store_run_usage(result)


def write_plain(
    path: Path, session_id: str, cities: Sequence[str] = ("Paris",), **tables: str
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    session = SQLiteSession(session_id, path, **tables)
    try:
        asyncio.run(run_turns(session, cities))
    finally:
        session.close()
    return path


def write_advanced(path: Path, session_id: str, cities: Sequence[str] = ("Paris", "Oslo")) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    session = AdvancedSQLiteSession(session_id=session_id, db_path=path, create_tables=True)
    try:
        asyncio.run(run_turns(session, cities, store_usage=True))
    finally:
        session.close()
    return path


def write_upgraded(
    path: Path,
    session_id: str = "chat",
    before: Sequence[str] = ("Paris", "Oslo"),
    after: Sequence[str] = ("Lima",),
    **tables: str,
) -> Path:
    """The upgrade pitfall as users make it (openai-agents-python#4729): turns through
    SQLiteSession, then AdvancedSQLiteSession on the same file and session id, and the
    agent runs on (storing its usage), no longer seeing the older turns."""
    write_plain(path, session_id, before, **tables)
    session = AdvancedSQLiteSession(
        session_id=session_id, db_path=path, create_tables=True, **tables
    )
    try:
        assert asyncio.run(session.get_items()) == []  # the history the SDK no longer sees
        asyncio.run(run_turns(session, after, store_usage=True))
    finally:
        session.close()
    return path


def write_branched(path: Path, session_id: str = "branched") -> Path:
    """An AdvancedSQLiteSession with a branch, made as the SDK documents it: three turns
    on main, `create_branch_from_turn(2)` (the branch keeps turn 1), one turn on the
    branch, then back to main for one more. Usage stored for every turn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    session = AdvancedSQLiteSession(session_id=session_id, db_path=path, create_tables=True)

    async def converse() -> None:
        await run_turns(session, ("Paris", "Oslo", "Lima"), store_usage=True)
        await session.create_branch_from_turn(2, "what-if-rome")
        await run_turns(session, ("Rome",), store_usage=True)
        await session.switch_to_branch("main")
        await run_turns(session, ("Oslo",), store_usage=True)

    try:
        asyncio.run(converse())
    finally:
        session.close()
    return path


def write_long(path: Path, session_id: str, items: int) -> Path:
    """One long session: real turns run by the SDK, then their items added again through
    the SDK's own add_items until the session holds `items` (running that many turns
    through Runner would take minutes and change nothing about the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    session = SQLiteSession(session_id, path)

    async def fill() -> None:
        await run_turns(session, tuple(CITIES))
        turns = await session.get_items()
        held = len(turns)
        while held < items:
            batch = (turns * (10_000 // len(turns) + 1))[: min(10_000, items - held)]
            await session.add_items(batch)
            held += len(batch)

    try:
        asyncio.run(fill())
    finally:
        session.close()
    return path


def write_store_folder(folder: Path) -> Path:
    """The standard test folder: every kind of store the app must understand."""
    folder.mkdir(parents=True, exist_ok=True)
    write_plain(folder / "plain.db", "plain-1", ("Paris", "Oslo"))
    write_plain(folder / "shared.db", "shared-a", ("Paris",))
    write_plain(folder / "shared.db", "shared-b", ("Lima", "Rome", "Oslo"))
    write_advanced(folder / "advanced.db", "adv-1")
    write_plain(
        folder / "custom.db",
        "custom-1",
        ("Rome",),
        sessions_table="my_sessions",
        messages_table="my_items",
    )
    (folder / "notes.txt").write_text("not a store, not named like one\n")
    return folder


def copy_folder(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


# --- deliberately broken files (the only hand-made data in the suite) ---


def write_broken_files(folder: Path, template: Path) -> dict[str, Path]:
    """Files a user might have lying around; template is a real store to damage."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "empty": folder / "empty.db",
        "random": folder / "random.db",
        "truncated": folder / "truncated.db",
        "other_schema": folder / "other.sqlite",
        "header_only": folder / "header.db",
    }
    files["empty"].write_bytes(b"")
    files["random"].write_bytes(os.urandom(8192))
    data = template.read_bytes()
    files["truncated"].write_bytes(data[: len(data) // 3])
    files["header_only"].write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    with sqlite3.connect(files["other_schema"]) as conn:
        conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    return files


def corrupt_row(path: Path, text: str = "{not json", table: str = "agent_messages") -> int:
    """Overwrite one stored item with text that does not parse; returns its row id."""
    conn = sqlite3.connect(path)
    try:
        row_id = conn.execute(f"SELECT min(id) + 1 FROM {table}").fetchone()[0]
        conn.execute(f"UPDATE {table} SET message_data = ? WHERE id = ?", (text, row_id))
        conn.commit()
    finally:
        conn.close()
    return int(row_id)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sdk_items(path: Path, session_id: str) -> list[Any]:
    """A file's session as the SDK's own SQLiteSession reads it back."""
    session = SQLiteSession(session_id, path)
    try:
        return list(asyncio.run(session.get_items()))
    finally:
        session.close()


def item_texts(path: Path, session_id: str, table: str = "agent_messages") -> list[str]:
    # Not mode=ro: on a WAL store that leaves -wal and -shm files behind for good.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA query_only = 1")
    try:
        rows = conn.execute(
            f"SELECT message_data FROM {_quoted(table)} WHERE session_id = ? ORDER BY id",
            (session_id,),
        )
        return [row[0] for row in rows]
    finally:
        conn.close()


def integrity(path: Path) -> str:
    """SQLite's integrity_check of a store: "ok", or its first finding."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA query_only = 1")
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def folder_snapshot(folder: Path) -> dict[str, str]:
    """Every file in a folder with a digest of its bytes (side files show up as new names)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def age_store(path: Path, seconds: float) -> None:
    """As if the store (and its WAL, if any) had last been written `seconds` ago: caches
    trust a file's signature only once it has been still for a while."""
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            stat = file.stat()
            os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns - int(seconds * 1e9)))
