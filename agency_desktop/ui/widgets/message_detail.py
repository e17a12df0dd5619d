"""The open conversation as a chat, and the selected item as highlighted JSON."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...stores.items import parse_item
from ...stores.paging import MessageRow
from ...stores.records import SessionInfo
from ...util.formatting import counted
from ...util.pricing import PriceTable
from ..chat_document import is_dark
from ..server_locations import open_location
from ..workers import Worker, WorkerPool
from .conversation_view import ConversationView
from .inert_browser import InertBrowser

HIGHLIGHT_LIMIT = 512 * 1024  # beyond this, JSON is shown plain: colouring megabytes stalls
SHOW_LIMIT = 4 * 1024 * 1024

MARKDOWN = QTextDocument.MarkdownFeature


@dataclass(frozen=True)
class Detail:
    row_id: int
    raw: str
    pretty: str
    json_html: str = ""


def load_detail(db_path: Path, session_id: str, row_id: int, dark: bool = False) -> Detail:
    """Runs in a worker: the item's full text, pretty and coloured."""
    with open_location(db_path).reader(session_id) as reader:
        raw = reader.read_item(row_id) or ""
    pretty = pretty_item(raw)
    # Colouring (and importing pygments the first time) happens here, off the GUI thread.
    return Detail(row_id, raw, pretty, highlighted_json(pretty, dark))


def pretty_item(raw: str) -> str:
    if len(raw) > SHOW_LIMIT:
        return (
            raw[:SHOW_LIMIT]
            + f"\n… ({counted(len(raw), 'character')} in all; copy to get everything)"
        )
    item, ok = parse_item(raw)
    return json.dumps(item, indent=2, ensure_ascii=False) if ok else raw


def highlighted_json(text: str, dark: bool = False) -> str:
    if len(text) > HIGHLIGHT_LIMIT:
        return f"<pre>{html.escape(text)}</pre>"
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import JsonLexer

    style = "monokai" if dark else "default"
    return str(
        highlight(text, JsonLexer(), HtmlFormatter(noclasses=True, style=style, nobackground=True))
    )


class MessageDetail(QWidget):
    """The open conversation ("Conversation" tab) and the selected item's JSON."""

    detailShown = Signal(int)  # row id: both tabs show the item
    failed = Signal(str)

    def __init__(self, workers: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageDetail")
        self._workers = workers
        self._worker: Worker | None = None
        self._detail: Detail | None = None
        self._label = ""
        self._waiting: set[str] = set()  # "json", "chat": what is still loading for the item
        self.tabs = QTabWidget()
        self.conversation = ConversationView(workers)
        self.conversation.itemShown.connect(lambda row_id: self._part_shown("chat", row_id))
        self.conversation.failed.connect(self.failed)
        self.transcript = self.conversation.browser
        self.json_view = InertBrowser()
        self.json_view.setObjectName("jsonView")
        self.json_view.setAccessibleName("Item JSON")
        self.json_view.setLineWrapMode(QTextBrowser.LineWrapMode.NoWrap)
        self.tabs.addTab(self.conversation, "Conversation")
        self.tabs.addTab(self.json_view, "JSON")
        self.title = QLabel("Select a message to read it here.")
        self.title.setObjectName("itemTitle")
        self.title.setWordWrap(True)  # a narrow pane (a large font, 200% scale) wraps it
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy this item's JSON (Ctrl+Shift+C)")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.copy_button.setEnabled(False)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.tabs)

    @property
    def detail(self) -> Detail | None:
        return self._detail

    def set_session(self, info: SessionInfo | None) -> None:
        self.conversation.set_session(info)

    def set_highlight(self, terms: tuple[str, ...]) -> None:
        self.conversation.set_highlight(terms)

    def set_prices(self, prices: PriceTable) -> None:
        self.conversation.set_prices(prices)

    def clear(self) -> None:
        """No item chosen: the conversation's header stays while its session is open."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        self._detail = None
        self._waiting.clear()
        self.json_view.clear()
        self.title.setText("Select a message to read it here.")
        self.copy_button.setEnabled(False)

    def close_session(self) -> None:
        self.clear()
        self.conversation.clear()

    def show_empty(self, title: str, explanation: str) -> None:
        """Nothing to show, and why: a file that cannot be read, a session that is gone."""
        self.clear()
        self.title.setText(title)
        self.conversation.show_text(explanation)

    def show_row(
        self,
        db_path: Path,
        session_id: str,
        row: MessageRow,
        position: int | None = None,
        branch: str | None = None,
    ) -> None:
        """`position`: the item's number in the session (or its branch), as the table's #
        column shows it; `branch`: the branch the conversation is read on."""
        if self._worker is not None:
            self._worker.cancel()
        self._label = f"Item {position:,}" if position is not None else f"Item id {row.row_id}"
        self.title.setText(f"{self._label} · {row.kind.label} · loading…")
        self._waiting = {"json", "chat"}
        worker = Worker(load_detail, db_path, session_id, row.row_id, is_dark())
        worker.signals.returned.connect(self._on_loaded)
        worker.signals.errored.connect(self._on_error)
        self._worker = self._workers.start(worker)
        self.conversation.show_item(db_path, session_id, row.row_id, branch)

    def _on_loaded(self, detail: Detail) -> None:
        self._detail = detail
        self.json_view.setHtml(detail.json_html)
        self.title.setText(f"{self._label} · {counted(len(detail.raw), 'character')}")
        self.copy_button.setEnabled(True)
        self._part_shown("json", detail.row_id)

    def _part_shown(self, part: str, row_id: int) -> None:
        if part in self._waiting:
            self._waiting.discard(part)
            if not self._waiting:
                self.detailShown.emit(row_id)

    def _on_error(self, error: Exception) -> None:
        self.title.setText(f"Could not read this item: {error}")
        self.failed.emit(str(error))

    def copy_to_clipboard(self) -> None:
        if self._detail is not None:
            QGuiApplication.clipboard().setText(
                self._detail.pretty if len(self._detail.raw) <= SHOW_LIMIT else self._detail.raw
            )

    def show_json(self, on: bool) -> None:
        self.tabs.setCurrentIndex(1 if on else 0)
