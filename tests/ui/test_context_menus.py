"""Right-clicking a row offers what can be done with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from agency_desktop.ui import desktop
from agency_desktop.ui.models.session_list import Role
from tests.ui.test_operations import TIMEOUT, _ready


def _right_click(window: Any, wanted: Any) -> Any:
    proxy, view = window.session_proxy, window.session_view
    row = next(r for r in range(proxy.rowCount()) if wanted(proxy.index(r, 0)))
    position = view.visualRect(proxy.index(row, 0)).center()
    view.customContextMenuRequested.emit(position)
    menu = window.context_menus.shown
    return menu, {action.text(): action for action in menu.actions() if action.text()}


def test_a_session_row_offers_copy_show_and_the_operations(
    qtbot: Any, main_window: Any, store_folder: Path, monkeypatch: Any
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    window.show()
    menu, actions = _right_click(
        window, lambda index: getattr(index.data(Role.INFO), "session_id", "") == "shared-b"
    )
    assert window.sessions.current().session_id == "shared-b"  # the row right-clicked
    assert list(actions)[:3] == ["Copy Session ID", "Copy File Path", "Show in Folder"]
    assert {"E&xport Session…", "&Rename Session…", "&Delete Selected Session…"} <= set(actions)
    actions["Copy Session ID"].trigger()
    assert QApplication.clipboard().text() == "shared-b"
    shown: list[Path] = []
    monkeypatch.setattr(desktop, "open_in_desktop", shown.append)
    actions["Show in Folder"].trigger()
    assert shown == [store_folder]
    menu.close()


def test_a_broken_file_row_offers_only_what_applies(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    (store_folder / "notes.db").write_text("not a database")
    window = main_window(store_folder)
    qtbot.waitUntil(lambda: window.session_model.problem_count() == 1, timeout=TIMEOUT)
    window.show()
    menu, actions = _right_click(window, lambda index: index.data(Role.INFO) is None)
    assert list(actions) == ["Copy File Path", "Show in Folder"]
    actions["Copy File Path"].trigger()
    assert QApplication.clipboard().text() == str(store_folder / "notes.db")
    menu.close()


def test_an_item_row_offers_copy_views_and_its_sessions_operations(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    import json

    from tests.ui.test_following import _open

    window = _ready(qtbot, main_window, store_folder)
    window.show()
    _open(qtbot, window, "plain-1")
    view = window.message_view
    view.customContextMenuRequested.emit(view.visualRect(window.message_model.index(1, 0)).center())
    assert view.currentIndex().row() == 1  # the row right-clicked is the one shown
    menu = window.context_menus.shown
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert list(actions)[:3] == ["Copy Item JSON", "Copy Preview Text", "Copy Call ID"]
    assert {"&Conversation", "&JSON", "E&xport Session…", "Show Store in Folder"} <= set(actions)
    QApplication.clipboard().clear()
    actions["Copy Item JSON"].trigger()
    qtbot.waitUntil(lambda: QApplication.clipboard().text().startswith("{"), timeout=TIMEOUT)
    assert json.loads(QApplication.clipboard().text())["type"] == "function_call"
    menu.close()
