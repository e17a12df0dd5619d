"""Copying and moving a server store's session into a local file, from the window.

Operations > Copy Session To… and Move Session To… answer for a PostgreSQL store shown
in the window: the session lands in the chosen file in the SDK's own layout (read back
by the SDK's SQLiteSession); a move asks first, saying what it will do, then backs the
session up and deletes it from the server, and the listing is read again. A role that
may only read is told so before anything is copied; no message carries a password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from agency_desktop.ui.file_only import FOR_SERVERS
from agency_desktop.ui.models.session_list import Column as SessionColumn
from agency_desktop.ui.server_backup import STORE_FILTER
from agency_desktop.ui.widgets.notice_bar import Level
from tests.helpers.server_stores import ITEMS_PER_TURN, pg_session_ids, write_aged_sessions
from tests.helpers.servers import PgDatabase
from tests.helpers.stores import sdk_items

TIMEOUT = 15_000


@pytest.fixture
def server(postgres_database: PgDatabase) -> PgDatabase:
    write_aged_sessions(postgres_database, 40)
    postgres_database.grant_select("agent_sessions", "agent_messages")
    return postgres_database


def _opened(qtbot: Any, main_window: Any, url: str, session_id: str) -> Any:
    """The window showing the server store at `url`, `session_id` selected."""
    window = main_window()
    window.open_paths([url])
    qtbot.waitUntil(lambda: window.session_model.session_count() == 3, timeout=TIMEOUT)
    proxy = window.session_proxy
    rows = {proxy.index(r, SessionColumn.SESSION).data(): r for r in range(proxy.rowCount())}
    window.session_view.setCurrentIndex(proxy.index(rows[session_id], 0))
    qtbot.waitUntil(lambda: window.current_session().session_id == session_id, timeout=TIMEOUT)
    return window


def _listed(window: Any) -> set[str]:
    model = window.session_model
    return {model.index(r, SessionColumn.SESSION).data() for r in range(model.rowCount())}


@pytest.fixture
def answering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`answering(button)`: the save dialog picks a new file, the move's question gets
    `button`; returns the file and the list of questions asked."""

    def answer(button: Any) -> tuple[Path, list[str]]:
        target, asked = tmp_path / "moved.db", []
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), STORE_FILTER)
        )

        def question(_parent: Any, _title: str, text: str, *_rest: Any) -> Any:
            asked.append(text)
            return button

        monkeypatch.setattr(QMessageBox, "question", question)
        return target, asked

    return answer


def test_the_entries_say_what_they_do_for_a_server(
    qtbot: Any, main_window: Any, server: PgDatabase
) -> None:
    window = _opened(qtbot, main_window, server.url(), "recent")
    for method in ("ask_copy_session", "ask_move_session"):
        action = window.operations_menu.actions[method]
        assert action.isEnabled()
        assert (action.text(), action.toolTip()) == FOR_SERVERS[method]


def test_a_session_is_copied_into_a_file_and_stays_on_the_server(
    qtbot: Any, main_window: Any, server: PgDatabase, tmp_path: Path
) -> None:
    window = _opened(qtbot, main_window, server.url(), "recent")
    target = tmp_path / "copy.db"
    window.server._moves().do_copy(window.current_session(), target)
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        pass
    summary, _result = done.args
    assert summary.startswith(f"Copied {ITEMS_PER_TURN} items to ")
    assert len(sdk_items(target, "recent")) == ITEMS_PER_TURN
    assert pg_session_ids(server) == {"old-1", "old-2", "recent"}


def test_a_move_asks_first_and_a_no_changes_nothing(
    qtbot: Any, main_window: Any, server: PgDatabase, answering: Any
) -> None:
    window = _opened(qtbot, main_window, server.url(), "recent")
    target, asked = answering(QMessageBox.StandardButton.No)
    window.operations_menu.actions["ask_move_session"].trigger()
    assert len(asked) == 1
    question = asked[0]
    assert f"Move session 'recent' ({ITEMS_PER_TURN} items)" in question
    assert str(target) in question and "deleted from the server" in question
    assert server.server.password not in question
    assert not window.runner.busy and not target.exists()
    assert pg_session_ids(server) == {"old-1", "old-2", "recent"}


def test_a_move_copies_backs_up_deletes_and_lists_again(
    qtbot: Any, main_window: Any, server: PgDatabase, app_data: Path, answering: Any
) -> None:
    window = _opened(qtbot, main_window, server.url(), "recent")
    target, _asked = answering(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        window.operations_menu.actions["ask_move_session"].trigger()
    summary, (written, backup) = done.args
    assert summary.startswith(f"Moved {ITEMS_PER_TURN} items to {target}")
    assert server.server.password not in summary
    assert written.path == target and len(sdk_items(target, "recent")) == ITEMS_PER_TURN
    assert backup is not None and backup.is_relative_to(app_data)
    assert len(sdk_items(backup, "recent")) == ITEMS_PER_TURN
    assert pg_session_ids(server) == {"old-1", "old-2"}
    qtbot.waitUntil(lambda: _listed(window) == {"old-1", "old-2"}, timeout=TIMEOUT)


def test_a_reader_role_is_told_before_anything_is_copied(
    qtbot: Any, main_window: Any, server: PgDatabase, tmp_path: Path
) -> None:
    window = _opened(qtbot, main_window, server.url(reader=True), "recent")
    target = tmp_path / "moved.db"
    with qtbot.waitSignal(window.runner.failed, timeout=TIMEOUT):
        window.server._moves().do_move(window.current_session(), target)
    qtbot.waitUntil(lambda: window.notice.level is Level.ERROR, timeout=TIMEOUT)
    message = window.notice.label.text()
    assert "lacks DELETE on table agent_sessions" in message
    assert server.server.reader_password not in message
    assert not target.exists()
    assert pg_session_ids(server) == {"old-1", "old-2", "recent"}
