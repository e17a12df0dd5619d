"""Copying and moving a file's session to a server store from the window, on real servers.

Operations > Copy (or Move) Session to Server Store… writes the selected session of a
local file into PostgreSQL, which the SDK's SQLAlchemySession then reads as it was; a
session the server holds already is replaced only when asked (and backed up locally
first); a move leaves the file without it and a backup of the file; the SDK's tables are
made only when asked; a Redis store takes them the same way. No title, summary or error
shows the server's password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from agency_desktop.ui.file_only import FOR_FILES
from agency_desktop.ui.models.session_list import Column as SessionColumn
from agency_desktop.ui.server_copy import REPLACE_HINT, TABLES_HINT
from agency_desktop.ui.server_locations import without_password
from agency_desktop.ui.widgets.notice_bar import Level
from tests.helpers.server_stores import (
    ITEMS_PER_TURN,
    read_redis,
    read_sqlalchemy,
    write_sqlalchemy,
)
from tests.helpers.servers import PgDatabase, RedisDatabase
from tests.helpers.stores import item_texts, sdk_items

TIMEOUT = 15_000
SESSION = "shared-b"  # 3 turns in store_folder's shared.db, next to "shared-a"
ITEMS = 3 * ITEMS_PER_TURN


@pytest.fixture
def with_tables(postgres_database: PgDatabase) -> PgDatabase:
    """A database whose SDK tables exist: another session written by SQLAlchemySession."""
    write_sqlalchemy(postgres_database.url(driver="asyncpg"), "elsewhere", ("Kyiv",))
    return postgres_database


def _window(qtbot: Any, main_window: Any, folder: Path) -> Any:
    """The folder listed, `SESSION` selected, and every operation title it starts kept."""
    window = main_window(folder)
    qtbot.waitUntil(
        lambda: window.session_model.session_count() == 5 and not window.scanner.busy,
        timeout=TIMEOUT,
    )
    proxy = window.session_proxy
    rows = {proxy.index(r, SessionColumn.SESSION).data(): r for r in range(proxy.rowCount())}
    window.session_view.setCurrentIndex(proxy.index(rows[SESSION], 0))
    qtbot.waitUntil(lambda: window.current_session().session_id == SESSION, timeout=TIMEOUT)
    window.titles = []
    window.runner.started.connect(window.titles.append)
    return window


def _copy(qtbot: Any, window: Any, url: str, **options: Any) -> str:
    """Copy (or move) the selected session; the summary."""
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        window.server_copies.do_copy(window.current_session(), url, **options)
    return str(done.args[0])


def _refused(qtbot: Any, window: Any, url: str, **options: Any) -> str:
    """Copy (or move) the selected session, expecting a failure; the notice's text."""
    with qtbot.waitSignal(window.runner.failed, timeout=TIMEOUT) as failed:
        window.server_copies.do_copy(window.current_session(), url, **options)
    assert window.notice.level is Level.ERROR
    assert window.notice.label.text() == failed.args[0]
    return str(failed.args[0])


def _no_password(window: Any, secret: str, *texts: str) -> None:
    shown = (window.notice.label.text(), window.windowTitle(), *window.titles, *texts)
    assert all(secret not in text for text in shown)
    assert all(secret not in url for url in window.settings.recent_servers)


def test_a_file_session_copied_to_postgresql_reads_the_same_in_the_sdk(
    qtbot: Any, main_window: Any, store_folder: Path, with_tables: PgDatabase
) -> None:
    window = _window(qtbot, main_window, store_folder)
    url, plain = with_tables.url(), without_password(with_tables.url())
    summary = _copy(qtbot, window, url)
    assert summary == f"Copied {ITEMS} items of {SESSION!r} to {plain} (verified)"
    assert window.titles == [f"Copying session {SESSION!r} to {plain}"]
    assert window.notice.level is Level.SUCCESS and window.notice.label.text() == summary
    assert window.notice.action_buttons == []  # no local folder to show
    sdk_url = with_tables.url(driver="asyncpg")
    assert read_sqlalchemy(sdk_url, SESSION) == sdk_items(store_folder / "shared.db", SESSION)
    assert len(read_sqlalchemy(sdk_url, "elsewhere")) == ITEMS_PER_TURN  # left as it was
    assert len(item_texts(store_folder / "shared.db", SESSION)) == ITEMS  # a copy: kept
    assert window.settings.recent_servers[0] == plain  # like a connection, no password
    _no_password(window, with_tables.server.password, summary)


def test_a_session_on_the_server_is_replaced_only_when_asked_and_backed_up_first(
    qtbot: Any, main_window: Any, store_folder: Path, with_tables: PgDatabase, app_data: Path
) -> None:
    sdk_url = with_tables.url(driver="asyncpg")
    write_sqlalchemy(sdk_url, SESSION, ("Lima",))  # one turn: what Replace would destroy
    before = read_sqlalchemy(sdk_url, SESSION)
    window = _window(qtbot, main_window, store_folder)
    message = _refused(qtbot, window, with_tables.url())
    assert f"session {SESSION!r} is on the server already; nothing was written" in message
    assert REPLACE_HINT in message
    assert read_sqlalchemy(sdk_url, SESSION) == before
    assert not (app_data / "backups").exists()
    summary = _copy(qtbot, window, with_tables.url(), overwrite=True)
    assert summary.endswith("(verified; the session it replaced was backed up locally)")
    assert len(read_sqlalchemy(sdk_url, SESSION)) == ITEMS
    (backup,) = (app_data / "backups").rglob("*.db")
    assert sdk_items(backup, SESSION) == before
    _no_password(window, with_tables.server.password, message, summary, backup.as_posix())


def test_a_move_leaves_the_file_without_the_session_and_a_backup_of_it(
    qtbot: Any, main_window: Any, store_folder: Path, with_tables: PgDatabase, app_data: Path
) -> None:
    source = store_folder / "shared.db"
    items = sdk_items(source, SESSION)
    window = _window(qtbot, main_window, store_folder)
    plain = without_password(with_tables.url())
    summary = _copy(qtbot, window, with_tables.url(), move=True)
    assert summary.startswith(f"Moved {ITEMS} items of {SESSION!r} to {plain} (verified); ")
    assert window.titles == [f"Moving session {SESSION!r} to {plain}"]
    assert read_sqlalchemy(with_tables.url(driver="asyncpg"), SESSION) == items
    assert item_texts(source, SESSION) == []
    assert item_texts(source, "shared-a")  # the file's other session stays
    backup = Path(summary.split("backup of the file: ", 1)[1])
    assert backup.is_relative_to(app_data) and sdk_items(backup, SESSION) == items
    qtbot.waitUntil(lambda: window.session_model.session_count() == 4, timeout=TIMEOUT)
    _no_password(window, with_tables.server.password, summary)


def test_the_sdks_tables_are_made_only_when_asked(
    qtbot: Any, main_window: Any, store_folder: Path, postgres_database: PgDatabase
) -> None:
    window = _window(qtbot, main_window, store_folder)
    url = postgres_database.url()
    message = _refused(qtbot, window, url, move=True)
    assert "the database has no agent_sessions and agent_messages tables" in message
    assert TABLES_HINT in message
    assert len(item_texts(store_folder / "shared.db", SESSION)) == ITEMS  # not moved
    with postgres_database.connect() as admin:
        assert admin.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone() == (0,)
    _copy(qtbot, window, url, create_tables=True)
    items = read_sqlalchemy(postgres_database.url(driver="asyncpg"), SESSION)
    assert items == sdk_items(store_folder / "shared.db", SESSION)
    _no_password(window, postgres_database.server.password, message)


def test_a_move_to_redis_reads_the_same_in_the_sdk_and_leaves_the_file_without_it(
    qtbot: Any, main_window: Any, store_folder: Path, redis_database: RedisDatabase
) -> None:
    window = _window(qtbot, main_window, store_folder)
    source = store_folder / "shared.db"
    items = sdk_items(source, SESSION)
    message = _refused(qtbot, window, redis_database.url(), create_tables=True)
    assert message.endswith("--create-tables is for a PostgreSQL store")
    summary = _copy(qtbot, window, redis_database.url(), move=True)
    assert summary.startswith(f"Moved {ITEMS} items of {SESSION!r} to ")
    assert read_redis(redis_database.url(), SESSION) == items
    assert item_texts(source, SESSION) == []
    _no_password(window, redis_database.server.password, summary, message)


def test_the_dialog_copies_to_the_server_typed_with_its_password_apart(
    qtbot: Any, main_window: Any, store_folder: Path, postgres_database: PgDatabase
) -> None:
    window = _window(qtbot, main_window, store_folder)
    window.operations_menu.actions["ask_move_to_server"].trigger()
    moving = window.server_copies.dialog
    qtbot.waitUntil(moving.isVisible, timeout=TIMEOUT)
    assert moving.windowTitle() == "Move Session to Server Store"
    assert moving.connect_button.text() == "&Move"
    assert moving.replace_box.isHidden()  # a move never replaces
    moving.reject()
    window.operations_menu.actions["ask_copy_to_server"].trigger()
    dialog = window.server_copies.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    assert dialog.windowTitle() == "Copy Session to Server Store"
    assert "one transaction, verified before it commits" in dialog.explanation.text()
    assert not dialog.replace_box.isChecked() and not dialog.tables_box.isChecked()
    plain = without_password(postgres_database.url())
    dialog.url_field.setText(plain)
    dialog.password_field.setText(postgres_database.server.password)
    assert dialog.tables_box.isEnabled()  # PostgreSQL has tables to make
    dialog.tables_box.setChecked(True)
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert done.args[0] == f"Copied {ITEMS} items of {SESSION!r} to {plain} (verified)"
    assert len(read_sqlalchemy(postgres_database.url(driver="asyncpg"), SESSION)) == ITEMS
    assert window.settings.recent_servers[0] == plain
    dialog.url_field.setText("redis://127.0.0.1:6379/0")
    assert not dialog.tables_box.isEnabled()  # Redis has none
    _no_password(window, postgres_database.server.password)


def test_the_entries_are_off_while_a_server_store_is_shown(
    qtbot: Any, main_window: Any, with_tables: PgDatabase, store_folder: Path
) -> None:
    window = main_window()
    window.open_paths([with_tables.url()])
    qtbot.waitUntil(lambda: window.session_model.session_count() == 1, timeout=TIMEOUT)
    for method in ("ask_copy_to_server", "ask_move_to_server"):
        action = window.operations_menu.actions[method]
        assert not action.isEnabled() and action.toolTip() == FOR_FILES
    window.open_folder(store_folder)
    assert window.operations_menu.actions["ask_copy_to_server"].isEnabled()
