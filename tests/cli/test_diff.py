"""agency-sessions diff: exit status as diff(1)'s, text and JSON, stores left as they were."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.ops.backup import backup_store
from agency_desktop.stores.session_diff import diff_sessions
from tests.cli.test_commands import run
from tests.helpers.stores import folder_snapshot, write_plain
from tests.stores.test_session_diff import copy_items, edit_row, new_output, row_of


@pytest.fixture
def chat(tmp_path: Path) -> Path:
    return write_plain(tmp_path / "stores" / "chat.db", "chat", ("Paris", "Oslo"))


def test_a_session_and_its_backup_exit_0(capsys, chat: Path) -> None:
    backup = backup_store(chat, chat.parent / "backup.db").path
    before = folder_snapshot(chat.parent)
    code, out, err = run(capsys, "diff", chat, backup, "--session", "chat")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"A: {chat}, session chat, 8 items",
        f"B: {backup}, session chat, 8 items",
        "The sessions are the same: 8 items each.",
    ]
    code, out, _ = run(capsys, "--json", "diff", chat, backup, "--session", "chat")
    data = json.loads(out)
    assert code == 0 and data["identical"] and data["entries"] == []
    assert data["summary"] == {
        "same": 8,
        "added": 0,
        "removed": 0,
        "changed": 0,
        "common_prefix": 8,
        "first_difference": None,
    }
    assert folder_snapshot(chat.parent) == before  # viewing changes nothing


def test_appended_items_exit_1_and_list_only_what_differs(capsys, chat: Path) -> None:
    backup = backup_store(chat, chat.parent / "backup.db").path
    write_plain(chat, "chat", ("Lima",))
    before = folder_snapshot(chat.parent)
    code, out, _ = run(capsys, "diff", backup, chat, "--session", "chat")
    lines = out.splitlines()
    assert code == 1
    assert lines[2] == (
        "4 added, 0 removed, 0 changed, 8 items the same; the first difference is at item 9."
    )
    assert [line.split()[:3] for line in lines[3:]] == [
        ["+", "#9", "user:"],
        ["+", "#10", "tool"],
        ["+", "#11", "tool"],
        ["+", "#12", "assistant:"],
    ]
    assert lines[4].endswith('tool call call_0_Lima: get_weather({"city":"Lima"})')
    assert "the same" not in "\n".join(lines[3:])
    code, out, _ = run(capsys, "diff", backup, chat, "--session", "chat", "--all")
    assert code == 1 and "  … 8 items the same (A #1-8, B #1-8)" in out.splitlines()
    code, out, _ = run(capsys, "diff", backup, chat, "--session", "chat", "--json")
    assert code == 1
    assert json.loads(out) == diff_sessions(backup, "chat", chat, "chat").as_dict()
    code, out, _ = run(capsys, "diff", backup, chat, "--session", "chat", "--json", "--all")
    assert [entry["op"] for entry in json.loads(out)["entries"]] == ["same", *["added"] * 4]
    assert folder_snapshot(chat.parent) == before


def test_removed_and_changed_items_are_marked(capsys, chat: Path) -> None:
    branch = copy_items(chat, "chat", chat.parent / "branch.db", "chat", lambda items: items[:7])
    edit_row(branch, row_of(branch, "chat", "call_1_Oslo", "function_call_output"), new_output)
    code, out, _ = run(capsys, "diff", chat, branch, "--session", "chat")
    assert code == 1
    changed, removed = out.splitlines()[3:]
    assert changed.split()[:3] == ["~", "#7", "#7"]
    assert changed.endswith("tool result call_1_Oslo: Oslo: rain  [$.output]")
    assert removed.split()[:3] == ["-", "#8", "assistant:"]


def test_two_sessions_of_one_store_with_custom_tables(capsys, tmp_path: Path) -> None:
    tables = {"sessions_table": "my_sessions", "messages_table": "my_items"}
    store = write_plain(tmp_path / "custom.db", "main", ("Paris", "Oslo"), **tables)
    write_plain(store, "branch", ("Paris",), **tables)
    session = SQLiteSession("branch", store, **tables)
    try:
        asyncio.run(session.pop_item())
    finally:
        session.close()
    code, out, _ = run(
        capsys, "diff", store, store, "--session", "main", "--other-session", "branch", "--json"
    )
    data = json.loads(out)
    assert code == 1
    assert (data["a"]["items"], data["b"]["items"]) == (8, 3)
    assert data["summary"]["removed"] == 5 and data["summary"]["first_difference"] == 4
    assert [entry["a_position"] for entry in data["entries"]] == [4, 5, 6, 7, 8]


def test_bad_input_exits_2_naming_the_file(capsys, chat: Path) -> None:
    before = folder_snapshot(chat.parent)
    code, _, err = run(capsys, "diff", chat, chat, "--session", "chat", "--other-session", "nope")
    assert code == 2 and f"{chat}: no session 'nope' in this store" in err
    absent = chat.parent / "absent.db"
    code, _, err = run(capsys, "diff", chat, absent, "--session", "chat")
    assert code == 2 and f"{absent}: the file does not exist" in err
    code, _, err = run(capsys, "diff", chat, chat, "--session", "chat")
    assert code == 2 and "comparing session 'chat' with itself" in err
    with pytest.raises(SystemExit) as caught:  # --session is required
        run(capsys, "diff", chat, chat)
    assert caught.value.code == 2
    assert folder_snapshot(chat.parent) == before
