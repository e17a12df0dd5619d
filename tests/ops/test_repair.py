"""Repairs of what the store doctor finds, checked through the SDK an agent reads with."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession
from agents.extensions.memory import AdvancedSQLiteSession

from agency_desktop.ops import sdk_reading
from agency_desktop.ops.repair import RepairVerificationError, plan_repair, run_repair
from agency_desktop.stores.base import StoreChangedError
from agency_desktop.stores.doctor import FindingKind
from agency_desktop.stores.health import check_store
from tests.helpers.stores import (
    folder_snapshot,
    integrity,
    run_turns,
    write_plain,
    write_upgraded,
)

STRUCTURE = (
    "SELECT message_type, sequence_number, user_turn_number, branch_turn_number, tool_name"
    " FROM message_structure WHERE branch_id = 'main' ORDER BY sequence_number"
)
USAGE = "SELECT user_turn_number, input_tokens, total_tokens FROM turn_usage ORDER BY 1"


def _sdk_items(path: Path, session_id: str = "chat", **tables: str) -> list[Any]:
    session = AdvancedSQLiteSession(session_id=session_id, db_path=path, **tables)
    try:
        return asyncio.run(session.get_items())
    finally:
        session.close()


def _plain_items(path: Path, session_id: str = "chat", **tables: str) -> list[Any]:
    session = SQLiteSession(session_id, path, **tables)
    try:
        return asyncio.run(session.get_items())
    finally:
        session.close()


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _written_advanced_from_the_start(path: Path) -> Path:
    """The same conversation as `write_upgraded`, all of it through AdvancedSQLiteSession."""
    session = AdvancedSQLiteSession(session_id="chat", db_path=path, create_tables=True)
    try:
        asyncio.run(run_turns(session, ("Paris", "Oslo")))
        asyncio.run(run_turns(session, ("Lima",), store_usage=True))
    finally:
        session.close()
    return path


def test_hidden_history_is_given_back_to_the_sdk(tmp_path: Path) -> None:
    path = write_upgraded(tmp_path / "chat.db")
    everything = _plain_items(path)  # SQLiteSession still reads every row, in order
    assert len(everything) == 12 and len(_sdk_items(path)) == 4
    plan = plan_repair(path)
    assert [s.kind for s in plan.steps] == [FindingKind.HIDDEN_HISTORY]
    assert "add 8 structure rows" in plan.describe()[0]
    report = run_repair(plan, backup_root=tmp_path / "backups")
    assert _sdk_items(path) == everything
    assert check_store(path).ok and integrity(path) == "ok"
    assert report.backup is not None and report.backup.parent.parent == tmp_path / "backups"
    assert len(_sdk_items(report.backup)) == 4  # the backup is the store as it was


def test_repaired_rows_are_the_rows_the_sdk_writes_itself(tmp_path: Path) -> None:
    repaired = write_upgraded(tmp_path / "upgraded.db")
    run_repair(plan_repair(repaired), backup_root=tmp_path / "backups")
    reference = _written_advanced_from_the_start(tmp_path / "reference.db")
    assert _rows(repaired, STRUCTURE) == _rows(reference, STRUCTURE)
    # Lima's usage was stored as turn 1 of what the SDK saw; it is turn 3 of the session.
    assert _rows(repaired, USAGE) == _rows(reference, USAGE) == [(3, 200, 220)]


def test_the_sdk_goes_on_from_the_repaired_history(tmp_path: Path) -> None:
    path = write_upgraded(tmp_path / "chat.db")
    run_repair(plan_repair(path), backup_root=tmp_path / "backups")
    session = AdvancedSQLiteSession(session_id="chat", db_path=path)
    try:
        popped = asyncio.run(session.pop_item())  # before the repair: old items lost for good
        asyncio.run(run_turns(session, ("Rome",), store_usage=True))
        turns = asyncio.run(session.get_conversation_turns())
        items = asyncio.run(session.get_items())
    finally:
        session.close()
    assert popped is not None and popped.get("role") == "assistant"
    assert [turn["turn"] for turn in turns] == [1, 2, 3, 4]
    assert len(items) == 11 + 4 and "Paris" in str(items[0])
    assert check_store(path).ok


def test_custom_table_names_are_repaired_in_their_own_tables(tmp_path: Path) -> None:
    tables = {"sessions_table": "conversations", "messages_table": "conversation_items"}
    path = write_upgraded(tmp_path / "custom.db", **tables)
    everything = _plain_items(path, **tables)
    run_repair(plan_repair(path), backup_root=tmp_path / "backups")
    assert _sdk_items(path, **tables) == everything and len(everything) == 12


def test_a_repair_asked_for_one_session_leaves_the_others(tmp_path: Path) -> None:
    path = write_upgraded(tmp_path / "chat.db", "first")
    write_upgraded(path, "second")
    run_repair(plan_repair(path, sessions=["first"]), backup_root=tmp_path / "backups")
    assert len(_sdk_items(path, "first")) == 12 and len(_sdk_items(path, "second")) == 4


def test_nothing_is_changed_when_the_store_moved_on_since_the_plan(tmp_path: Path) -> None:
    path = write_upgraded(tmp_path / "chat.db")
    plan = plan_repair(path)
    write_plain(path, "chat", ("Rome",))  # an agent on the old SQLiteSession adds a turn
    before = folder_snapshot(tmp_path)
    with pytest.raises(StoreChangedError, match="changed since the check"):
        run_repair(plan, backup_root=tmp_path.parent / f"{tmp_path.name}-backups")
    assert folder_snapshot(tmp_path) == before


def test_a_rehearsal_that_does_not_read_back_leaves_the_store_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_upgraded(tmp_path / "chat.db")
    before = folder_snapshot(tmp_path)
    monkeypatch.setattr(sdk_reading, "items_due_on_main", lambda *_: ["something else"])
    with pytest.raises(RepairVerificationError, match="did not read back through the SDK"):
        run_repair(plan_repair(path), backup_root=tmp_path.parent / f"{tmp_path.name}-backups")
    assert folder_snapshot(tmp_path) == before


def test_orphans_and_lost_session_rows_are_repaired(tmp_path: Path) -> None:
    path = write_upgraded(tmp_path / "chat.db")
    run_repair(plan_repair(path), backup_root=tmp_path / "backups")
    conn = sqlite3.connect(path)
    with conn:  # deliberately broken, as a crash between the SDK's statements leaves it
        conn.execute("DELETE FROM agent_messages WHERE id = (SELECT max(id) FROM agent_messages)")
        conn.execute("DELETE FROM agent_sessions")
        conn.execute(
            "INSERT INTO turn_usage (session_id, branch_id, user_turn_number) VALUES ('gone', 'main', 1)"
        )
    conn.close()
    plan = plan_repair(path)
    assert {s.kind for s in plan.steps} == {
        FindingKind.ORPHAN_STRUCTURE,
        FindingKind.MESSAGES_WITHOUT_SESSION,
        FindingKind.ORPHAN_USAGE,
    }
    run_repair(plan, backup_root=tmp_path / "backups")
    assert check_store(path).ok
    created, updated = _rows(path, "SELECT created_at, updated_at FROM agent_sessions")[0]
    first, last = _rows(path, "SELECT min(created_at), max(created_at) FROM agent_messages")[0]
    assert (created, updated) == (first, last)
    assert len(_sdk_items(path)) == 11


def test_a_store_with_nothing_to_repair_is_not_touched(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "plain.db", "plain")
    before = folder_snapshot(tmp_path)
    report = run_repair(plan_repair(path), backup_root=tmp_path.parent / "unused-backups")
    assert report.backup is None and folder_snapshot(tmp_path) == before


def test_repair_works_from_a_caller_running_an_event_loop(tmp_path: Path) -> None:
    """A notebook's cell runs inside an event loop; the SDK's reading back must not fail."""
    path = write_upgraded(tmp_path / "chat.db")

    async def cell() -> None:
        run_repair(plan_repair(path), backup_root=tmp_path / "backups")

    asyncio.run(cell())
    assert len(_sdk_items(path)) == 12


def test_the_cli_shows_the_plan_then_repairs_after_a_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agency_desktop.cli import main

    path = write_upgraded(tmp_path / "chat.db")
    before = folder_snapshot(tmp_path)
    assert main(["repair", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "will: session 'chat': add 8 structure rows" in out and "nothing was changed" in out
    assert folder_snapshot(tmp_path) == before
    assert main(["repair", str(path), "--yes", "--json"]) == 0
    import json

    document = json.loads(capsys.readouterr().out)
    assert document["repaired"] == [{"kind": "hidden history", "session_id": "chat", "rows": 8}]
    assert Path(document["backup"]).is_file()
    assert len(_sdk_items(path)) == 12


def test_the_cli_refuses_without_confirmation_when_not_at_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from agency_desktop.cli import main

    path = write_upgraded(tmp_path / "chat.db")
    before = folder_snapshot(tmp_path)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["repair", str(path)]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert folder_snapshot(tmp_path) == before
