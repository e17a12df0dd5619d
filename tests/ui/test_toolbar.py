"""The toolbar holds the menus' own actions: same shortcut, same enabling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.test_operations import TIMEOUT, _ready


def test_the_toolbar_offers_the_most_used_actions_with_icons(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    actions = window.toolbar.actions()
    assert [a.iconText() for a in actions] == [
        "Open Folder",
        "Open Store",
        "Refresh",
        "Back Up",
        "Search",
        "Stats",
    ]
    assert all(not a.icon().isNull() for a in actions)
    assert actions[0] is window.menus.open_folder and "Ctrl+O" in actions[0].toolTip()
    back_up = actions[3]
    with qtbot.waitSignal(window.runner.started, timeout=TIMEOUT):
        window.operations.do_backup(window.scanner.store_paths, store_folder.parent / "b")
    assert not back_up.isEnabled()  # as its menu entry, while an operation runs
    qtbot.waitUntil(back_up.isEnabled, timeout=TIMEOUT)
