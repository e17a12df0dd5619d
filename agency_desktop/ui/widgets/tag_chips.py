"""The session list's Title cell with the session's tags as rounded chips before the
title, as mail apps show labels before a subject; the star is part of the title text.

The cell keeps its text for sorting, filtering and accessibility; only the painting
differs. Chips take at most half the cell; those that do not fit end in "+N", never a
cut chip, and the title is elided in what is left.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ..models.session_list import Role
from .highlight_delegate import paint_ground

PADDING, GAP, RADIUS, TEXT_MARGIN = 5, 4, 7, 4
CHIP_SHARE = 0.5  # of the cell's width, at most


class TitleWithTags(QStyledItemDelegate):
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        tags = tuple(index.data(Role.TAGS) or ())
        if not tags:
            super().paint(painter, option, index)
            return
        shown, _, text = paint_ground(self, painter, option, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        right = _draw_chips(painter, shown, tags)
        _draw_title(painter, shown, text, right)
        painter.restore()


def _draw_chips(painter: QPainter, option: QStyleOptionViewItem, tags: tuple[str, ...]) -> float:
    """Chips from the cell's left; returns where they end."""
    metrics = option.fontMetrics
    rect = option.rect.adjusted(2, 3, -2, -3)
    limit = rect.left() + rect.width() * CHIP_SHARE
    palette = option.palette
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    fill = palette.color(QPalette.ColorRole.Base if selected else QPalette.ColorRole.Button)
    ink = palette.color(QPalette.ColorRole.Text if selected else QPalette.ColorRole.ButtonText)
    left = float(rect.left())
    for number, name in enumerate(tags):
        tag = name
        width = metrics.horizontalAdvance(tag) + 2 * PADDING
        rest = len(tags) - number - 1
        more_width = metrics.horizontalAdvance(f"+{rest}") + GAP if rest else 0
        if number == 0 and left + width + more_width > limit:  # the first, elided
            room = int(limit - left - more_width - 2 * PADDING)
            if room >= metrics.horizontalAdvance("mm…"):
                tag = metrics.elidedText(tag, Qt.TextElideMode.ElideRight, room)
                width = metrics.horizontalAdvance(tag) + 2 * PADDING
        if left + width + more_width > limit:
            more = f"+{len(tags) - number}"
            chip = QRectF(
                left, rect.top(), metrics.horizontalAdvance(more) + 2 * PADDING, rect.height()
            )
            _chip(painter, chip, more, fill, ink, palette)
            return chip.right() + GAP
        _chip(painter, QRectF(left, rect.top(), width, rect.height()), tag, fill, ink, palette)
        left += width + GAP
    return left


def _chip(
    painter: QPainter, chip: QRectF, text: str, fill: QColor, ink: QColor, palette: QPalette
) -> None:
    painter.setPen(palette.color(QPalette.ColorRole.Mid))
    painter.setBrush(fill)
    painter.drawRoundedRect(chip, RADIUS, RADIUS)
    painter.setPen(ink)
    painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), text)


def _draw_title(painter: QPainter, option: QStyleOptionViewItem, text: str, left: float) -> None:
    rect = QRect(option.rect)
    rect.setLeft(int(left) + TEXT_MARGIN)
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
    painter.setPen(option.palette.color(role))
    shown = option.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, rect.width()))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), shown)
