"""Session > Compare With…: the selected session against its automatic backup, another
listed session, or a file; the comparison opens in its own dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agency_desktop.ops.auto_backup import automatic_backup
from tests.helpers.stores import folder_snapshot, write_plain
from tests.ui.test_operations import TIMEOUT


def test_compare_with_the_automatic_backup_shows_what_came_since(
    qtbot: Any, main_window: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "stores"
    store = write_plain(folder / "chat.db", "chat", ("Paris",))
    write_plain(folder / "other.db", "other", ("Lima",))
    automatic_backup(store)  # as a cleanup or a repair takes it
    write_plain(store, "chat", ("Oslo",))  # the agent went on
    before = folder_snapshot(folder)
    window = main_window(folder)
    qtbot.waitUntil(lambda: window.session_model.session_count() == 2, timeout=TIMEOUT)
    window.view.select(lambda info: info.session_id == "chat")
    window.menus.compare_with.trigger()
    choice = window.tools.choice
    texts = [choice.list.item(row).text() for row in range(choice.list.count())]
    assert texts[0].startswith("Backup of chat.db, ") and texts[1] == "other · other.db"
    choice.accept()
    dialog = window.tools.diff
    qtbot.waitUntil(lambda: "added" in dialog.summary.text(), timeout=TIMEOUT)
    assert dialog.summary.text().startswith("4 added")
    dialog.reject()
    window.shutdown()
    assert folder_snapshot(folder) == before


def test_compare_with_needs_a_selected_session(
    qtbot: Any, main_window: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    window = main_window(folder)
    window.menus.compare_with.trigger()
    assert window.tools.choice is None
    assert "Select a session first" in window.notice.label.text()
