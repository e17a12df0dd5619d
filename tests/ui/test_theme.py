"""View > Theme: light, dark or the system's, remembered in the settings."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from agency_desktop.ui.settings import Settings
from agency_desktop.ui.theme import Theme, apply_theme


def _window_lightness() -> int:
    return QApplication.palette().color(QPalette.ColorRole.Window).lightness()


def test_the_theme_menu_switches_the_colours_and_remembers_the_choice(
    qtbot: Any, main_window: Any
) -> None:
    window = main_window()
    system = _window_lightness()
    menus = window.menus
    assert menus.themes[Theme.SYSTEM].isChecked()
    try:
        menus.themes[Theme.DARK].trigger()
        assert _window_lightness() < 100 and menus.themes[Theme.DARK].isChecked()
        assert Settings(window.settings.store).theme is Theme.DARK
        menus.themes[Theme.LIGHT].trigger()
        assert _window_lightness() > 200
        menus.themes[Theme.SYSTEM].trigger()
        assert _window_lightness() == system
    finally:
        apply_theme(Theme.SYSTEM)  # the application is shared with the other tests


def test_an_unknown_stored_theme_reads_as_the_system_one(settings: Any) -> None:
    settings.setValue("view/theme", "purple")
    assert Settings(settings).theme is Theme.SYSTEM
