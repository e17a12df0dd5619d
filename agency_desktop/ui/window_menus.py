"""The main window's own menus and their actions (Operations and Scratch have theirs).

The actions are made here, named by what they do; the window connects each to its
slot, so the menus can be read (and changed) in one place without the window's code.
Help's entries, which need nothing of the window, are handled here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar, QMessageBox

from .crash_reporter import CrashReporter
from .theme import Theme

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None
Keys = QKeySequence.StandardKey


class WindowMenus:
    def __init__(self, window: QMainWindow) -> None:
        self._window = window
        bar = window.menuBar()
        file = bar.addMenu("&File")
        self.open_folder = self._add(file, "Open &Folder…", Keys.Open)
        self.open_files = self._add(file, "Open &Store…", "Ctrl+Shift+O")
        self.connect_server = self._add(file, "Co&nnect to Server Store…", "Ctrl+Shift+U")
        self.connect_server.setToolTip("Browse the sessions on a PostgreSQL or Redis server")
        self.recent = file.addMenu("&Recent Folders")
        self.open_demo = self._add(file, "Open &Demo Folder")
        self.close_folder = self._add(file, "&Close Folder", "Ctrl+Shift+W")
        file.addSeparator()
        self.refresh = self._add(file, "&Refresh", Keys.Refresh)
        file.addSeparator()
        self.quit = self._add(file, "&Quit", Keys.Quit)

        view = bar.addMenu("&View")
        self.filter_sessions = self._add(view, "Filter &Sessions", Keys.Find)
        self.search_session = self._add(view, "Search in Session", "Ctrl+Shift+F")
        self.search_all = self._add(view, "Search &All Sessions", "Ctrl+Shift+S")
        self.group_by_store = self._add(view, "&Group Sessions by Store", checkable=True)
        self.group_by_store.setToolTip("A store that holds several sessions as a node above them")
        self.keep_index = self._add(view, "&Keep a Search Index", checkable=True)
        self.keep_index.setToolTip(
            "Index the folder's text in the app's cache folder, so searches answer at once"
            " (turning it off deletes the index)"
        )
        self.last_item = self._add(view, "&Last Item", "Ctrl+End")
        self.transcript = self._add(view, "&Conversation", "Ctrl+T")
        self.json = self._add(view, "&JSON", "Ctrl+J")
        self.stats = self._add(view, "S&tats", "Ctrl+I")
        view.addSeparator()
        themes = view.addMenu("T&heme")
        self.theme_group = QActionGroup(window)
        self.themes: dict[Theme, QAction] = {}
        for theme, text in (
            (Theme.SYSTEM, "&System"),
            (Theme.LIGHT, "&Light"),
            (Theme.DARK, "&Dark"),
        ):
            action = self._add(themes, text, checkable=True)
            self.theme_group.addAction(action)
            self.themes[theme] = action

        self._edit_and_session_menus(bar)

        self.help = bar.addMenu("&Help")
        self.log_folder = self._add(self.help, "Show &Log Folder")
        self.debug_logging = self._add(
            self.help, "&Debug Logging (Logs May Hold Message Content)", checkable=True
        )
        self.palette = self._add(self.help, "&Run a Command…", "Ctrl+K")
        self.shortcuts = self._add(self.help, "&Keyboard Shortcuts", "Ctrl+/")
        self.help.addSeparator()
        self.about = self._add(self.help, "&About Agency Desktop")
        self.shortcuts.triggered.connect(self._show_shortcuts)
        self.palette.triggered.connect(self._show_palette)
        self.log_folder.triggered.connect(CrashReporter.show_log_folder)
        self.about.triggered.connect(self._show_about)

    def _edit_and_session_menus(self, bar: QMenuBar) -> None:
        edit = bar.addMenu("&Edit")
        self.copy_item = self._add(edit, "&Copy Item", "Ctrl+Shift+C")
        edit.addSeparator()
        self.preferences = self._add(edit, "&Preferences…", "Ctrl+,")
        self.preferences.setMenuRole(QAction.MenuRole.PreferencesRole)

        session = bar.addMenu("&Session")
        self.unlock = self._add(session, "&Unlock Encrypted Session…", "Ctrl+U")
        self.forget_keys = self._add(session, "&Forget Session Keys")
        session.addSeparator()
        self.edit_notes = self._add(session, "Edit &Notes…", "Ctrl+Shift+N")
        self.edit_notes.setToolTip(
            "Your title, tags, star and note: kept by the app, not the store"
        )
        self.toggle_star = self._add(session, "S&tar or Unstar Session", "Ctrl+Shift+8")
        self.bookmark_item = self._add(session, "&Bookmark Item…", "Ctrl+Shift+M")
        session.addSeparator()
        self.compare_with = self._add(session, "Compare &With…")
        self.compare_with.setToolTip(
            "Where the selected session and another differ: its backup, another session or file"
        )
        session.addSeparator()
        self.check_store = self._add(session, "&Check Store…")
        self.check_store.setToolTip("What the SDK would hide or lose in the selected store")
        self.check_folder = self._add(session, "Check &Every Store…")

    def _add(
        self, menu: QMenu, text: str, shortcut: Shortcut = None, *, checkable: bool = False
    ) -> QAction:
        action = QAction(text, self._window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        self._window.addAction(action)  # shortcuts work with the menu bar hidden too
        menu.addAction(action)
        return action

    def _show_about(self) -> None:
        from .dialogs.help_dialogs import about_text

        QMessageBox.about(self._window, "About Agency Desktop", about_text())

    def _show_palette(self) -> None:
        from .dialogs.command_palette import CommandPalette

        self.palette_dialog = CommandPalette(self._window.menuBar(), self._window)
        self.palette_dialog.open()

    def _show_shortcuts(self) -> None:
        from .dialogs.help_dialogs import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self._window.menuBar(), self._window)
        self.shortcuts_dialog.open()

    def insert_before_help(self, menu: QMenu) -> None:
        self._window.menuBar().insertMenu(self.help.menuAction(), menu)

    def show_recent(self, folders: list[str], open_folder: Callable[[str], None]) -> None:
        self.recent.clear()
        for folder in folders:
            action = self.recent.addAction(folder)
            action.triggered.connect(lambda _checked=False, f=folder: open_folder(f))
        self.recent.setEnabled(bool(folders))
