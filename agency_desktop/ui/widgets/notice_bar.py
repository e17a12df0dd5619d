"""The window's notice bar: errors and results of operations, dismissible, never modal.

A solid, colour-coded bar in the layout above the panes (as KDE's KMessageWidget and
VS Code's notifications are): it takes its own space, so its text never lies over a
tab or a filter box. Results can carry actions (Show in Folder, Open).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QToolButton,
    QWidget,
)


class Level(enum.Enum):
    """How a notice reads: the colours and icon say it before the words do."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


# Background, border and text: fixed light tints with dark text read the same in a
# light and a dark theme (the palette's own tool-tip colour was see-through in some).
_COLOURS = {
    Level.INFO: ("#dbeafe", "#60a5fa", "#1e3a8a"),
    Level.SUCCESS: ("#dcfce7", "#4ade80", "#14532d"),
    Level.WARNING: ("#fef3c7", "#fbbf24", "#78350f"),
    Level.ERROR: ("#fee2e2", "#f87171", "#7f1d1d"),
}
_ICONS = {
    Level.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
    Level.SUCCESS: QStyle.StandardPixmap.SP_DialogApplyButton,
    Level.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Level.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
}
ICON_SIZE = 20


@dataclass(frozen=True)
class NoticeAction:
    label: str
    run: Callable[[], object]


class NoticeBar(QFrame):
    """One message at a time; a new one replaces the last."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setAccessibleName("Notice")
        self.level = Level.INFO
        self.icon = QLabel()
        self.label = QLabel()
        self.label.setObjectName("noticeText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAccessibleName("Dismiss notice")
        self.close_button.clicked.connect(self.hide)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 6, 6, 6)
        self._layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        self._layout.addWidget(self.label, 1)
        self.action_buttons: list[QPushButton] = []
        self._layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(
        self, text: str, level: Level = Level.INFO, actions: Sequence[NoticeAction] = ()
    ) -> None:
        self.level = level
        self.label.setText(text)
        self.setAccessibleDescription(f"{level.value}: {text}")
        self._paint(level)
        self._set_actions(actions)
        self.show()

    def error(self, text: str) -> None:
        self.show_message(text, Level.ERROR)

    def warn(self, text: str) -> None:
        self.show_message(text, Level.WARNING)

    def success(self, text: str, actions: Sequence[NoticeAction] = ()) -> None:
        self.show_message(text, Level.SUCCESS, actions)

    def _paint(self, level: Level) -> None:
        background, border, text = _COLOURS[level]
        self.setStyleSheet(
            f"#notice {{ background: {background}; border: 1px solid {border};"
            f" border-radius: 4px; margin: 4px 4px 0 4px; }}"
            f" #notice QLabel {{ color: {text}; background: transparent; }}"
            f" #notice QToolButton {{ color: {text}; border: none; padding: 2px 6px; }}"
        )
        pixmap = self.style().standardIcon(_ICONS[level]).pixmap(ICON_SIZE, ICON_SIZE)
        self.icon.setPixmap(pixmap)

    def _set_actions(self, actions: Sequence[NoticeAction]) -> None:
        for button in self.action_buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self.action_buttons = []
        for action in actions:
            button = QPushButton(action.label)
            button.clicked.connect(action.run)
            self._layout.insertWidget(
                self._layout.count() - 1, button, 0, Qt.AlignmentFlag.AlignTop
            )
            self.action_buttons.append(button)
