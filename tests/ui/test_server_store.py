"""A PostgreSQL server store in the window, against a real server: the connect dialog,
the sessions listed, a session's messages, transcript and stats, and no password
anywhere it could be seen or kept (title, status, recent list, session list)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from agency_desktop.stores import pg_listing
from agency_desktop.ui import workers as worker_module
from agency_desktop.ui.dialogs.server_connect import ServerConnectDialog
from agency_desktop.ui.file_only import FOR_FILES
from agency_desktop.ui.models.session_list import Column as SessionColumn
from agency_desktop.ui.server_locations import with_password, without_password
from agency_desktop.ui.server_store import ServerStore
from agency_desktop.ui.workers import WorkerPool
from tests.helpers.server_stores import ITEMS_PER_TURN, write_redis, write_sqlalchemy
from tests.helpers.servers import (
    HOST,
    PgDatabase,
    PostgresServer,
    RedisDatabase,
    free_port,
    start_postgres,
)

TIMEOUT = 15_000
SESSIONS = {"alpha": ("Paris", "Oslo"), "beta": ("Lima",)}


@pytest.fixture(scope="module")
def written(postgres_server: PostgresServer) -> Iterator[PgDatabase]:
    """Two sessions written by the SDK's SQLAlchemySession; the read-only role may SELECT."""
    database = postgres_server.create_database()
    for session_id, cities in SESSIONS.items():
        write_sqlalchemy(database.url(driver="asyncpg"), session_id, cities)
    database.grant_select("agent_sessions", "agent_messages")
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture
def workers(qapp: Any) -> Iterator[WorkerPool]:
    pool = WorkerPool()
    yield pool
    pool.shutdown()


def _dialog(qtbot: Any, workers: WorkerPool, recent: list[str] | None = None) -> Any:
    dialog = ServerConnectDialog(None, workers, recent or [])
    qtbot.addWidget(dialog)
    return dialog


def _test_connection(qtbot: Any, dialog: Any, url: str) -> str:
    dialog.url_field.setText(url)
    dialog.test_button.click()
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=TIMEOUT)
    return str(dialog.outcome.text())


def _row_texts(model: Any) -> list[str]:
    return [
        str(model.index(row, column).data() or "")
        for row in range(model.rowCount())
        for column in range(model.columnCount())
    ]


def _open_server(qtbot: Any, main_window: Any, url: str) -> Any:
    window = main_window()
    window.open_paths([url])  # as `agency-desktop URL` does
    qtbot.waitUntil(lambda: window.session_model.session_count() == len(SESSIONS), timeout=TIMEOUT)
    return window


def _select(qtbot: Any, window: Any, session_id: str) -> None:
    proxy = window.session_proxy
    rows = {proxy.index(r, SessionColumn.SESSION).data(): r for r in range(proxy.rowCount())}
    window.session_view.setCurrentIndex(proxy.index(rows[session_id], 0))
    expected = len(SESSIONS[session_id]) * ITEMS_PER_TURN
    qtbot.waitUntil(lambda: window.message_model.rowCount() == expected, timeout=TIMEOUT)


def test_a_password_typed_apart_goes_into_the_url_quoted() -> None:
    assert with_password("postgresql://u@h/db", "p@ss/w") == "postgresql://u:p%40ss%2Fw@h/db"
    assert with_password("redis://h:6379/0", "pw") == "redis://:pw@h:6379/0"
    assert with_password("postgresql://u:kept@h/db", "other") == "postgresql://u:kept@h/db"


def test_without_password_removes_it_entirely() -> None:
    assert without_password("postgresql://u:s3cr%40t@h:5/db?sslmode=require&password=x") == (
        "postgresql://u@h:5/db?sslmode=require"
    )
    assert without_password("redis://:pw@h:6379/0") == "redis://h:6379/0"
    assert without_password("postgresql://u@h/db") == "postgresql://u@h/db"
    assert without_password("/a/file.db") == "/a/file.db"


def test_test_connection_counts_the_sessions(
    qtbot: Any, workers: WorkerPool, written: PgDatabase
) -> None:
    dialog = _dialog(qtbot, workers)
    text = _test_connection(qtbot, dialog, written.url(driver="asyncpg", reader=True))
    assert text == "Connected: 2 sessions found."


def test_test_connection_to_a_port_nobody_listens_on_names_host_and_port(
    qtbot: Any, workers: WorkerPool
) -> None:
    port = free_port()
    dialog = _dialog(qtbot, workers)
    text = _test_connection(qtbot, dialog, f"postgresql://agent:hunter2@{HOST}:{port}/db")
    assert text.startswith("Could not connect:")
    assert f"{HOST}:{port}" in text
    assert "hunter2" not in text


def test_dialog_refuses_what_is_not_a_server_url(qtbot: Any, workers: WorkerPool) -> None:
    dialog = _dialog(qtbot, workers)
    dialog.url_field.setText("/tmp/agents.db")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "Not a server URL" in dialog.outcome.text()
    dialog.url_field.setText("ftp://host/x")
    dialog.test_button.click()
    assert "not a kind of store" in dialog.outcome.text()


def test_window_lists_the_servers_sessions_without_the_password(
    qtbot: Any, qtmodeltester: Any, main_window: Any, written: PgDatabase
) -> None:
    url = written.url(driver="asyncpg", reader=True)
    password = written.server.reader_password
    window = _open_server(qtbot, main_window, url)
    qtmodeltester.check(window.session_model)
    model, row = window.session_model, window.session_model.index
    kinds = {str(row(r, SessionColumn.KIND).data()) for r in range(model.rowCount())}
    stores = {str(row(r, SessionColumn.FILE).data()) for r in range(model.rowCount())}
    assert kinds == {"PostgreSQL"}
    assert stores == {url.replace(password, "***")}
    assert all(row(r, SessionColumn.CREATED).data() for r in range(model.rowCount()))
    assert not any(password in text for text in _row_texts(model))
    for shown in (window.windowTitle(), window.status_label.text()):
        assert without_password(url) in shown
        assert password not in shown
    assert window.settings.recent_servers == [without_password(url)]


def test_a_selected_session_shows_its_messages_transcript_and_stats(
    qtbot: Any, qtmodeltester: Any, main_window: Any, written: PgDatabase
) -> None:
    window = _open_server(qtbot, main_window, written.url(reader=True))
    _select(qtbot, window, "alpha")
    qtmodeltester.check(window.message_model)
    kinds = [window.message_model.index(r, 2).data() for r in range(4)]
    assert kinds[0] == "user"
    window.message_view.setCurrentIndex(window.message_model.index(0, 0))
    qtbot.waitUntil(lambda: "Paris" in window.detail.json_view.toPlainText(), timeout=TIMEOUT)
    conversation = window.detail.conversation
    qtbot.waitUntil(lambda: "Oslo" in conversation.browser.toPlainText(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.stats.stats is not None, timeout=TIMEOUT)
    assert window.stats.stats.message_count == 2 * ITEMS_PER_TURN
    assert written.server.reader_password not in window.stats.status.text()
    window.stats.folder_scope.setChecked(True)  # "Whole store": counted by the server
    assert window.stats.folder_scope.text() == "Whole store"
    everything = sum(len(cities) for cities in SESSIONS.values()) * ITEMS_PER_TURN
    qtbot.waitUntil(lambda: window.stats.stats.session_id is None, timeout=TIMEOUT)
    assert window.stats.stats.message_count == everything


def test_connecting_through_the_dialog_and_the_recent_list(
    qtbot: Any, main_window: Any, written: PgDatabase
) -> None:
    url = written.url(reader=True)
    window = main_window()
    window.menus.connect_server.trigger()
    dialog = window.server.dialog
    dialog.url_field.setText(without_password(url))
    dialog.password_field.setText(written.server.reader_password)  # shown as dots
    assert dialog.url() == url
    dialog.accept()
    qtbot.waitUntil(lambda: window.session_model.session_count() == 2, timeout=TIMEOUT)
    window.menus.connect_server.trigger()
    again = window.server.dialog
    assert [again.recent.item(i).text() for i in range(again.recent.count())] == [
        without_password(url)
    ]
    again.recent.setCurrentRow(0)
    assert again.url_field.text() == without_password(url)
    assert again.url() == url  # the password typed this run, from memory only
    again.password_field.setText("another")  # one typed now wins
    assert again.url() == with_password(without_password(url), "another")
    again.reject()


def test_file_only_actions_are_off_for_a_server_and_back_for_files(
    qtbot: Any, main_window: Any, written: PgDatabase, store_folder: Path
) -> None:
    window = _open_server(qtbot, main_window, written.url(reader=True))
    rename = window.operations_menu.actions["ask_rename"]  # Back Up stays: server_backup
    assert not rename.isEnabled()
    assert rename.toolTip() == FOR_FILES
    assert not window.menus.check_store.isEnabled()
    assert not window.menus.edit_notes.isEnabled()
    _select(qtbot, window, "beta")
    info = window.current_session()
    window.context_menus.for_session(info.db_path, info, window.session_view.pos())
    entries = [a.text() for a in window.context_menus.shown.actions()]
    assert "Copy Store URL" in entries
    assert "Show in Folder" not in entries
    copy = next(a for a in window.context_menus.shown.actions() if a.text() == "Copy Store URL")
    copy.trigger()
    assert QApplication.clipboard().text() == without_password(written.url(reader=True))
    window.open_folder(store_folder)
    assert rename.isEnabled()
    assert window.menus.check_store.isEnabled()


def test_a_server_that_is_down_says_so_naming_host_and_port(qtbot: Any, main_window: Any) -> None:
    port = free_port()
    window = main_window()
    window.open_paths([f"postgresql://agent:hunter2@{HOST}:{port}/db"])
    notice = window.notice
    qtbot.waitUntil(lambda: f"{HOST}:{port}" in notice.label.text(), timeout=TIMEOUT)
    assert notice.label.text().startswith("Disconnected:")
    assert "hunter2" not in notice.label.text() + window.windowTitle()
    assert window.session_model.session_count() == 0


def test_refresh_lists_the_sessions_written_since(
    qtbot: Any, main_window: Any, postgres_database: PgDatabase
) -> None:
    url = postgres_database.url(driver="asyncpg")
    write_sqlalchemy(url, "first", ("Paris",))
    window = main_window()
    window.open_paths([url])
    qtbot.waitUntil(lambda: window.session_model.session_count() == 1, timeout=TIMEOUT)
    write_sqlalchemy(url, "second", ("Lima",))
    window.menus.refresh.trigger()
    qtbot.waitUntil(lambda: window.session_model.session_count() == 2, timeout=TIMEOUT)


def test_a_server_that_dies_leaves_what_was_listed_and_says_disconnected(
    qtbot: Any, main_window: Any
) -> None:
    server = start_postgres()
    try:
        database = server.create_database()
        write_sqlalchemy(database.url(driver="asyncpg"), "alpha", ("Paris",))
        window = main_window()
        window.open_paths([database.url()])
        qtbot.waitUntil(lambda: window.message_model.rowCount() == ITEMS_PER_TURN, timeout=TIMEOUT)
    finally:
        server.stop()
    window.menus.refresh.trigger()
    text = window.notice.label.text
    qtbot.waitUntil(lambda: text().startswith("Disconnected:"), timeout=TIMEOUT)
    assert f"{HOST}:{server.port}" in text()
    assert window.session_model.session_count() == 1
    assert window.message_model.rowCount() == ITEMS_PER_TURN


def test_a_redis_store_is_shown_the_same_way(
    qtbot: Any, main_window: Any, redis_database: RedisDatabase
) -> None:
    """Nothing in the window knows PostgreSQL: a Redis store comes through the same seam."""
    url = redis_database.url(reader=True)
    write_redis(redis_database.url(), "chat", ("Paris", "Oslo"))
    window = main_window()
    window.open_paths([url])
    qtbot.waitUntil(lambda: window.session_model.session_count() == 1, timeout=TIMEOUT)
    kind = window.session_model.index(0, SessionColumn.KIND).data()
    assert kind == "Redis"
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 2 * ITEMS_PER_TURN, timeout=TIMEOUT)
    password = redis_database.server.reader_password
    assert password not in window.windowTitle() + "".join(_row_texts(window.session_model))


def test_searching_a_server_reads_it_and_opens_what_it_finds(
    qtbot: Any, qtmodeltester: Any, main_window: Any, written: PgDatabase
) -> None:
    """Search All reads the server (no local index); a result opens its session."""
    window = _open_server(qtbot, main_window, written.url(reader=True))
    panel = window.search_panel
    window.show_search()
    panel.query.setText("oslo")
    panel.search()
    qtbot.waitUntil(lambda: not panel.searching and panel.model.rowCount() > 0, timeout=TIMEOUT)
    qtmodeltester.check(panel.model)
    hits = [panel.model.hit(row) for row in range(panel.model.rowCount())]
    assert {hit.session_id for hit in hits} == {"alpha"}  # the Oslo turn is alpha's
    assert len(hits) == ITEMS_PER_TURN
    assert written.server.reader_password not in panel.status.text()
    assert panel.status.text().startswith(f"{len(hits)} results in ")
    window.view.open_hit(hits[-1])
    qtbot.waitUntil(lambda: window.current_session().session_id == "alpha", timeout=TIMEOUT)
    window.messages.search.setText("oslo")  # the session's own search: filtered on the server
    qtbot.waitUntil(lambda: window.message_model.rowCount() == ITEMS_PER_TURN, timeout=TIMEOUT)
    previews = [window.message_model.index(r, 4).data() for r in range(ITEMS_PER_TURN)]
    assert all("Oslo" in preview for preview in previews)


def test_a_redis_store_is_searched_too(
    qtbot: Any, main_window: Any, redis_database: RedisDatabase
) -> None:
    write_redis(redis_database.url(), "chat", ("Paris", "Oslo"))
    write_redis(redis_database.url(), "other", ("Lima",))
    window = main_window()
    window.open_paths([redis_database.url(reader=True)])
    qtbot.waitUntil(lambda: window.session_model.session_count() == 2, timeout=TIMEOUT)
    panel = window.search_panel
    panel.query.setText("lima")
    panel.search()
    qtbot.waitUntil(lambda: not panel.searching, timeout=TIMEOUT)
    assert panel.model.rowCount() > 0, panel.status.text()
    sessions = {panel.model.hit(row).session_id for row in range(panel.model.rowCount())}
    assert sessions == {"other"}


def test_a_first_page_is_listed_at_once_then_every_session(
    qtbot: Any, workers: WorkerPool, written: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_listing, "FIRST_PAGE", 1)  # the session updated last comes alone
    monkeypatch.setattr(worker_module, "FIRST_BATCH_MAX", 1)  # and is shown at once
    store = ServerStore(workers)
    listings: list[int] = []
    store.listed.connect(lambda scan: listings.append(len(scan.sessions)))
    store.open(written.url(reader=True))
    qtbot.waitUntil(lambda: len(listings) == 2 and not store.busy, timeout=TIMEOUT)
    assert listings == [1, len(SESSIONS)]
    store.close()
