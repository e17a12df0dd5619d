"""Every example of the seed documentation, run against agency_desktop.sessions.session_factory.

The seed's two framework integrations (AgencyFactory, ConversationManager) belong to
another product; here the same session is handed to the SDK's Runner instead, which is
what those integrations do with it.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from agents import Agent, RunConfig, Runner
from agents.testing import ScriptedModel, assistant_message

from agency_desktop.sessions import SessionPool
from agency_desktop.sessions.session_factory import SessionFactory, migrate_session_to_file


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _reply(session, text: str = "hi") -> None:
    agent = Agent(name="support", model=ScriptedModel([[assistant_message("hello")]]))
    asyncio.run(
        Runner.run(agent, text, session=session, run_config=RunConfig(tracing_disabled=True))
    )


def test_session_types() -> None:
    session = SessionFactory.create_memory_session()
    assert session.session_id
    session = SessionFactory.create_memory_session("test_session_123")
    assert session.session_id == "test_session_123"
    session = SessionFactory.create_file_session(
        session_id="user_456", db_path="data/sessions/user_456.db"
    )
    assert Path("data/sessions/user_456.db").is_file()


def test_creating_new_sessions() -> None:
    session_id = f"user_{uuid.uuid4().hex[:8]}"
    session = SessionFactory.create_file_session(
        session_id=session_id, db_path=f"data/sessions/{session_id}.db"
    )
    _reply(session)
    assert SessionFactory.session_exists(f"data/sessions/{session_id}.db", session_id)


def test_loading_and_validating_sessions() -> None:
    session = SessionFactory.load_session(
        session_id="user_456", db_path="data/sessions/user_456.db"
    )
    assert session is None  # not found: the example then creates it
    session = SessionFactory.create_file_session("user_456", "data/sessions/user_456.db")
    _reply(session)
    session = SessionFactory.load_session(
        session_id="user_456", db_path="data/sessions/user_456.db"
    )
    assert session is not None

    if SessionFactory.session_exists("data/sessions/user_456.db"):
        session = SessionFactory.load_session("user_456", "data/sessions/user_456.db")
    else:
        session = SessionFactory.create_file_session("user_456", "data/sessions/user_456.db")
    assert session is not None and session.session_id == "user_456"


def test_session_management_operations() -> None:
    _reply(SessionFactory.create_file_session("user_456", "data/sessions/user_456.db"))
    sessions = SessionFactory.list_sessions("data/sessions/")
    assert len(sessions) == 1
    report = SessionFactory.cleanup_sessions(directory="data/sessions/", older_than_days=30)
    assert report.plan.session_count == 0  # nothing is 30 days old
    backup = SessionFactory.backup_session(
        source_path="data/sessions/user_456.db", backup_path="backups/user_456_backup.db"
    )
    assert backup == Path("backups/user_456_backup.db")
    stats = SessionFactory.get_session_stats("data/sessions/user_456.db")
    assert stats["message_count"] == 2


def test_integration_examples_hand_the_session_to_the_sdk() -> None:
    session = SessionFactory.create_file_session(
        session_id="support_session", db_path="data/sessions/support.db"
    )
    _reply(session, "I need help")
    session = SessionFactory.create_file_session(
        session_id="conv_123", db_path="data/conversations/conv_123.db"
    )
    _reply(session, "Customer Support")
    assert SessionFactory.get_session_stats("data/conversations/conv_123.db")["user_turns"] == 1


def test_testing_scenarios() -> None:
    session = SessionFactory.create_memory_session("test")
    assert session.session_id == "test"
    session = SessionFactory.create_file_session("test_file", "test_data/test.db")
    assert session.session_id == "test_file"
    session.close()
    SessionFactory.cleanup_test_sessions("test_data/")
    assert not Path("test_data").exists()


def test_configuration_options_and_paths() -> None:
    session = SessionFactory.create_file_session(
        session_id="custom",
        db_path="data/custom.db",
        options={"timeout": 30.0, "check_same_thread": False, "isolation_level": None},
    )
    _reply(session)
    user_id = 42
    db_path = Path("data") / "sessions" / f"user_{user_id}.db"
    session = SessionFactory.create_file_session(session_id=f"user_{user_id}", db_path=str(db_path))
    _reply(session)
    assert db_path.is_file()


def test_session_pooling() -> None:
    pool = SessionPool("pool")
    first = pool.get_session("alpha")
    assert pool.get_session("alpha") is first
    _reply(first)
    assert pool.cleanup_inactive() == []  # just used
    pool.close_all()


def test_error_handling_falls_back_to_memory() -> None:
    try:
        session = SessionFactory.create_file_session("user_123", "/sys/restricted/path/session.db")
    except PermissionError:
        session = SessionFactory.create_memory_session("user_123")
    assert session.session_id == "user_123" and str(session.db_path) == ":memory:"


def test_migration_utility() -> None:
    memory_session = SessionFactory.create_memory_session("to_keep")
    _reply(memory_session)
    file_session = migrate_session_to_file(memory_session, "data/kept.db")
    assert asyncio.run(file_session.get_items()) == asyncio.run(memory_session.get_items())
