"""Edit > Preferences: shows the settings as they are and puts changes into effect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialogButtonBox

from agency_desktop.ui.theme import Theme
from agency_desktop.util.pricing import DEFAULT_MODEL, Price


def _dialog(qtbot: Any, window: Any) -> Any:
    window.menus.preferences.trigger()
    dialog = window.preferences_dialog
    qtbot.waitExposed(dialog)
    return dialog


def _ok(dialog: Any) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_shows_the_settings_as_they_are(qtbot: Any, main_window: Any, store_folder: Path) -> None:
    window = main_window(store_folder)
    window.settings.auto_backup = False
    dialog = _dialog(qtbot, window)
    assert dialog.start_last.isChecked() and not dialog.auto_backup.isChecked()
    assert dialog.keep_index.isChecked() == window.settings.keep_index
    assert dialog.price_model.currentText() == DEFAULT_MODEL
    assert dialog.prices.rowCount() == len(window.settings.prices.prices)
    dialog.reject()


def test_changes_take_effect_and_the_menus_agree(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    window = main_window(store_folder)
    dialog = _dialog(qtbot, window)
    dialog.start_fixed.setChecked(True)
    dialog.start_path.setText(str(tmp_path))
    dialog.auto_backup.setChecked(False)
    dialog.theme.setCurrentIndex(dialog.theme.findData(Theme.DARK))
    dialog.prices.setRowCount(0)
    dialog._add_price_row("house-model", Price(1, 2))
    dialog._list_models()
    _ok(dialog)
    assert not dialog.isVisible()
    settings = window.settings
    assert settings.start_folder == tmp_path
    assert not settings.auto_backup and not window.operations_menu.auto_backup_action.isChecked()
    assert settings.theme is Theme.DARK and window.menus.themes[Theme.DARK].isChecked()
    assert settings.prices.model == "house-model" and window.stats.prices == settings.prices
    assert window.detail.conversation._prices == settings.prices
    window.choices.set_theme(Theme.SYSTEM)


def test_a_price_that_is_not_a_number_keeps_the_dialog_open_and_says_why(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = main_window(store_folder)
    dialog = _dialog(qtbot, window)
    dialog.prices.item(0, 1).setText("cheap")
    name = dialog.prices.item(0, 0).text()
    _ok(dialog)
    assert dialog.isVisible()
    assert dialog.problem.text() == f"The prices of {name} must be numbers."
    before = window.settings.prices
    dialog.reject()
    assert window.settings.prices == before


def test_a_start_folder_is_opened_in_place_of_the_last_one(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    window = main_window(tmp_path)
    window.settings.start_folder = store_folder
    window._open_default()
    qtbot.waitUntil(lambda: window.folder == store_folder, timeout=5000)
