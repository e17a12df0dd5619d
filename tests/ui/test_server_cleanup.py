"""Cleaning up and deleting a server store's sessions from the window, on a real server.

Operations > Clean Up Old Sessions… and Delete Selected Session… answer for a PostgreSQL
store shown in the window: the plan is the preview the files have, the sessions are
backed up into a local file the SDK reads before anything goes, the listing is read
again after; a Redis store's the same way. A role that may only read says which privilege
it lacks; no message carries a password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QInputDialog

from agency_desktop.ui.dialogs.cleanup_preview import SERVER_COLUMNS
from agency_desktop.ui.file_only import FOR_SERVERS
from agency_desktop.ui.models.session_list import Column as SessionColumn
from agency_desktop.ui.widgets.notice_bar import Level
from tests.helpers.server_stores import (
    ITEMS_PER_TURN,
    pg_session_ids,
    read_redis,
    write_aged_sessions,
    write_redis,
)
from tests.helpers.servers import PgDatabase, RedisDatabase
from tests.helpers.stores import sdk_items

TIMEOUT = 15_000
OLD_DAYS = 40


@pytest.fixture
def server(postgres_database: PgDatabase) -> PgDatabase:
    write_aged_sessions(postgres_database, OLD_DAYS)
    postgres_database.grant_select("agent_sessions", "agent_messages")
    return postgres_database


def _open(qtbot: Any, main_window: Any, url: str, count: int) -> Any:
    window = main_window()
    window.open_paths([url])
    qtbot.waitUntil(lambda: window.session_model.session_count() == count, timeout=TIMEOUT)
    return window


def _listed(window: Any) -> set[str]:
    model = window.session_model
    return {model.index(r, SessionColumn.SESSION).data() for r in range(model.rowCount())}


def _preview(qtbot: Any, window: Any, method: str) -> Any:
    """Choose the entry and wait for its preview (planned in a worker)."""
    cleanups = window.server._cleanups()
    cleanups.preview = None
    window.operations_menu.actions[method].trigger()
    qtbot.waitUntil(lambda: cleanups.preview is not None, timeout=TIMEOUT)
    return cleanups.preview


def _select(qtbot: Any, window: Any, session_id: str) -> None:
    proxy = window.session_proxy
    rows = {proxy.index(r, SessionColumn.SESSION).data(): r for r in range(proxy.rowCount())}
    window.session_view.setCurrentIndex(proxy.index(rows[session_id], 0))
    qtbot.waitUntil(lambda: window.current_session().session_id == session_id, timeout=TIMEOUT)


def _table(preview: Any) -> list[list[str]]:
    table = preview.table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_old_sessions_are_previewed_backed_up_then_deleted(
    qtbot: Any,
    main_window: Any,
    server: PgDatabase,
    app_data: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = _open(qtbot, main_window, server.url(), 3)
    action = window.operations_menu.actions["ask_cleanup_old"]
    assert action.isEnabled()
    assert (action.text(), action.toolTip()) == FOR_SERVERS["ask_cleanup_old"]
    monkeypatch.setattr(QInputDialog, "getInt", lambda *_args: (OLD_DAYS - 10, True))
    preview = _preview(qtbot, window, "ask_cleanup_old")
    header = preview.table.horizontalHeaderItem(1).text()
    assert header == SERVER_COLUMNS[1] == "Server store"
    rows = _table(preview)
    assert sorted(row[2] for row in rows) == ["old-1", "old-2"]
    assert all(server.server.password not in cell for row in rows for cell in row)
    assert pg_session_ids(server) == {"old-1", "old-2", "recent"}  # a preview changes nothing
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        preview.accept()
    summary, report = done.args
    assert summary.startswith("Deleted 2 sessions (")
    assert server.server.password not in summary
    assert pg_session_ids(server) == {"recent"}
    assert report.backup is not None and report.backup.is_relative_to(app_data)
    expected = ITEMS_PER_TURN
    assert len(sdk_items(report.backup, "old-1")) == len(sdk_items(report.backup, "old-2"))
    assert len(sdk_items(report.backup, "old-1")) == expected
    qtbot.waitUntil(lambda: _listed(window) == {"recent"}, timeout=TIMEOUT)


def test_the_selected_session_is_deleted_and_only_it(
    qtbot: Any, main_window: Any, server: PgDatabase
) -> None:
    window = _open(qtbot, main_window, server.url(), 3)
    _select(qtbot, window, "recent")
    preview = _preview(qtbot, window, "ask_delete_selected")
    assert preview.windowTitle() == "Delete session recent"
    assert [row[2] for row in _table(preview)] == ["recent"]
    assert preview.confirm_button.text() == "Delete"
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        preview.accept()
    assert pg_session_ids(server) == {"old-1", "old-2"}
    qtbot.waitUntil(lambda: _listed(window) == {"old-1", "old-2"}, timeout=TIMEOUT)


def test_a_reader_role_is_told_which_privilege_it_lacks(
    qtbot: Any,
    main_window: Any,
    server: PgDatabase,
    app_data: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = _open(qtbot, main_window, server.url(reader=True), 3)
    monkeypatch.setattr(QInputDialog, "getInt", lambda *_args: (OLD_DAYS - 10, True))
    window.operations_menu.actions["ask_cleanup_old"].trigger()
    qtbot.waitUntil(lambda: window.notice.level is Level.ERROR, timeout=TIMEOUT)
    message = window.notice.label.text()  # before a preview of what it could not do
    assert "lacks DELETE on table agent_sessions" in message
    assert server.server.reader_password not in message
    assert window.server.cleanups.preview is None
    assert not list(app_data.rglob("*.db"))  # and before any backup
    assert pg_session_ids(server) == {"old-1", "old-2", "recent"}


def test_a_redis_session_is_backed_up_then_deleted(
    qtbot: Any, main_window: Any, redis_database: RedisDatabase, app_data: Path
) -> None:
    write_redis(redis_database.url(), "gone", ("Paris",))
    write_redis(redis_database.url(), "kept", ("Oslo",))
    window = _open(qtbot, main_window, redis_database.url(), 2)
    _select(qtbot, window, "gone")
    expected = read_redis(redis_database.url(), "gone")
    preview = _preview(qtbot, window, "ask_delete_selected")
    assert [row[2] for row in _table(preview)] == ["gone"]
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        preview.accept()
    _, report = done.args
    assert report.backup is not None and report.backup.is_relative_to(app_data)
    assert sdk_items(report.backup, "gone") == expected  # what the SDK wrote, kept locally
    assert read_redis(redis_database.url(), "gone") == []
    assert len(read_redis(redis_database.url(), "kept")) == ITEMS_PER_TURN
    qtbot.waitUntil(lambda: _listed(window) == {"kept"}, timeout=TIMEOUT)
