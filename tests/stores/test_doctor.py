"""The store doctor finds what the SDK hides or loses, on stores the SDK wrote."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from agency_desktop.stores.doctor import FindingKind
from agency_desktop.stores.health import check_store
from tests.helpers.stores import corrupt_row, folder_snapshot, write_plain, write_upgraded


def _upgraded(path: Path) -> Path:
    return write_upgraded(path)


def _found(path: Path) -> dict[FindingKind, tuple[str | None, int]]:
    health = check_store(path)
    return {f.kind: (f.session_id, f.rows) for f in health.findings}


def test_history_hidden_by_an_upgrade_to_advanced_is_found_and_explained(tmp_path: Path) -> None:
    path = _upgraded(tmp_path / "chat.db")
    before = folder_snapshot(tmp_path)
    health = check_store(path)
    assert folder_snapshot(tmp_path) == before  # looking changes nothing
    (finding,) = [f for f in health.findings if f.kind is FindingKind.HIDDEN_HISTORY]
    assert (finding.session_id, finding.rows) == ("chat", 8)  # the two turns before the upgrade
    assert finding.sdk_issue == "https://github.com/openai/openai-agents-python/issues/4729"
    assert "pop_item" in finding.explanation and "structure rows" in finding.repair
    assert not health.ok
    assert health.as_dict()["findings"][0]["kind"] == "hidden history"


def test_a_store_the_sdk_wrote_cleanly_has_no_findings(tmp_path: Path) -> None:
    from tests.helpers.stores import write_advanced

    assert _found(write_advanced(tmp_path / "adv.db", "adv")) == {}
    assert _found(write_plain(tmp_path / "plain.db", "plain")) == {}


def test_unreadable_items_lost_session_rows_and_empty_sessions(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "plain.db", "chat", ("Paris",))
    corrupt_row(path, "null")
    conn = sqlite3.connect(path)
    with conn:  # deliberately broken: the kinds of damage the doctor is for
        conn.execute("UPDATE agent_messages SET message_data = '{not json' WHERE id = 1")
        conn.execute("INSERT INTO agent_messages (session_id, message_data) VALUES ('lost', '{}')")
        conn.execute("INSERT INTO agent_sessions (session_id) VALUES ('empty')")
    conn.close()
    found = _found(path)
    assert found[FindingKind.UNREADABLE_ITEMS] == ("chat", 2)
    assert found[FindingKind.MESSAGES_WITHOUT_SESSION] == ("lost", 1)
    assert found[FindingKind.EMPTY_SESSION] == ("empty", 0)


def test_check_prints_each_finding_with_its_session_and_sdk_issue(capsys, tmp_path: Path) -> None:
    from agency_desktop.cli import main

    _upgraded(tmp_path / "chat.db")
    code = main(["check", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "hidden history: session chat, 8 rows" in out
    assert "issues/4729" in out


def test_the_files_upkeep_is_advice_not_a_problem(tmp_path: Path) -> None:
    from agents import SQLiteSession

    from tests.helpers.stores import write_long

    path = write_long(tmp_path / "long.db", "long", 20_000)
    write_plain(path, "kept", ("Paris",))
    session = SQLiteSession("long", path)
    try:
        asyncio.run(session.clear_session())  # the SDK frees the pages, SQLite keeps them
    finally:
        session.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")  # deliberately: not as the SDK left it
    conn.close()
    health = check_store(path)
    found = {f.kind: f for f in health.findings}
    assert set(found) == {FindingKind.FREE_SPACE, FindingKind.NOT_WAL}
    assert (
        found[FindingKind.FREE_SPACE].rows > 100
        and "Vacuum" in found[FindingKind.FREE_SPACE].repair
    )
    assert health.ok  # advice: nothing is hidden or lost
