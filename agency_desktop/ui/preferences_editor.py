"""Opens Preferences with the settings as they are and puts the user's choice into effect.

Each setting also has a menu entry (or a pane) that shows it; those are brought in
line here, so the menu's tick never disagrees with the dialog.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from .dialogs.preferences import Preferences, PreferencesDialog
from .operations_menu import OperationsMenu
from .settings import Settings
from .view_choices import ViewChoices
from .widgets.message_detail import MessageDetail
from .widgets.stats_panel import StatsPanel
from .window_menus import WindowMenus


class MainWindow(Protocol):
    """What of the main window Preferences changes (the window imports this module)."""

    settings: Settings
    operations_menu: OperationsMenu
    keep_index_action: QAction
    menus: WindowMenus
    detail: MessageDetail
    choices: ViewChoices
    stats: StatsPanel

    def set_keep_index(self, keep: bool) -> None: ...
    def dialog_parent(self) -> QWidget: ...


def current_preferences(settings: Settings) -> Preferences:
    return Preferences(
        settings.start_folder,
        settings.auto_backup,
        settings.keep_index,
        settings.theme,
        settings.prices,
    )


def edit_preferences(window: MainWindow) -> PreferencesDialog:
    dialog = PreferencesDialog(current_preferences(window.settings), window.dialog_parent())
    dialog.accepted.connect(lambda: apply_preferences(window, dialog.chosen()))
    dialog.open()
    return dialog


def apply_preferences(window: MainWindow, chosen: Preferences) -> None:
    settings = window.settings
    settings.start_folder = chosen.start_folder
    # The menu's entry saves the setting when it is toggled.
    window.operations_menu.auto_backup_action.setChecked(chosen.auto_backup)
    if chosen.keep_index != settings.keep_index:
        window.keep_index_action.setChecked(chosen.keep_index)
        window.set_keep_index(chosen.keep_index)
    if chosen.theme != settings.theme:
        window.choices.set_theme(chosen.theme)
    settings.prices = chosen.prices
    window.detail.set_prices(chosen.prices)
    window.stats.prices = chosen.prices
