"""Session > Check Store: the doctor's findings in a table, nothing changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers.stores import folder_snapshot
from tests.stores.test_doctor import _upgraded
from tests.ui.test_operations import TIMEOUT


def test_check_store_lists_the_hidden_history_of_the_selected_store(
    qtbot: Any, main_window: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "stores"
    folder.mkdir()
    _upgraded(folder / "chat.db")
    before = folder_snapshot(folder)
    window = main_window(folder)
    qtbot.waitUntil(lambda: window.session_model.session_count() == 1, timeout=TIMEOUT)
    window.view.select(lambda info: True)
    window.menus.check_store.trigger()
    dialog = window.doctor.dialog
    table = dialog.table
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=TIMEOUT)
    row = [table.item(0, column).text() for column in range(table.columnCount())]
    assert row[:4] == ["chat.db", "chat", "hidden history", "8"]
    assert row[6].endswith("/issues/4729")
    assert dialog.summary.text() == (
        "1 store checked: 1 finding, 1 store with problems. Nothing was changed."
    )
    dialog.reject()
    window.shutdown()  # once the window has let go of the store, it is as it was
    assert folder_snapshot(folder) == before


def test_check_every_store_reports_a_clean_folder_as_such(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    qtbot.waitUntil(
        lambda: not window.scanner.busy and window.session_model.session_count() == 5,
        timeout=TIMEOUT,
    )
    window.menus.check_folder.trigger()
    dialog = window.doctor.dialog
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=TIMEOUT)
    assert dialog.table.rowCount() == 0
    assert dialog.summary.text().startswith("4 stores checked: 0 findings, 0 stores with problems")
    dialog.reject()
