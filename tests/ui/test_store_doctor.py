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
    assert "pop_item" in dialog.details.text() and "issues/4729" in dialog.details.text()
    assert dialog.summary.text() == (
        "1 store checked: 1 finding, 1 store with problems. The check changed nothing."
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


def test_repair_shows_each_step_then_repairs_after_a_backup_and_checks_again(
    qtbot: Any, main_window: Any, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from tests.ops.test_repair import _sdk_items

    folder = tmp_path / "stores"
    folder.mkdir()
    path = _upgraded(folder / "chat.db")
    window = main_window(folder)
    qtbot.waitUntil(lambda: window.session_model.session_count() == 1, timeout=TIMEOUT)
    window.menus.check_folder.trigger()
    dialog = window.doctor.dialog
    qtbot.waitUntil(dialog.repair_button.isEnabled, timeout=TIMEOUT)
    before = folder_snapshot(folder)
    dialog.repair_button.click()
    qtbot.waitUntil(lambda: window.doctor.question is not None, timeout=TIMEOUT)
    question = window.doctor.question
    assert question.text() == "Repair 1 finding in 1 store?"
    assert "chat.db: session 'chat': add 8 structure rows" in question.informativeText()
    assert "backed up first" in question.informativeText()
    assert folder_snapshot(folder) == before  # nothing before the yes
    question.button(QMessageBox.StandardButton.Cancel).click()
    assert folder_snapshot(folder) == before
    dialog.repair_button.click()
    qtbot.waitUntil(lambda: window.doctor.question is not question, timeout=TIMEOUT)
    repair = next(
        b
        for b in window.doctor.question.buttons()
        if window.doctor.question.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
    )
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        repair.click()
    assert done.args[0].startswith("Repaired 1 finding in 1 store")
    qtbot.waitUntil(
        lambda: dialog.table.rowCount() == 0 and "0 findings" in dialog.summary.text(),
        timeout=TIMEOUT,
    )
    assert not dialog.repair_button.isEnabled()
    dialog.reject()
    window.shutdown()
    assert len(_sdk_items(path)) == 12
