"""Draws conversation entries a few at a time, so no turn of the event loop is long.

Parsing an entry's Markdown into the document is GUI-thread work (a QTextDocument
belongs to its thread): about a third of a millisecond for a short message, more for
a long one. Entries are put in until a few milliseconds have gone, then the event loop
runs (painting, input, other results) before the next ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QTextDocument

from .chat_document import PlacedEntry, insert_entries, mark_matches
from .chat_markdown import ChatEntry

BUDGET_S = 0.006


class ChatDrawer(QObject):
    chunkStarting = Signal(bool)  # at the top: True (the view keeps what is on screen still)
    chunkDrawn = Signal(bool)

    def __init__(self, document: QTextDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._queue: list[ChatEntry] = []
        self._placed: list[PlacedEntry] = []
        self._front = False
        self._at = 0
        self._index = 0
        self._then: Callable[[], None] | None = None
        self.terms: tuple[str, ...] = ()
        self._timer = QTimer(self, interval=0)
        self._timer.timeout.connect(self._step)

    @property
    def active(self) -> bool:
        return bool(self._queue)

    def draw(
        self,
        entries: list[ChatEntry],
        placed: list[PlacedEntry],
        front: bool,
        then: Callable[[], None],
    ) -> None:
        """Put `entries` at the top (`front`) or the end, adding each to `placed` in
        document order; `then` runs once the last is in. The first few go in at once."""
        self.stop()
        self._queue, self._placed, self._front, self._then = list(entries), placed, front, then
        self._at = self._index = 0
        self._step()
        if self._queue:
            self._timer.start()

    def stop(self) -> None:
        """Drop what is still to draw (the view is about to show something else)."""
        self._timer.stop()
        self._queue = []
        self._then = None

    def _step(self) -> None:
        started, chunk = time.perf_counter(), list[PlacedEntry]()
        self.chunkStarting.emit(self._front)
        while self._queue and (not chunk or time.perf_counter() - started < BUDGET_S):
            entry = self._queue.pop(0)
            (new,) = insert_entries(self._document, [entry], self._at if self._front else None)
            if self._front:
                self._at = new.table.lastPosition() + 1
                self._placed.insert(self._index, new)
                self._index += 1
            else:
                self._placed.append(new)
            chunk.append(new)
        mark_matches(chunk, self.terms)
        self.chunkDrawn.emit(self._front)
        if not self._queue:
            self._timer.stop()
            then, self._then = self._then, None
            if then is not None:
                then()
