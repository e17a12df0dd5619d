"""SessionFactory: each method behaves as the foundation issue describes."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from agents import Agent, RunConfig, Runner, SQLiteSession
from agents.extensions.memory import AdvancedSQLiteSession
from agents.testing import ScriptedModel, assistant_message

from agency_desktop.ops import cleanup
from agency_desktop.sessions.session_factory import SessionFactory
from tests.helpers.stores import item_texts, run_turns, write_plain


def _run(session: SQLiteSession, text: str = "hello") -> None:
    agent = Agent(name="a", model=ScriptedModel([[assistant_message("hi")]]))
    asyncio.run(
        Runner.run(agent, text, session=session, run_config=RunConfig(tracing_disabled=True))
    )


def test_memory_sessions_get_unique_readable_ids() -> None:
    first, second = SessionFactory.create_memory_session(), SessionFactory.create_memory_session()
    assert first.session_id != second.session_id
    assert first.session_id.startswith("session-")
    assert SessionFactory.create_memory_session("mine").session_id == "mine"
    _run(first)
    assert len(asyncio.run(first.get_items())) == 2


def test_file_session_creates_parents_and_works_with_runner(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "s.db"
    session = SessionFactory.create_file_session("s1", path)
    assert isinstance(session, SQLiteSession)
    _run(session)
    session.close()
    assert len(item_texts(path, "s1")) == 2


def test_file_session_accepts_pathlike_and_applies_options(tmp_path: Path) -> None:
    options = {
        "timeout": 7.5,
        "check_same_thread": False,
        "isolation_level": "IMMEDIATE",
        "sessions_table": "chats",
        "messages_table": "chat_items",
    }
    session = SessionFactory.create_file_session("s", tmp_path / "o.db", options)
    _run(session)
    conn = session._get_connection()  # the connection the SDK itself uses
    assert conn.execute("PRAGMA busy_timeout").fetchone() == (7500,)
    assert conn.isolation_level == "IMMEDIATE"
    session.close()
    assert len(item_texts(tmp_path / "o.db", "s", table="chat_items")) == 2


def test_autocommit_isolation_level_is_honoured(tmp_path: Path) -> None:
    session = SessionFactory.create_file_session(
        "s", str(tmp_path / "n.db"), {"isolation_level": None}
    )
    _run(session)
    assert session._get_connection().isolation_level is None
    session.close()


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"timeout": -1}, "timeout"),
        ({"timeout": "30"}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"check_same_thread": "no"}, "check_same_thread"),
        ({"isolation_level": "SERIALIZABLE"}, "isolation_level"),
        ({"sessions_table": "x; DROP TABLE y"}, "sessions_table"),
        ({"messages_table": ""}, "messages_table"),
        ({"tiemout": 3}, "tiemout"),
    ],
)
def test_bad_options_raise_value_error_naming_the_key(
    tmp_path: Path, options: dict, key: str
) -> None:
    with pytest.raises(ValueError, match=key):
        SessionFactory.create_file_session("s", tmp_path / "x.db", options)
    assert not (tmp_path / "x.db").exists()


def test_unwritable_system_location_raises_permission_error() -> None:
    with pytest.raises(PermissionError):
        SessionFactory.create_file_session("user_123", "/sys/restricted/path/session.db")


@pytest.fixture
def unwritable_dir(tmp_path: Path):
    """A folder this process cannot write into, even as root (where the immutable flag does it)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "+i", str(folder)], check=False).returncode
    ):
        pytest.skip("running as root on a filesystem without chattr +i: no way to deny a write")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_directory_without_write_permission_raises_permission_error(unwritable_dir: Path) -> None:
    for target in (unwritable_dir / "s.db", unwritable_dir / "sub" / "s.db"):
        with pytest.raises(PermissionError) as caught:
            SessionFactory.create_file_session("s", target)
        assert str(unwritable_dir) in str(caught.value)
    assert list(unwritable_dir.iterdir()) == []


def test_load_session_returns_real_session_or_none_and_creates_nothing(
    store_folder: Path, broken_folder
) -> None:
    loaded = SessionFactory.load_session("shared-b", store_folder / "shared.db")
    assert loaded is not None and loaded.session_id == "shared-b"
    assert len(asyncio.run(loaded.get_items())) == 12
    loaded.close()
    advanced = SessionFactory.load_session("adv-1", store_folder / "advanced.db")
    assert isinstance(advanced, AdvancedSQLiteSession)
    assert len(asyncio.run(advanced.get_items())) == 8
    advanced.close()
    custom = SessionFactory.load_session("custom-1", store_folder / "custom.db")
    assert custom is not None and custom.messages_table == "my_items"
    custom.close()

    _folder, files = broken_folder
    assert SessionFactory.load_session("plain-1", store_folder / "missing" / "x.db") is None
    assert not (store_folder / "missing").exists()
    assert SessionFactory.load_session("nope", store_folder / "plain.db") is None
    for path in files.values():
        assert SessionFactory.load_session("plain-1", path) is None


def test_session_exists(store_folder: Path, broken_folder) -> None:
    assert SessionFactory.session_exists(store_folder / "plain.db")
    assert SessionFactory.session_exists(store_folder / "plain.db", "plain-1")
    assert not SessionFactory.session_exists(store_folder / "plain.db", "shared-a")
    assert not SessionFactory.session_exists(store_folder / "absent.db")
    assert not SessionFactory.session_exists(store_folder / "notes.txt")
    _, files = broken_folder
    for name in ("empty", "random", "other_schema", "truncated"):
        assert not SessionFactory.session_exists(files[name]), name


def test_list_sessions_and_problem_files(store_folder: Path) -> None:
    (store_folder / "junk.db").write_bytes(b"junk")
    infos = SessionFactory.list_sessions(store_folder)
    assert len(infos) == 5
    assert {p.path.name for p in SessionFactory.find_problem_files(store_folder)} == {"junk.db"}


def test_cleanup_dry_run_and_real_run_agree(
    store_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    preview = SessionFactory.cleanup_sessions(store_folder, older_than_days=0, dry_run=True)
    assert {f.path.name for f in preview.plan.files} == {
        "plain.db",
        "shared.db",
        "advanced.db",
        "custom.db",
    }
    assert len(SessionFactory.list_sessions(store_folder)) == 5  # the dry run changed nothing
    trashed: list[list[str]] = []

    def fake_trash(paths: list[str]) -> None:
        trashed.append(paths)
        for path in paths:
            Path(path).unlink()

    monkeypatch.setattr(cleanup, "send_to_trash", fake_trash)
    report = SessionFactory.cleanup_sessions(store_folder, older_than_days=0)
    assert report.plan.files == preview.plan.files
    assert sorted(report.trashed_files) == sorted(f.path for f in preview.plan.files)
    assert sorted(Path(p[0]) for p in trashed) == sorted(f.path for f in preview.plan.files)
    assert SessionFactory.list_sessions(store_folder) == []


def test_backup_session_to_file_and_to_folder(store_folder: Path, tmp_path: Path) -> None:
    copy = SessionFactory.backup_session(store_folder / "shared.db", tmp_path / "bk" / "copy.db")
    assert copy == tmp_path / "bk" / "copy.db"
    assert item_texts(copy, "shared-b") == item_texts(store_folder / "shared.db", "shared-b")
    stamped = SessionFactory.backup_session(store_folder / "shared.db", tmp_path / "bk")
    assert stamped.parent == tmp_path / "bk" and stamped.name.startswith("shared-")
    with pytest.raises(ValueError, match="onto itself"):
        SessionFactory.backup_session(store_folder / "shared.db", store_folder / "shared.db")


def test_backup_while_another_thread_keeps_adding_items(tmp_path: Path) -> None:
    source = write_plain(tmp_path / "busy.db", "busy", ("Paris",) * 5)
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_writing() -> None:
        session = SQLiteSession("busy", source)
        try:
            while not stop.is_set():
                asyncio.run(session.add_items([{"role": "user", "content": "x" * 2000}]))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            session.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        backups = [SessionFactory.backup_session(source, tmp_path / f"b{i}.db") for i in range(5)]
    finally:
        stop.set()
        writer.join()
    assert errors == []
    counts = []
    for backup in backups:
        conn = sqlite3.connect(backup)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        counts.append(conn.execute("SELECT count(*) FROM agent_messages").fetchone()[0])
        conn.close()
    assert counts == sorted(counts) and counts[0] >= 20


def test_stats_as_dict(store_folder: Path) -> None:
    stats = SessionFactory.get_session_stats(store_folder / "advanced.db", "adv-1")
    assert stats["message_count"] == 8 and stats["user_turns"] == 2
    assert stats["by_kind"]["function_call"] == 2 and stats["tool_calls"] == {"get_weather": 2}
    assert stats["token_usage"]["total_tokens"] == 442
    assert SessionFactory.get_session_stats(store_folder / "plain.db")["token_usage"] is None


def test_cleanup_test_sessions_keeps_other_files(store_folder: Path) -> None:
    write_plain(store_folder / "sub" / "n.db", "n")
    removed = SessionFactory.cleanup_test_sessions(store_folder)
    assert len(removed) == 5
    assert [p.name for p in store_folder.iterdir()] == ["notes.txt"]
    (store_folder / "notes.txt").unlink()
    write_plain(store_folder / "again.db", "a")
    SessionFactory.cleanup_test_sessions(store_folder)
    assert not store_folder.exists()


def test_migrate_memory_session_to_file(tmp_path: Path) -> None:
    memory = SessionFactory.create_memory_session("mem")
    asyncio.run(run_turns(memory, ["Paris", "Oslo"]))
    expected = asyncio.run(memory.get_items())
    file_session = SessionFactory.migrate_session_to_file(memory, tmp_path / "m.db")
    assert file_session.session_id == "mem"
    assert asyncio.run(file_session.get_items()) == expected
    _run(file_session, "more")  # the migrated session is a working SDK session
    file_session.close()
    assert len(item_texts(tmp_path / "m.db", "mem")) == len(expected) + 2
    with pytest.raises(FileExistsError, match="already exists"):
        SessionFactory.migrate_session_to_file(memory, tmp_path / "m.db")
    replaced = SessionFactory.migrate_session_to_file(memory, tmp_path / "m.db", overwrite=True)
    assert asyncio.run(replaced.get_items()) == expected
    replaced.close()
    assert [p.name for p in tmp_path.iterdir()] == ["m.db"]  # no temporary files left
