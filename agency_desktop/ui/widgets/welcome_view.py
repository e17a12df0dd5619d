"""What the window shows with nothing open: how to open something, and what was open before.

Its buttons trigger the menus' own actions (same shortcuts, same dialogs); a folder
or store dropped anywhere on the window opens it, which the page says.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..menu_entries import action_tooltip

DROP_HINT = "or drop a folder or a .db file anywhere on this window"
DEMO_LABEL = "Open the Demo Folder (sample data)"


class WelcomeView(QWidget):
    folderChosen = Signal(str)  # a recent folder, double-clicked or activated

    def __init__(
        self,
        open_folder: QAction,
        open_store: QAction,
        open_demo: QAction,
        connect_server: QAction | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeView")
        title = QLabel("Agency Desktop")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(
            "Read, search, back up and tidy the conversations your OpenAI Agents SDK"
            " agents keep: SQLiteSession and AdvancedSQLiteSession stores."
        )
        intro.setWordWrap(True)
        self.buttons = [
            self._button(open_folder, open_folder.text().replace("&", "")),
            self._button(open_store, open_store.text().replace("&", "")),
            self._button(open_demo, DEMO_LABEL),
        ]
        if connect_server is not None:  # a team's sessions on a server: after the local ones
            self.buttons.append(
                self._button(connect_server, connect_server.text().replace("&", ""))
            )
        drop = QLabel(DROP_HINT)
        drop.setObjectName("dropHint")
        self.recent = QListWidget()
        self.recent.setObjectName("recentFolders")
        self.recent.setAccessibleName("Recent folders")
        self.recent.itemActivated.connect(lambda item: self.folderChosen.emit(item.text()))
        self.recent_title = QLabel("Recent folders")
        self._lay_out(title, intro, drop)

    def _button(self, action: QAction, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(action_tooltip(action))
        button.clicked.connect(action.trigger)
        return button

    def _lay_out(self, title: QLabel, intro: QLabel, drop: QLabel) -> None:
        column = QVBoxLayout()
        column.addWidget(title)
        column.addWidget(intro)
        column.addSpacing(16)
        row = QHBoxLayout()
        for button in self.buttons:
            row.addWidget(button)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(drop)
        column.addSpacing(16)
        column.addWidget(self.recent_title)
        column.addWidget(self.recent)
        column.addStretch(1)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 3)
        outer.addStretch(1)
        outer.setContentsMargins(24, 48, 24, 24)
        outer.setAlignment(column, Qt.AlignmentFlag.AlignTop)

    def show_recent(self, folders: list[str]) -> None:
        self.recent.clear()
        for folder in folders:
            QListWidgetItem(folder, self.recent)
        self.recent_title.setText("Recent folders" if folders else "No folders opened yet")
        self.recent.setVisible(bool(folders))
        rows = max(1, min(len(folders), 8))  # as tall as the list, the page's foot left empty
        self.recent.setMaximumHeight(rows * self.recent.sizeHintForRow(0) + 8)


class WelcomePage:
    """Makes the welcome view the first time it is needed and puts it in front."""

    def __init__(
        self,
        pages: QStackedWidget,
        actions: tuple[QAction, QAction, QAction, QAction | None],  # WelcomeView's
        recent: Callable[[], list[str]],
        open_folder: Callable[[str], None],
    ) -> None:
        self._pages, self._actions = pages, actions
        self._recent, self._open_folder = recent, open_folder
        self.view: WelcomeView | None = None

    def show(self) -> None:
        if self.view is None:
            self.view = WelcomeView(*self._actions)
            self.view.folderChosen.connect(self._open_folder)
            self._pages.addWidget(self.view)
        self.view.show_recent(self._recent())
        self._pages.setCurrentWidget(self.view)

    @property
    def shown(self) -> bool:
        return self.view is not None and self._pages.currentWidget() is self.view
