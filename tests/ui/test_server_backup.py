"""Backing up a server store from the window, and Redis TTLs shown, against real servers.

The Back Up entries of the Operations menu (and the toolbar's) write a PostgreSQL or
Redis store's sessions into a new local file the SDK's own SQLiteSession reads; Cancel
leaves no file; an error names the server by host and port, never with its password.
A Redis session with a TTL says "expires in …" in the list and in its stats.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agency_desktop.ui import desktop
from agency_desktop.ui import server_backup as window_backup
from agency_desktop.ui.file_only import FOR_FILES, FOR_SERVERS
from agency_desktop.ui.models.session_list import Column as SessionColumn
from agency_desktop.ui.widgets.notice_bar import Level
from tests.helpers.server_stores import ITEMS_PER_TURN, write_redis, write_sqlalchemy
from tests.helpers.servers import HOST, PgDatabase, PostgresServer, RedisDatabase, free_port
from tests.helpers.stores import sdk_items

TIMEOUT = 15_000
SESSIONS = {"alpha": ("Paris", "Oslo"), "beta": ("Lima",)}
TTL_S = 3600


@pytest.fixture(scope="module")
def written(postgres_server: PostgresServer) -> Iterator[PgDatabase]:
    """Sessions written by the SDK's SQLAlchemySession; the read-only role may SELECT
    (a backup only reads the server)."""
    database = postgres_server.create_database()
    for session_id, cities in SESSIONS.items():
        write_sqlalchemy(database.url(driver="asyncpg"), session_id, cities)
    database.grant_select("agent_sessions", "agent_messages")
    try:
        yield database
    finally:
        database.drop()


def _open(qtbot: Any, main_window: Any, url: str, count: int) -> Any:
    window = main_window()
    window.open_paths([url])  # as `agency-desktop URL` does
    qtbot.waitUntil(lambda: window.session_model.session_count() == count, timeout=TIMEOUT)
    return window


def _select(qtbot: Any, window: Any, session_id: str) -> None:
    proxy = window.session_proxy
    rows = {proxy.index(r, SessionColumn.SESSION).data(): r for r in range(proxy.rowCount())}
    window.session_view.setCurrentIndex(proxy.index(rows[session_id], 0))
    qtbot.waitUntil(lambda: window.current_session().session_id == session_id, timeout=TIMEOUT)


def _answer_save_dialog(monkeypatch: pytest.MonkeyPatch, target: Path) -> list[Path]:
    """The save dialog answers `target`; returns where it was asked to start."""
    asked: list[Path] = []

    def choose(_parent: Any, _title: str, start: Path, filters: str, *_: Any) -> Any:
        asked.append(start)
        return target, filters

    monkeypatch.setattr(window_backup.dialogs, "choose_save_path", choose)
    return asked


def test_backing_up_the_selected_session_writes_a_file_the_sdk_reads(
    qtbot: Any,
    main_window: Any,
    written: PgDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = _open(qtbot, main_window, written.url(reader=True), len(SESSIONS))
    action = window.operations_menu.actions["ask_backup_selected"]
    assert action.isEnabled()
    assert (action.text(), action.toolTip()) == FOR_SERVERS["ask_backup_selected"]
    assert window.operations_menu.actions["ask_rename"].toolTip() == FOR_FILES
    _select(qtbot, window, "alpha")
    info = window.current_session()
    window.context_menus.for_session(info.db_path, info, window.session_view.pos())
    assert action in window.context_menus.shown.actions()  # the row's menu has it too
    target = tmp_path / "alpha.db"
    asked = _answer_save_dialog(monkeypatch, target)
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        action.trigger()
    assert asked[0].name.startswith(f"{HOST}-{written.server.port}-{written.name}-alpha-backup-")
    assert asked[0].suffix == ".db"
    assert len(sdk_items(target, "alpha")) == len(SESSIONS["alpha"]) * ITEMS_PER_TURN
    assert sdk_items(target, "beta") == []  # only the session asked for
    summary = done.args[0]
    assert summary.startswith("Backed up 1 session (8 items")
    assert written.server.reader_password not in summary
    assert window.notice.level is Level.SUCCESS
    shown: list[Path] = []
    monkeypatch.setattr(desktop, "show_in_folder", shown.append)
    [show] = window.notice.action_buttons
    assert show.text() == "Show in Folder"
    show.click()
    assert shown == [target]
    assert action.isEnabled()  # still on once the operation has ended
    assert not window.menus.check_store.isEnabled()


def test_files_shown_again_back_up_files_again(
    qtbot: Any, main_window: Any, written: PgDatabase, store_folder: Path
) -> None:
    window = _open(qtbot, main_window, written.url(reader=True), len(SESSIONS))
    action = window.operations_menu.actions["ask_backup_selected"]
    window.open_folder(store_folder)
    assert action.text() == "&Back Up Selected Store…"
    assert window.operations_menu.routes == {}


def test_the_toolbars_back_up_takes_the_whole_store(
    qtbot: Any,
    main_window: Any,
    written: PgDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = _open(qtbot, main_window, written.url(reader=True), len(SESSIONS))
    target = tmp_path / "whole.db"
    _answer_save_dialog(monkeypatch, target)
    button = window.toolbar.widgetForAction(window.operations_menu.actions["ask_backup_folder"])
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        button.click()
    assert done.args[0].startswith("Backed up 2 sessions (12 items")
    for session_id, cities in SESSIONS.items():
        assert len(sdk_items(target, session_id)) == len(cities) * ITEMS_PER_TURN


def test_cancel_leaves_no_file(
    qtbot: Any,
    main_window: Any,
    written: PgDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cancelled after the first session is in the temporary file: nothing under the name."""
    window = _open(qtbot, main_window, written.url(reader=True), len(SESSIONS))
    first_done, go_on = threading.Event(), threading.Event()
    real = window_backup.backup_server_store

    def held_after_one(*args: Any, progress: Any, **kwargs: Any) -> Any:
        def report(done: int, total: int, message: str) -> None:
            progress(done, total, message)
            if done == 1:
                first_done.set()
                go_on.wait(TIMEOUT / 1000)

        return real(*args, progress=report, **kwargs)

    monkeypatch.setattr(window_backup, "backup_server_store", held_after_one)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "cancelled.db"
    window.server.backups.do_backup(target, None)
    qtbot.waitUntil(first_done.is_set, timeout=TIMEOUT)
    with qtbot.waitSignal(window.runner.cancelled, timeout=TIMEOUT):
        window.progress_strip.cancel_button.click()
        go_on.set()
    assert not target.exists()
    assert list(out.iterdir()) == []  # no temporary file left either


def test_a_server_down_names_host_and_port_without_the_password(
    qtbot: Any, main_window: Any, tmp_path: Path
) -> None:
    port = free_port()
    window = main_window()
    window.open_paths([f"redis://agent:hunter2@{HOST}:{port}/0"])
    with qtbot.waitSignal(window.runner.failed, timeout=TIMEOUT) as failed:
        window.server.backups.do_backup(tmp_path / "never.db", None)
    message = failed.args[0]
    assert f"{HOST}:{port}" in message
    assert "hunter2" not in message
    assert not (tmp_path / "never.db").exists()


def test_redis_ttls_show_as_expires_in(
    qtbot: Any, qtmodeltester: Any, main_window: Any, redis_database: RedisDatabase
) -> None:
    write_redis(redis_database.url(), "kept", ("Paris",))
    write_redis(redis_database.url(), "fleeting", ("Oslo",), ttl=TTL_S)
    write_redis(redis_database.url(), "soon", ("Lima",), ttl=5 * 60)  # "5 min" > "1 h" as text
    window = _open(qtbot, main_window, redis_database.url(reader=True), 3)
    model = window.session_model
    qtmodeltester.check(model)
    states = {
        model.index(r, SessionColumn.SESSION).data(): model.index(r, SessionColumn.STATE)
        for r in range(model.rowCount())
    }
    assert states["kept"].data() == "ok"
    assert states["fleeting"].data() == "expires in 1 h"
    assert states["fleeting"].data(3).startswith("Expires at ")  # the tooltip: when
    proxy = window.session_proxy
    proxy.sort(SessionColumn.STATE)  # by when they expire, not by the words
    order = [proxy.index(r, SessionColumn.SESSION).data() for r in range(proxy.rowCount())]
    assert order.index("soon") < order.index("fleeting")
    _select(qtbot, window, "fleeting")
    window.side_tabs.setCurrentWidget(window.stats)
    summary = window.stats.summary

    def summary_row(name: str) -> str:
        for row in range(summary.rowCount()):
            label = summary.itemAt(row, summary.ItemRole.LabelRole)
            if label is not None and label.widget().text() == name:
                return str(summary.itemAt(row, summary.ItemRole.FieldRole).widget().text())
        return ""

    qtbot.waitUntil(lambda: summary_row("TTL").startswith("expires in 1 h (at "), timeout=TIMEOUT)
    window.stats.folder_scope.setChecked(True)  # the whole store: its first session to go
    first = "First to expire"
    soon = re.compile(r"expires in [45] min \(at ")  # the 5 minutes' session
    qtbot.waitUntil(lambda: soon.match(summary_row(first)) is not None, timeout=TIMEOUT)
