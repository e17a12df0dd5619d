"""Ctrl+K: every menu action, found by typing part of its name, run with Enter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from agency_desktop.ui.dialogs.command_palette import menu_actions
from tests.ui.test_operations import _ready


def test_typing_finds_a_command_and_enter_runs_it(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    names = [name for name, _ in menu_actions(window.menuBar())]
    assert "File > Open Folder" in names and "View > Theme > Dark" in names
    assert "Operations > Delete Selected Session" in names
    window.menus.palette.trigger()
    palette = window.menus.palette_dialog
    qtbot.keyClicks(palette.query, "stats")
    assert all("stats" in name.lower() for name in palette.visible_names())
    assert window.side_tabs.currentWidget() is not window.stats
    qtbot.keyClick(palette.query, Qt.Key.Key_Return)
    assert window.side_tabs.currentWidget() is window.stats
    assert not palette.isVisible()


def test_nothing_runs_when_nothing_matches(qtbot: Any, main_window: Any) -> None:
    window = main_window()
    window.menus.palette.trigger()
    palette = window.menus.palette_dialog
    qtbot.keyClicks(palette.query, "no such command at all")
    assert palette.visible_names() == []
    qtbot.keyClick(palette.query, Qt.Key.Key_Return)
    assert palette.isVisible()  # stays open for another try
    palette.reject()
