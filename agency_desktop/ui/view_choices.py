"""The window's remembered switches with menu entries of their own: the theme, grouping
sessions by store, and debug logging. Each is saved when changed and put into effect."""

from __future__ import annotations

from PySide6.QtCore import QObject

from ..util import logs
from .settings import Settings
from .theme import Theme, apply_theme
from .widgets.session_pane import SessionPane
from .window_menus import WindowMenus


class ViewChoices(QObject):
    def __init__(self, settings: Settings, menus: WindowMenus, sessions: SessionPane) -> None:
        super().__init__(sessions)
        self._settings, self._menus, self._sessions = settings, menus, sessions
        menus.themes[settings.theme].setChecked(True)
        for theme, action in menus.themes.items():
            action.triggered.connect(lambda _checked=False, t=theme: self.set_theme(t))
        menus.group_by_store.setChecked(settings.group_by_store)
        menus.group_by_store.toggled.connect(self.group_by_store)
        sessions.set_grouped(settings.group_by_store)
        menus.debug_logging.setChecked(logs.env_debug() or settings.debug_logging)
        menus.debug_logging.triggered.connect(self.set_debug_logging)

    def set_theme(self, theme: Theme) -> None:
        self._settings.theme = theme
        self._menus.themes[theme].setChecked(True)
        apply_theme(theme)

    def group_by_store(self, on: bool) -> None:
        self._settings.group_by_store = on
        self._sessions.set_grouped(on)

    def set_debug_logging(self, on: bool) -> None:
        self._settings.debug_logging = on
        logs.configure(debug=on)
