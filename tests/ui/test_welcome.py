"""With nothing open the window shows how to open something, and what was open before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.test_operations import TIMEOUT, _ready


def test_closing_the_folder_shows_the_welcome_page_with_recent_folders(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    window.menus.close_folder.trigger()
    page = window.welcome.view
    assert window.welcome.shown and window.folder is None
    assert window.session_model.rowCount() == 0 and window.message_model.session_id is None
    assert window.windowTitle() == "Agency Desktop"
    assert window.status_label.text() == "Nothing open"
    buttons = [button.text() for button in page.buttons]
    assert buttons == [
        "Open Folder…",
        "Open Store…",
        "Open the Demo Folder (sample data)",
        "Connect to Server Store…",
    ]
    assert page.recent.item(0).text() == str(store_folder.resolve())
    page.recent.itemActivated.emit(page.recent.item(0))  # Enter or a double click
    qtbot.waitUntil(lambda: window.session_model.session_count() == 5, timeout=TIMEOUT)
    assert not window.welcome.shown and window.folder == store_folder.resolve()


def test_a_remembered_folder_that_is_gone_gives_the_welcome_page_and_says_why(
    qtbot: Any, main_window: Any, tmp_path: Path
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    window = main_window(gone)
    gone.rmdir()
    window._open_default()
    assert window.welcome.shown
    assert f"{gone.resolve()} is no longer there" in window.notice.label.text()


def test_the_welcome_buttons_are_the_menus_own_actions(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    window.close_folder()
    opened: list[str] = []
    window.menus.open_demo.triggered.connect(lambda: opened.append("demo"))
    window.welcome.view.buttons[2].click()
    assert opened == ["demo"]


def test_the_demo_folder_says_it_is_sample_data(
    qtbot: Any, main_window: Any, monkeypatch: Any, store_folder: Path
) -> None:
    from agency_desktop.ui import main_window as window_module

    monkeypatch.setattr(window_module, "demo_dir", lambda: store_folder)
    window = main_window(store_folder)
    assert window.notice.label.text().startswith("This is the demo folder: sample conversations")
    assert [button.text() for button in window.notice.action_buttons] == ["Open Folder…"]
