"""Every control can be found by a screen reader's name and reached from the keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from tests.ui.test_operations import _ready

CONTROLS = (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit, QTextEdit)


def _unnamed(root: QWidget) -> list[str]:
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or isinstance(widget, QHeaderView):
            continue  # a header is read as its table's column names
        if isinstance(widget.parent(), (QTabBar, QComboBox, QAbstractSpinBox)):
            continue  # parts of a control that is itself checked
        if not widget.isVisibleTo(root) or type(widget).__name__.startswith("QSpinBox"):
            continue
        interface = QAccessible.queryAccessibleInterface(widget)
        name = interface.text(QAccessible.Text.Name) if interface is not None else ""
        if not name.strip():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_every_control_of_the_window_has_an_accessible_name(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    window.show()
    for tab in range(window.left_tabs.count()):
        window.left_tabs.setCurrentIndex(tab)
        assert _unnamed(window) == [], "\n".join(_unnamed(window))
    window.side_tabs.setCurrentWidget(window.stats)
    assert _unnamed(window) == [], "\n".join(_unnamed(window))


def test_tab_reaches_every_pane_of_the_window(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    window.show()
    chain, widget = [], window.sessions.filter
    for _ in range(400):
        chain.append(widget.objectName())
        widget = widget.nextInFocusChain()
        if widget is window.sessions.filter:
            break
    wanted = [
        "sessionFilter",
        "sessionList",
        "kindFilter",
        "messageSearch",
        "messageTable",
        "transcriptView",
    ]
    assert [name for name in chain if name in wanted] == wanted


def test_a_large_font_gives_rows_room_for_their_text(
    qtbot: Any, main_window: Any, store_folder: Path, qapp: Any
) -> None:
    font = qapp.font()
    large = type(font)(font)
    large.setPointSizeF(font.pointSizeF() * 2)
    qapp.setFont(large)
    try:
        window = _ready(qtbot, main_window, store_folder)
        for view in (window.session_view, window.message_view, window.search_panel.results):
            row = view.verticalHeader().defaultSectionSize()
            assert row >= view.fontMetrics().height() + 4, view.objectName()
    finally:
        qapp.setFont(font)


def test_the_window_fits_a_screen_at_200_percent(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    """At 200% a 1440x900 screen is 720x450 device-independent pixels: the window's
    panes must fit in that (they did not: the search pane alone wanted 457)."""
    window = _ready(qtbot, main_window, store_folder)
    needed = window.minimumSizeHint()
    assert needed.width() <= 720 and needed.height() <= 450
