"""Conversation entries laid out in a QTextDocument as chat bubbles.

Each entry is a one-cell table: the user's messages to the right, the assistant's
to the left, tool calls and reasoning in quieter boxes across the width. The entry
being read gets the palette's highlight as its border. Tables rather than frames
because only a table can be aligned; both take Markdown through `insertMarkdown`,
with raw HTML off, so a message stays text whatever it contains.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QPalette,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFrameFormat,
    QTextLength,
    QTextTable,
    QTextTableFormat,
)

from ..search.text import match_spans
from .chat_markdown import ChatEntry, Role

MARKDOWN = QTextDocument.MarkdownFeature
FEATURES = MARKDOWN.MarkdownDialectGitHub | MARKDOWN.MarkdownNoHTML
BUBBLE_WIDTH = {Role.USER: 80, Role.ASSISTANT: 88}  # per cent of the view; others: 100
# Background of each kind of entry, light then dark.
BACKGROUNDS = {
    Role.USER: ("#dcebfa", "#1d3b5a"),
    Role.ASSISTANT: ("#e7f4e4", "#20402a"),
    Role.TOOL: ("#f7f0e3", "#3d3321"),
    Role.REASONING: ("#f0f0f0", "#2e2e2e"),
    Role.OTHER: ("#f0f0f0", "#2e2e2e"),
}
SELECTED_BORDER = 3
MATCH_GROUND = "#ffe066"
MAX_MARKS = 2000  # a common word in 240 items: marking every one would stall painting
BORDER = 1


@dataclass
class PlacedEntry:
    entry: ChatEntry
    table: QTextTable


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def insert_entries(
    document: QTextDocument, entries: list[ChatEntry], at: int | None
) -> list[PlacedEntry]:
    """Put `entries`, in order, at position `at` (between two entries) or at the end (None).

    Only what is inserted is parsed and laid out: a page read as the view is scrolled
    costs its own entries, not the whole window's again.
    """
    dark = is_dark()
    cursor = QTextCursor(document)
    placed = []
    for entry in entries:
        if at is None:
            cursor.movePosition(QTextCursor.MoveOperation.End)
        else:
            cursor.setPosition(at)
        table = cursor.insertTable(1, 1, _table_format(entry.role, dark, False))
        cell = table.cellAt(0, 0)
        cell_format = cell.format()
        cell_format.setBackground(_background(entry.role, dark))  # a table's own is not painted
        cell.setFormat(cell_format)
        cell.firstCursorPosition().insertMarkdown(entry.markdown, FEATURES)
        _wrap_code(table)
        if at is not None:
            at = table.lastPosition() + 1  # the block between this entry and the next
        placed.append(PlacedEntry(entry, table))
    return placed


def remove_entries(document: QTextDocument, placed: list[PlacedEntry]) -> None:
    """Take entries out of the document, with the empty block that follows each."""
    for each in placed:
        cursor = QTextCursor(document)
        cursor.setPosition(each.table.firstPosition() - 1)
        cursor.setPosition(each.table.lastPosition() + 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()


def _blocks(table: QTextTable) -> Iterator[QTextBlock]:
    block = table.document().findBlock(table.firstPosition())
    while block.isValid() and block.position() <= table.lastPosition():
        yield block
        block = block.next()


def _wrap_code(table: QTextTable) -> None:
    """Let code blocks (tool arguments, results) wrap: a bubble never scrolls sideways."""
    for block in _blocks(table):
        block_format = block.blockFormat()
        if block_format.nonBreakableLines():
            block_format.setNonBreakableLines(False)
            QTextCursor(block).setBlockFormat(block_format)


def mark_selected(placed: list[PlacedEntry], selected: int | None) -> PlacedEntry | None:
    """Border the entry holding row `selected` (and only it); returns it if shown."""
    dark, found = is_dark(), None
    for each in placed:
        on = selected in each.entry.row_ids
        if on != (each.table.format().border() == SELECTED_BORDER):
            each.table.setFormat(_table_format(each.entry.role, dark, on))
        if on:
            found = each
    return found


def _table_format(role: Role, dark: bool, selected: bool) -> QTextTableFormat:
    fmt = QTextTableFormat()
    fmt.setBackground(_background(role, dark))
    fmt.setWidth(QTextLength(QTextLength.Type.PercentageLength, BUBBLE_WIDTH.get(role, 100)))
    fmt.setAlignment(
        Qt.AlignmentFlag.AlignRight if role is Role.USER else Qt.AlignmentFlag.AlignLeft
    )
    fmt.setCellPadding(8)
    fmt.setCellSpacing(0)
    fmt.setBottomMargin(10)
    fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
    fmt.setBorder(SELECTED_BORDER if selected else BORDER)
    highlight = QGuiApplication.palette().color(QPalette.ColorRole.Highlight)
    fmt.setBorderBrush(
        QBrush(highlight if selected else QColor(BACKGROUNDS[role][1 if dark else 0]).darker(115))
    )
    fmt.setBorderCollapse(True)
    return fmt


def _background(role: Role, dark: bool) -> QColor:
    return QColor(BACKGROUNDS[role][1 if dark else 0])


def mark_matches(placed: list[PlacedEntry], terms: tuple[str, ...], limit: int = MAX_MARKS) -> int:
    """Give each searched word found in these entries a yellow ground; returns how many."""
    if not terms:
        return 0
    marked = QTextCharFormat()
    marked.setBackground(QColor(MATCH_GROUND))
    marked.setForeground(QColor("#000000"))
    count = 0
    for each in placed:
        for block in _blocks(each.table):
            for start, end in match_spans(block.text(), terms, limit - count):
                cursor = QTextCursor(block)
                cursor.setPosition(block.position() + start)
                cursor.setPosition(block.position() + end, QTextCursor.MoveMode.KeepAnchor)
                cursor.mergeCharFormat(marked)
                count += 1
            if count >= limit:
                return count
    return count
