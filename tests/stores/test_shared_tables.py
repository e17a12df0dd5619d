"""Two SDK sessions classes writing different messages tables that share one sessions table."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.ops.migrate import copy_session
from agency_desktop.stores.listing import list_sessions
from agency_desktop.stores.paging import SessionReader
from agency_desktop.stores.stats import get_session_stats


@pytest.fixture
def shared_sessions_table(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    for session_id, table, count in (("alpha", "agent_messages", 1), ("beta", "other_messages", 3)):
        session = SQLiteSession(session_id, path, messages_table=table)
        asyncio.run(
            session.add_items(
                [{"role": "user", "content": f"{session_id} {i}"} for i in range(count)]
            )
        )
        session.close()
    return path


def test_each_session_is_listed_once_under_the_table_that_holds_its_items(
    shared_sessions_table: Path,
) -> None:
    found = sorted(
        (i.session_id, i.messages_table, i.message_count)
        for i in list_sessions(shared_sessions_table.parent)
    )
    assert found == [("alpha", "agent_messages", 1), ("beta", "other_messages", 3)]
    assert get_session_stats(shared_sessions_table).session_count == 2


def test_reading_and_copying_use_the_holding_pair(
    shared_sessions_table: Path, tmp_path: Path
) -> None:
    with SessionReader(shared_sessions_table, "beta") as reader:
        assert reader.pair.messages_table == "other_messages" and reader.count() == 3
    assert get_session_stats(shared_sessions_table, "beta").message_count == 3
    assert copy_session(shared_sessions_table, "beta", tmp_path / "copy.db").message_count == 3
