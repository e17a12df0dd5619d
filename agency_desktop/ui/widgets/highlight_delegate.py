"""Cells that show where the searched words are: each match on a yellow ground."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from ...search.text import match_spans

MATCH_STYLE = "background-color: #ffe066; color: #000000"


def marked_html(text: str, terms: tuple[str, ...]) -> str | None:
    """`text` as HTML with each match in a span, or None when nothing matches."""
    spans = match_spans(text, terms)
    if not spans:
        return None
    parts, at = [], 0
    for start, end in spans:
        parts.append(html.escape(text[at:start]))
        parts.append(f'<span style="{MATCH_STYLE}">{html.escape(text[start:end])}</span>')
        at = end
    parts.append(html.escape(text[at:]))
    return "".join(parts)


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
        marked = marked_html(text, self.terms) if self.terms and isinstance(text, str) else None
        if marked is None:
            super().paint(painter, option, index)
            return
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        shown.text = ""  # the style paints the ground, focus and selection; the text is ours
        style = shown.widget.style() if shown.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, shown, painter, shown.widget)
        area = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, shown, shown.widget)
        selected = bool(shown.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(shown.font)
        colour = shown.palette.color(role).name()
        document.setHtml(f'<span style="color: {colour}; white-space: pre">{marked}</span>')
        painter.save()
        painter.setClipRect(area)
        top = area.top() + (area.height() - document.size().height()) / 2
        painter.translate(area.left() + 2, top)
        document.drawContents(painter)
        painter.restore()


def install(view: QAbstractItemView, column: int) -> HighlightDelegate:
    """Give `view`'s `column` a highlight delegate, owned by the view."""
    delegate = HighlightDelegate(view)
    view.setItemDelegateForColumn(column, delegate)
    return delegate
