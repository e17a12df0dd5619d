"""The window as a user drives it: open, select, read, drop files, watch the folder change."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from agents import SQLiteSession
from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFileOpenEvent
from PySide6.QtWidgets import QApplication, QTableView, QWidget

from agency_desktop.ui.app import FileOpenFilter
from agency_desktop.ui.models.session_list import Column as SessionColumn
from agency_desktop.ui.models.session_list import Role as SessionRole
from tests.helpers.stores import run_turns, write_plain

TIMEOUT = 10_000


def _sessions(window: Any) -> dict[str, int]:
    proxy = window.session_proxy
    return {proxy.index(r, SessionColumn.SESSION).data(): r for r in range(proxy.rowCount())}


def _wait_for_sessions(qtbot: Any, window: Any, count: int) -> None:
    qtbot.waitUntil(lambda: window.session_model.session_count() == count, timeout=TIMEOUT)


def _select_session(qtbot: Any, window: Any, session_id: str) -> None:
    row = _sessions(window)[session_id]
    window.session_view.setCurrentIndex(window.session_proxy.index(row, 0))
    qtbot.waitUntil(lambda: window.message_model.rowCount() > 0, timeout=TIMEOUT)


def _drop(window: Any, paths: list[Path]) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    return drop


def test_widgets_carry_their_object_names(main_window: Any, store_folder: Path) -> None:
    window = main_window(store_folder)
    for name, kind in (
        ("sessionList", QTableView),
        ("messageTable", QTableView),
        ("messageDetail", QWidget),
        ("statsPanel", QWidget),
    ):
        assert isinstance(window.findChild(kind, name), kind), name


def test_open_folder_select_session_read_transcript(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    assert window.windowTitle().startswith("stores")
    _select_session(qtbot, window, "shared-b")
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 12, timeout=TIMEOUT)
    window.message_view.setCurrentIndex(window.message_model.index(1, 0))  # the first tool call
    qtbot.waitUntil(
        lambda: (
            window.detail.detail is not None
            and window.detail.detail.row_id == window.message_model.row(1).row_id
        ),
        timeout=TIMEOUT,
    )
    browser = window.detail.transcript
    qtbot.waitUntil(lambda: "Lima: overcast" in browser.toPlainText(), timeout=TIMEOUT)
    text = browser.toPlainText()
    assert "Weather in Lima?" in text and "Tool call: get_weather" in text
    assert "Result" in text and "Lima: overcast" in text
    assert '"call_id": "call_0_Lima"' in window.detail.json_view.toPlainText()


def test_stats_panel_draws_charts_for_session_and_folder(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    _select_session(qtbot, window, "adv-1")
    qtbot.waitUntil(
        lambda: window.stats.stats is not None and window.stats.stats.session_id == "adv-1",
        timeout=TIMEOUT,
    )
    window.show()
    assert window.stats.charts == {}  # behind the Message tab: drawn when seen
    window.side_tabs.setCurrentWidget(window.stats)
    assert set(window.stats.charts) == {"kinds", "tools", "timeline", "usage"}
    window.stats.folder_scope.setChecked(True)
    qtbot.waitUntil(
        lambda: window.stats.stats is not None and window.stats.stats.session_id is None,
        timeout=TIMEOUT,
    )
    assert window.stats.stats.session_count == 5 and window.stats.stats.message_count == 36


def test_dropping_a_store_file_opens_it(qtbot: Any, main_window: Any, store_folder: Path) -> None:
    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    with qtbot.waitSignal(window.filesOpened, timeout=TIMEOUT):
        _drop(window, [store_folder / "shared.db"])
    _wait_for_sessions(qtbot, window, 2)
    assert set(_sessions(window)) == {"shared-a", "shared-b"}


def test_dropping_a_folder_opens_it(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    write_plain(other / "x.db", "x-1")
    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    with qtbot.waitSignal(window.folderOpened, timeout=TIMEOUT):
        _drop(window, [other])
    _wait_for_sessions(qtbot, window, 1)
    assert window.folder == other.resolve()


def test_dropping_something_else_explains_and_keeps_the_view(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    _drop(window, [store_folder / "notes.txt"])
    qtbot.waitUntil(lambda: window.notice.isVisibleTo(window), timeout=TIMEOUT)
    assert "notes.txt" in window.notice.label.text()
    assert "not an SQLite database" in window.notice.label.text()
    assert window.session_model.session_count() == 5


def test_folder_changes_show_without_refresh(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    write_plain(store_folder / "new.db", "newcomer")
    qtbot.waitUntil(lambda: "newcomer" in _sessions(window), timeout=TIMEOUT)
    (store_folder / "custom.db").unlink()
    qtbot.waitUntil(lambda: "custom-1" not in _sessions(window), timeout=TIMEOUT)
    session = SQLiteSession("plain-1", store_folder / "plain.db")
    asyncio.run(run_turns(session, ["Lima"]))
    session.close()

    def plain_count() -> str:
        return window.session_proxy.index(_sessions(window)["plain-1"], SessionColumn.ITEMS).data()

    qtbot.waitUntil(lambda: plain_count() == "12", timeout=TIMEOUT)


def test_open_session_follows_an_agent_writing(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    _select_session(qtbot, window, "plain-1")
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 8, timeout=TIMEOUT)
    session = SQLiteSession("plain-1", store_folder / "plain.db")
    asyncio.run(run_turns(session, ["Rome"]))
    session.close()
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 12, timeout=TIMEOUT)


def test_corrupt_file_in_folder_is_listed_with_its_state(
    qtbot: Any, main_window: Any, store_folder: Path, broken_folder
) -> None:
    _, files = broken_folder
    shutil.copy(files["truncated"], store_folder / "truncated.db")
    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    qtbot.waitUntil(lambda: window.session_model.problem_count() == 1, timeout=TIMEOUT)
    model = window.session_model
    row = next(
        r
        for r in range(model.rowCount())
        if model.index(r, SessionColumn.FILE).data() == "truncated.db"
    )
    assert model.index(row, SessionColumn.STATE).data() == "corrupt"
    assert model.index(row, 0).data(SessionRole.INFO) is None
    assert "1 file not readable" in window.status_label.text()


def test_jump_to_last_item(qtbot: Any, main_window: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from agency_desktop.ui.models import message_table

    monkeypatch.setattr(message_table, "PAGE_SIZE", 10)
    write_plain(
        tmp_path / "long" / "long.db", "long", ("Paris", "Oslo", "Lima", "Rome", "Paris", "Oslo")
    )
    window = main_window(tmp_path / "long")
    _wait_for_sessions(qtbot, window, 1)
    _select_session(qtbot, window, "long")
    window.messages.jump_to_end()
    qtbot.waitUntil(
        lambda: (
            window.message_view.currentIndex().row() == window.message_model.rowCount() - 1
            and window.message_model.index(window.message_model.rowCount() - 1, 0).data() == "24"
        ),
        timeout=TIMEOUT,
    )


def test_file_open_event_opens_the_file(qtbot: Any, main_window: Any, store_folder: Path) -> None:
    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    event_filter = FileOpenFilter(window)
    with qtbot.waitSignal(window.filesOpened, timeout=TIMEOUT):
        assert event_filter.eventFilter(window, QFileOpenEvent(str(store_folder / "custom.db")))
    _wait_for_sessions(qtbot, window, 1)
    assert QEvent.Type.FileOpen  # the event type macOS sends for a double-clicked document


def test_last_folder_and_recent_folders_are_remembered(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    write_plain(other / "x.db", "x-1")
    first = main_window(store_folder)
    first.open_folder(other)
    assert first.settings.recent_folders[:2] == [str(other.resolve()), str(store_folder.resolve())]
    actions = [a.text() for a in first.menus.recent.actions()]
    assert actions[:2] == first.settings.recent_folders[:2]
    second = main_window(restore=True)
    qtbot.waitUntil(lambda: second.folder == other.resolve(), timeout=TIMEOUT)


def test_without_a_remembered_folder_the_demo_opens(
    qtbot: Any, main_window: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(tmp_path / "appdata"))
    window = main_window(restore=True)
    qtbot.waitUntil(lambda: window.session_model.session_count() == 5, timeout=30_000)
    assert window.folder == (tmp_path / "appdata" / "demo").resolve()
    assert "research-trip" in _sessions(window)


def test_kind_filter_lists_only_items_of_that_kind(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    from agency_desktop.stores.items import ItemKind

    window = main_window(store_folder)
    _wait_for_sessions(qtbot, window, 5)
    _select_session(qtbot, window, "plain-1")
    window.kind_filter.setCurrentIndex(window.kind_filter.findData(ItemKind.FUNCTION_CALL))
    model = window.message_model
    qtbot.waitUntil(lambda: model.filter.active and model.rowCount() == 2, timeout=TIMEOUT)
    assert {model.row(n).kind for n in range(2)} == {ItemKind.FUNCTION_CALL}


def test_another_folder_replaces_the_list_and_the_old_rows_go_in_the_background(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    window = main_window(store_folder)
    qtbot.waitUntil(lambda: window.session_model.session_count() == 5, timeout=10_000)
    old = window.session_model
    other = tmp_path / "other"
    other.mkdir()
    write_plain(other / "one.db", "only-one", ("Rome",))
    with qtbot.waitSignal(old.destroyed, timeout=10_000):
        window.open_folder(other)
        assert window.session_proxy.rowCount() == 0  # nothing of the old folder is shown
    qtbot.waitUntil(lambda: window.session_model.session_count() == 1, timeout=10_000)
    assert window.session_proxy.index(0, 0).data() == "only-one"
