"""The selected item, as a chat transcript of its turn or as highlighted JSON."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QGuiApplication, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...stores.items import ItemKind, classify_item, parse_item
from ...stores.paging import MessageRow
from ...stores.registry import open_store
from ...util.formatting import counted
from ..chat_markdown import REASONING_SCHEME, ChatTurn, render_turn
from ..workers import Worker, WorkerPool

HIGHLIGHT_LIMIT = 512 * 1024  # beyond this, JSON is shown plain: colouring megabytes stalls
SHOW_LIMIT = 4 * 1024 * 1024

MARKDOWN = QTextDocument.MarkdownFeature


@dataclass(frozen=True)
class Detail:
    row_id: int
    raw: str
    pretty: str
    turn: ChatTurn
    json_html: str = ""


def load_detail(db_path: Path, session_id: str, row_id: int, dark: bool = False) -> Detail:
    """Runs in a worker: the item's full text and the turn around it."""
    with open_store(db_path).reader(session_id) as reader:
        raw = reader.read_item(row_id) or ""
        turn = ChatTurn(reader.context(row_id), row_id)
        present = {
            _call_id(e.text) for e in turn.items if _is_kind(e.text, ItemKind.FUNCTION_CALL_OUTPUT)
        }
        for entry in turn.items:
            call_id = _call_id(entry.text)
            if call_id and call_id not in present and _is_kind(entry.text, ItemKind.FUNCTION_CALL):
                found = reader.find_call_output(call_id, entry.row_id)
                if found is not None:
                    turn.extra_outputs[call_id] = found
    pretty = _pretty(raw)
    # Colouring (and importing pygments the first time) happens here, off the GUI thread.
    return Detail(row_id, raw, pretty, turn, highlighted_json(pretty, dark))


def _is_kind(text: str, kind: ItemKind) -> bool:
    item, ok = parse_item(text)
    return ok and classify_item(item)[0] is kind


def _call_id(text: str) -> str | None:
    item, ok = parse_item(text)
    value = item.get("call_id") if ok and isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _pretty(raw: str) -> str:
    if len(raw) > SHOW_LIMIT:
        return (
            raw[:SHOW_LIMIT]
            + f"\n… ({counted(len(raw), 'character')} in all; copy to get everything)"
        )
    item, ok = parse_item(raw)
    return json.dumps(item, indent=2, ensure_ascii=False) if ok else raw


def _is_dark() -> bool:
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


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


class InertBrowser(QTextBrowser):
    """A text browser that never loads anything: no images, no links followed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        return None


class MessageDetail(QWidget):
    """Tabs "Transcript" and "JSON" for the item selected in the message table."""

    detailShown = Signal(int)  # row id
    failed = Signal(str)

    def __init__(self, workers: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageDetail")
        self._workers = workers
        self._worker: Worker | None = None
        self._detail: Detail | None = None
        self._label = ""
        self._expanded: set[int] = set()
        self.tabs = QTabWidget()
        self.transcript = InertBrowser()
        self.transcript.setObjectName("transcriptView")
        self.transcript.anchorClicked.connect(self._on_anchor_clicked)
        self.json_view = InertBrowser()
        self.json_view.setObjectName("jsonView")
        self.json_view.setLineWrapMode(QTextBrowser.LineWrapMode.NoWrap)
        self.tabs.addTab(self.transcript, "Transcript")
        self.tabs.addTab(self.json_view, "JSON")
        self.title = QLabel("Select a message to read it here.")
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

    def clear(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        self._detail = None
        self.transcript.clear()
        self.json_view.clear()
        self.title.setText("Select a message to read it here.")
        self.copy_button.setEnabled(False)

    def show_empty(self, title: str, explanation: str) -> None:
        """Nothing to show, and why: a file that cannot be read, a session that is gone."""
        self.clear()
        self.title.setText(title)
        self.transcript.setPlainText(explanation)

    def show_row(
        self, db_path: Path, session_id: str, row: MessageRow, position: int | None = None
    ) -> None:
        """`position`: the item's number in the session, as the table's # column shows it."""
        if self._worker is not None:
            self._worker.cancel()
        self._label = f"Item {position:,}" if position is not None else f"Item id {row.row_id}"
        self.title.setText(f"{self._label} · {row.kind.label} · loading…")
        worker = Worker(load_detail, db_path, session_id, row.row_id, _is_dark())
        worker.signals.returned.connect(self._on_loaded)
        worker.signals.errored.connect(self._on_error)
        self._worker = self._workers.start(worker)

    def _on_loaded(self, detail: Detail) -> None:
        self._detail = detail
        self._expanded.clear()
        self._render_transcript()
        self.json_view.setHtml(detail.json_html)
        self.title.setText(f"{self._label} · {counted(len(detail.raw), 'character')}")
        self.copy_button.setEnabled(True)
        self.detailShown.emit(detail.row_id)

    def _render_transcript(self) -> None:
        if self._detail is None:
            return
        text = render_turn(self._detail.turn, self._expanded)
        features = MARKDOWN.MarkdownDialectGitHub | MARKDOWN.MarkdownNoHTML
        self.transcript.document().setMarkdown(text, features)

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() != REASONING_SCHEME:
            return  # links in messages are shown, never followed
        row_id = int(url.path() or url.toString().split(":", 1)[1])
        self._expanded ^= {row_id}
        self._render_transcript()

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
