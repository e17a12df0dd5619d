"""Help > Keyboard Shortcuts lists what the menus hold; About says versions and folders."""

from __future__ import annotations

from collections import Counter
from typing import Any

from agency_desktop import __version__
from agency_desktop.ui.dialogs.help_dialogs import about_text, shortcut_rows
from agency_desktop.util.paths import backup_dir, log_dir


def test_the_shortcuts_sheet_lists_every_menu_shortcut_once(qtbot: Any, main_window: Any) -> None:
    window = main_window()
    rows = shortcut_rows(window.menuBar())
    by_action = {(menu, action): keys for menu, action, keys in rows}
    assert by_action[("File", "Open Folder")] == "Ctrl+O"
    assert by_action[("Operations", "Delete Selected Session")] == "Del"
    assert by_action[("Help", "Keyboard Shortcuts")] == "Ctrl+/"
    clashes = [keys for keys, n in Counter(keys for _, _, keys in rows).items() if n > 1]
    assert clashes == []  # one key, one action
    window.menus.shortcuts.trigger()
    dialog = window.menus.shortcuts_dialog
    assert dialog.isVisible() and dialog.table.rowCount() == len(rows)
    dialog.reject()


def test_about_gives_versions_and_the_app_folders() -> None:
    text = about_text()
    assert f"Agency Desktop {__version__}" in text
    assert "openai-agents 0.24.0" in text and "PySide6 6.12.0" in text
    assert str(backup_dir()) in text and str(log_dir()) in text
