"""Cells that show where the searched words are: each match on a yellow ground.

Painted run by run with the painter, not through a QTextDocument per cell: a result
list filling while a search runs repaints often, and a document per cell made that
a visible stall.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from ...search.text import match_spans

MATCH_GROUND = QColor("#ffe066")
MATCH_TEXT = QColor("#000000")
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def runs(text: str, terms: tuple[str, ...]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is a match) runs; one unmatched run when nothing matches."""
    pieces, at = [], 0
    for start, end in match_spans(text, terms):
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text) or not pieces:
        pieces.append((text[at:], False))
    return pieces


def paint_ground(
    delegate: QStyledItemDelegate,
    painter: QPainter,
    option: QStyleOptionViewItem,
    index: QModelIndex | QPersistentModelIndex,
) -> tuple[QStyleOptionViewItem, QStyle, str]:
    """A cell as the style paints it (ground, focus, selection) without its text, for a
    delegate that draws the text its own way: the cell's option, the style, the text."""
    shown = QStyleOptionViewItem(option)
    delegate.initStyleOption(shown, index)
    text, shown.text = shown.text, ""
    style = shown.widget.style() if shown.widget is not None else QApplication.style()
    style.drawControl(QStyle.ControlElement.CE_ItemViewItem, shown, painter, shown.widget)
    return shown, style, text


class HighlightDelegate(QStyledItemDelegate):
    terms: tuple[str, ...] = ()

    def set_terms(self, terms: tuple[str, ...]) -> None:
        self.terms = terms

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        text = index.data()
        pieces = runs(text, self.terms) if self.terms and isinstance(text, str) else []
        if len(pieces) < 2 and not (pieces and pieces[0][1]):
            super().paint(painter, option, index)
            return
        shown, style, _ = paint_ground(self, painter, option, index)  # the text is ours
        area = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, shown, shown.widget)
        selected = bool(shown.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setClipRect(area)
        painter.setFont(shown.font)
        metrics = painter.fontMetrics()
        x = area.left() + 3  # where the style starts a cell's text
        for piece, matched in pieces:
            if x > area.right():
                break  # the rest would be clipped
            width = metrics.horizontalAdvance(piece)
            rect = QRect(x, area.top(), width, area.height())
            if matched:
                painter.fillRect(rect.adjusted(0, 1, 0, -1), MATCH_GROUND)
            painter.setPen(MATCH_TEXT if matched else shown.palette.color(role))
            painter.drawText(rect, _LEFT, piece)
            x += width
        painter.restore()


def install(view: QAbstractItemView, column: int) -> HighlightDelegate:
    """Give `view`'s `column` a highlight delegate, owned by the view."""
    delegate = HighlightDelegate(view)
    view.setItemDelegateForColumn(column, delegate)
    return delegate
