"""Right-click menus: what can be done with the row under the pointer.

The entries are the Operations menu's own actions (same shortcuts, same enabling while
an operation runs), next to copying and showing the file in the file manager.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from ..search.records import SearchHit
from ..stores.paging import MessageRow
from ..stores.records import SessionInfo
from . import desktop
from .models.message_table import MessageTableModel
from .operations_menu import OperationsMenu
from .search_panel import SearchPanel
from .server_locations import is_server, open_location, without_password
from .session_view import SessionView
from .widgets.message_detail import pretty_item
from .widgets.message_pane import MessagePane
from .widgets.session_pane import SessionPane
from .window_menus import WindowMenus
from .workers import Worker, WorkerPool

# Operations that act on the selected session or its store, in menu order; None: a line.
SESSION_OPERATIONS = (
    "edit_notes",
    "toggle_star",
    None,
    "ask_export",
    "ask_backup_selected",
    None,
    "ask_rename",
    "ask_copy_session",
    "ask_move_session",
    None,
    "ask_delete_selected",
)
# What an item's menu offers for its session (the item's session is the open one).
ITEM_OPERATIONS = ("bookmark_item", "ask_export", "ask_backup_selected")


def session_menu(
    parent: QWidget, path: Path, info: SessionInfo | None, operations: Mapping[str, QAction]
) -> QMenu:
    """For a session row, or (`info` None) a row of a file that cannot be read."""
    menu = QMenu(parent)
    if info is not None:
        menu.addAction("Copy Session ID").triggered.connect(
            lambda: desktop.copy_text(info.session_id)
        )
    if info is not None and info.location:  # a server's: its URL (no password), no file
        _copy_action(menu, "Copy Store URL", lambda: without_password(info.location))
    else:
        menu.addAction("Copy File Path").triggered.connect(lambda: desktop.copy_text(str(path)))
        menu.addAction("Show in Folder").triggered.connect(lambda: desktop.show_in_folder(path))
    if info is None:
        return menu
    menu.addSeparator()
    for name in SESSION_OPERATIONS:
        if name is None:
            menu.addSeparator()
        else:
            menu.addAction(operations[name])
    return menu


def _copy_action(menu: QMenu, text: str, value: Callable[[], str]) -> QAction:
    action = menu.addAction(text)
    action.triggered.connect(lambda: desktop.copy_text(value()))
    return action


def item_menu(
    parent: QWidget,
    path: Path,
    row: MessageRow,
    views: Sequence[QAction],
    operations: Mapping[str, QAction],
    copy_item: Callable[[], None],
) -> QMenu:
    """For an item of the open session: copy it, see it another way, act on its session."""
    menu = QMenu(parent)
    menu.addAction("Copy Item JSON").triggered.connect(copy_item)
    _copy_action(menu, "Copy Preview Text", lambda: row.preview)
    if row.call_id:
        _copy_action(menu, "Copy Call ID", lambda: row.call_id or "")
    menu.addSeparator()
    for action in views:
        menu.addAction(action)
    menu.addSeparator()
    for name in ITEM_OPERATIONS:
        menu.addAction(operations[name])
    if not is_server(path):
        show = menu.addAction("Show Store in Folder")
        show.triggered.connect(lambda: desktop.show_in_folder(path))
    return menu


def hit_menu(parent: QWidget, hit: SearchHit, open_hit: Callable[[SearchHit], None]) -> QMenu:
    """For a search result: open it, copy what identifies it, find its file."""
    menu = QMenu(parent)
    menu.addAction("Open").triggered.connect(lambda: open_hit(hit))
    menu.addSeparator()
    _copy_action(menu, "Copy Excerpt", lambda: hit.snippet)
    _copy_action(menu, "Copy Session ID", lambda: hit.session_id)
    _copy_action(menu, "Copy File Path", lambda: str(hit.path))
    menu.addAction("Show in Folder").triggered.connect(lambda: desktop.show_in_folder(hit.path))
    return menu


def item_json(db_path: Path, session_id: str, row_id: int) -> str:
    """Runs in a worker: the item as the JSON tab shows it, for the clipboard."""
    with open_location(db_path).reader(session_id) as reader:
        return pretty_item(reader.read_item(row_id) or "")


class MenuHost(Protocol):
    """What of the main window the menus use (the window imports this module)."""

    operations_menu: OperationsMenu
    menus: WindowMenus
    workers: WorkerPool
    message_model: MessageTableModel
    view: SessionView
    sessions: SessionPane
    messages: MessagePane
    search_panel: SearchPanel

    def dialog_parent(self) -> QWidget: ...


class ContextMenus(QObject):
    """The window's right-click menus; the last one shown is kept (and reachable in tests)."""

    def __init__(
        self,
        parent: QWidget,
        operations: Mapping[str, QAction],
        views: Sequence[QAction],
        workers: WorkerPool,
        messages: MessageTableModel,
        open_hit: Callable[[SearchHit], None],
    ) -> None:
        super().__init__(parent)
        self._parent, self._operations, self._views = parent, operations, views
        self._workers, self._messages, self._open_hit = workers, messages, open_hit
        self.shown: QMenu | None = None

    @classmethod
    def of_window(cls, window: MenuHost) -> ContextMenus:
        """Menus for the window's session list, message table and search results."""
        notes = {
            "edit_notes": window.menus.edit_notes,
            "toggle_star": window.menus.toggle_star,
            "bookmark_item": window.menus.bookmark_item,
        }
        menus = cls(
            window.dialog_parent(),
            {**window.operations_menu.actions, **notes},
            (window.menus.transcript, window.menus.json),
            window.workers,
            window.message_model,
            window.view.open_hit,
        )
        window.sessions.menuAsked.connect(menus.for_session)
        window.messages.menuAsked.connect(menus.for_item)
        window.search_panel.menuAsked.connect(menus.for_hit)
        return menus

    def for_session(self, path: Path, info: SessionInfo | None, where: QPoint) -> None:
        self._show(session_menu(self._parent, path, info, self._operations), where)

    def for_item(self, row: MessageRow, where: QPoint) -> None:
        path, session_id = self._messages.db_path, self._messages.session_id
        if path is None or session_id is None:
            return

        def copy_json() -> None:
            worker = Worker(item_json, path, session_id, row.row_id)
            worker.signals.returned.connect(desktop.copy_text)
            self._workers.start(worker)

        menu = item_menu(self._parent, path, row, self._views, self._operations, copy_json)
        self._show(menu, where)

    def for_hit(self, hit: SearchHit, where: QPoint) -> None:
        self._show(hit_menu(self._parent, hit, self._open_hit), where)

    def _show(self, menu: QMenu, where: QPoint) -> None:
        self.shown = menu
        menu.popup(where)
