"""The window's notice bar: errors and results of operations, dismissible, never modal."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget


class NoticeBar(QWidget):
    """A dismissible message bar over the top of the window (not a modal box).

    It floats over the panes instead of taking a place in the layout: showing it
    then repaints one bar, not every pane (charts included) below it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#notice { background: palette(tool-tip-base); border-bottom: 1px solid palette(mid); }"
        )
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.place()
        self.show()
        self.raise_()

    def place(self) -> None:
        """Span the top of the parent; called again when the parent is resized."""
        parent = self.parentWidget()
        if parent is not None:
            width = parent.width()
            self.setGeometry(
                0,
                0,
                width,
                self.heightForWidth(width)
                if self.hasHeightForWidth()
                else self.sizeHint().height(),
            )
