"""The window's menu actions, by the path a user reads: "View > Theme", "Dark".

The shortcuts sheet, the command palette and the toolbar's tooltips all name actions
this way, so they read as the menus do.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMenuBar


def plain_text(text: str) -> str:
    """A menu text without its mnemonic marks ("&&" is a real "&") or trailing "…"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def action_tooltip(action: QAction) -> str:
    """ "Open Folder (Ctrl+O)": for a button that triggers a menu's action."""
    text = plain_text(action.text())
    keys = action.shortcut().toString()
    return f"{text} ({keys})" if keys else text


def menu_entries(bar: QMenuBar) -> list[tuple[str, str, QAction]]:
    """(menu path, action name, action) for every action of the menus, submenus included."""
    found: list[tuple[str, str, QAction]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            name = plain_text(action.text())
            if isinstance(submenu := action.menu(), QMenu):
                walk(submenu, f"{path} > {name}")
            elif name and not action.isSeparator():
                found.append((path, name, action))

    for top in bar.actions():
        if isinstance(menu := top.menu(), QMenu):
            walk(menu, plain_text(top.text()))
    return found
