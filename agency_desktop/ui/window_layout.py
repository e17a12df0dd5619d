"""Where the main window's panes go: sessions and search on the left, the open
session's items in the middle, the item and stats on the right; the notice bar above
them all, and a welcome page in their place when nothing is open."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

PANE_WIDTHS = [470, 520, 450]


@dataclass(frozen=True)
class Panes:
    left_tabs: QTabWidget
    side_tabs: QTabWidget
    splitter: QSplitter
    pages: QStackedWidget  # the splitter, or the welcome page


def arrange(
    window: QMainWindow,
    left: list[tuple[QWidget, str]],
    middle: QWidget,
    right: list[tuple[QWidget, str]],
    above: QWidget,
    status: tuple[QLabel, QWidget],
) -> Panes:
    left_tabs = _tabs("leftPanel", left)
    side_tabs = _tabs("sidePanel", right)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    for pane in (left_tabs, middle, side_tabs):
        splitter.addWidget(pane)
    splitter.setSizes(PANE_WIDTHS)
    pages = QStackedWidget()
    pages.addWidget(splitter)
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(above)
    layout.addWidget(pages, 1)
    window.setCentralWidget(central)
    label, permanent = status
    window.statusBar().addWidget(label, 1)
    window.statusBar().addPermanentWidget(permanent)
    return Panes(left_tabs, side_tabs, splitter, pages)


def fit_to_screen(window: QMainWindow, width: int, height: int) -> None:
    """The window's first size, never larger than the screen's free area (at 200% scale
    a 1440-pixel-wide window would be wider than a 2560-pixel screen)."""
    screen = window.screen()
    free = screen.availableGeometry() if screen is not None else None
    if free is not None and free.width() > 0:
        width, height = min(width, free.width()), min(height, free.height())
    window.resize(width, height)


def _tabs(name: str, pages: list[tuple[QWidget, str]]) -> QTabWidget:
    tabs = QTabWidget()
    tabs.setObjectName(name)
    for page, title in pages:
        tabs.addTab(page, title)
    return tabs
