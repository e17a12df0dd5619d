"""Light, dark or the system's colours (View > Theme), kept in the settings.

Qt's own switch (`QStyleHints.setColorScheme`) works only where the platform theme
supports it; everywhere else the app sets a palette of its own on the Fusion style,
so Dark is dark on every desktop (and under a test's offscreen platform).
"""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


class Theme(enum.StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


_SCHEMES = {
    Theme.SYSTEM: Qt.ColorScheme.Unknown,
    Theme.LIGHT: Qt.ColorScheme.Light,
    Theme.DARK: Qt.ColorScheme.Dark,
}
_SYSTEM_PALETTE: dict[int, QPalette] = {}  # the platform's, before any change, by app


def apply_theme(theme: Theme) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    system = _SYSTEM_PALETTE.setdefault(id(app), QPalette(app.palette()))
    app.styleHints().setColorScheme(_SCHEMES[theme])
    if theme is Theme.SYSTEM:
        app.setPalette(system)
    elif theme is Theme.LIGHT:
        app.setPalette(app.style().standardPalette())
    else:
        app.setPalette(dark_palette())


def dark_palette() -> QPalette:
    palette = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {
        role.Window: "#2b2b2b",
        role.WindowText: "#e6e6e6",
        role.Base: "#1e1e1e",
        role.AlternateBase: "#262626",
        role.ToolTipBase: "#3a3a3a",
        role.ToolTipText: "#e6e6e6",
        role.PlaceholderText: "#8c8c8c",
        role.Text: "#e6e6e6",
        role.Button: "#333333",
        role.ButtonText: "#e6e6e6",
        role.BrightText: "#ff6b6b",
        role.Link: "#6cb4ff",
        role.Highlight: "#2f6fb3",
        role.HighlightedText: "#ffffff",
        role.Mid: "#4a4a4a",
        role.Dark: "#1a1a1a",
        role.Light: "#505050",
    }
    for colour_role, colour in colours.items():
        palette.setColor(colour_role, QColor(colour))
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, colour_role, QColor("#7a7a7a"))
    return palette
