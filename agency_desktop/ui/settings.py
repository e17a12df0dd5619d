"""The app's own settings, one typed property per key.

The keys are written here and nowhere else; the file is QSettings' INI file in the
user's config folder (tests and benchmarks hand the window one of their own).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter

from ..util.pricing import PriceTable
from .server_locations import without_password
from .theme import Theme
from .window_layout import fit_to_screen

ORGANIZATION, APPLICATION = "AgencyDesktop", "agency-desktop"
MAX_RECENT = 8

_LAST_FOLDER = "lastFolder"
_RECENT_FOLDERS = "recentFolders"
_RECENT_SERVERS = "recentServers"
_KEEP_INDEX = "search/keepIndex"
_AUTO_BACKUP = "operations/autoBackup"
_DEBUG_LOG = "logging/debug"
_THEME = "view/theme"
_GROUP_BY_STORE = "view/groupByStore"
_START_FOLDER = "startFolder"
_PRICES = "usage/prices"
_GEOMETRY = "geometry"
_SPLITTER = "splitter"
# The session list header: order, widths, hidden. Versioned by its layout: a state saved
# with other columns would hide the new ones (2: the Title column, 3: Tokens, 4: Tags, Note).
_SESSION_COLUMNS = "sessionList/header4"


def user_settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


class Settings:
    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else user_settings()

    def _flag(self, key: str, default: bool) -> bool:
        return bool(self.store.value(key, default, bool))

    # --- folders

    @property
    def last_folder(self) -> Path | None:
        value = str(self.store.value(_LAST_FOLDER, "", str))
        return Path(value) if value else None

    @property
    def recent_folders(self) -> list[str]:
        """Most recent first."""
        value = self.store.value(_RECENT_FOLDERS, [])
        if isinstance(value, str):  # QSettings' INI form of a one-item list
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def start_folder(self) -> Path | None:
        """The folder to open at start (Preferences); None: the last one opened."""
        value = str(self.store.value(_START_FOLDER, "", str))
        return Path(value) if value else None

    @start_folder.setter
    def start_folder(self, folder: Path | None) -> None:
        self.store.setValue(_START_FOLDER, str(folder) if folder else "")

    def remember_folder(self, folder: Path) -> None:
        """`folder` becomes the last one opened, first of the recent ones."""
        others = [f for f in self.recent_folders if f != str(folder)]
        self.store.setValue(_RECENT_FOLDERS, [str(folder), *others][:MAX_RECENT])
        self.store.setValue(_LAST_FOLDER, str(folder))

    @property
    def recent_servers(self) -> list[str]:
        """Server stores connected to, most recent first, each without its password."""
        value = self.store.value(_RECENT_SERVERS, [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def remember_server(self, url: str) -> None:
        """`url` first among the recent servers, its password removed (never written)."""
        plain = without_password(url)
        others = [u for u in self.recent_servers if u != plain]
        self.store.setValue(_RECENT_SERVERS, [plain, *others][:MAX_RECENT])

    # --- switches

    @property
    def keep_index(self) -> bool:
        return self._flag(_KEEP_INDEX, True)

    @keep_index.setter
    def keep_index(self, on: bool) -> None:
        self.store.setValue(_KEEP_INDEX, on)

    @property
    def theme(self) -> Theme:
        value = str(self.store.value(_THEME, Theme.SYSTEM.value))
        return Theme(value) if value in set(Theme) else Theme.SYSTEM

    @theme.setter
    def theme(self, theme: Theme) -> None:
        self.store.setValue(_THEME, theme.value)

    @property
    def group_by_store(self) -> bool:
        return self._flag(_GROUP_BY_STORE, False)

    @group_by_store.setter
    def group_by_store(self, on: bool) -> None:
        self.store.setValue(_GROUP_BY_STORE, on)

    @property
    def auto_backup(self) -> bool:
        return self._flag(_AUTO_BACKUP, True)

    @auto_backup.setter
    def auto_backup(self, on: bool) -> None:
        self.store.setValue(_AUTO_BACKUP, on)

    @property
    def prices(self) -> PriceTable:
        return PriceTable.from_json(str(self.store.value(_PRICES, "", str)))

    @prices.setter
    def prices(self, table: PriceTable) -> None:
        self.store.setValue(_PRICES, table.to_json())

    @property
    def debug_logging(self) -> bool:
        return self._flag(_DEBUG_LOG, False)

    @debug_logging.setter
    def debug_logging(self, on: bool) -> None:
        self.store.setValue(_DEBUG_LOG, on)

    # --- the window's shape

    @property
    def geometry(self) -> QByteArray | None:
        value = self.store.value(_GEOMETRY)
        return value if isinstance(value, QByteArray) else None

    @property
    def splitter(self) -> QByteArray | None:
        value = self.store.value(_SPLITTER)
        return value if isinstance(value, QByteArray) else None

    @property
    def session_columns(self) -> QByteArray | None:
        value = self.store.value(_SESSION_COLUMNS)
        return value if isinstance(value, QByteArray) else None

    def save_shape(self, window: QMainWindow, splitter: QSplitter, columns: QHeaderView) -> None:
        self.store.setValue(_GEOMETRY, window.saveGeometry())
        self.store.setValue(_SPLITTER, splitter.saveState())
        self.store.setValue(_SESSION_COLUMNS, columns.saveState())
        self.store.sync()

    def restore_shape(self, window: QMainWindow, splitter: QSplitter, columns: QHeaderView) -> None:
        """The window's size, its panes' widths and the session list's columns as they were."""
        if (geometry := self.geometry) is not None:
            window.restoreGeometry(geometry)
            fit_to_screen(window, window.width(), window.height())  # saved at another scale
        if (sizes := self.splitter) is not None:
            splitter.restoreState(sizes)
        if (header := self.session_columns) is not None:
            columns.restoreState(header)
