"""The whole session as a chat, read a window at a time around the item being read.

Selecting an item loads the items around it; scrolling to either end of the view
reads the next page that way, keeping what was on screen where it was. At most
`MAX_ITEMS` items are held (the far end is dropped), each at most a head of a huge
item, so reading a million-item session costs what reading a page costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...stores.base import ItemReader
from ...stores.items import ItemKind, classify_item, parse_item
from ...stores.paging import ContextItem
from ...stores.records import SessionInfo
from ...stores.turn_usage import TurnUsage
from ...util.formatting import counted, dollars, token_count
from ...util.pricing import PriceTable, default_table
from ..chat_document import PlacedEntry, mark_selected, remove_entries
from ..chat_drawer import ChatDrawer
from ..chat_markdown import REASONING_SCHEME, ChatEntry, chat_entries
from ..server_locations import open_location
from ..workers import Worker, WorkerPool
from .inert_browser import InertBrowser

READ_DELAY_MS = 80
PAGE = 30  # about 10 ms of drawing on the GUI thread (40 ms for 120: too long a stall)
MAX_ITEMS = 240
AROUND = "around"
BEFORE = "before"
AFTER = "after"


@dataclass(frozen=True)
class ChatPage:
    """Items read for the view, and whether they reach the session's start or end."""

    direction: str
    items: list[ContextItem]
    at_start: bool
    at_end: bool
    extra_outputs: dict[str, ContextItem] = field(default_factory=dict)
    usage: dict[int, TurnUsage] = field(default_factory=dict)  # by the row opening the turn
    total: TurnUsage | None = None  # the session's, read with an "around" page


def read_chat_page(
    db_path: Path,
    session_id: str,
    branch: str | None,
    direction: str,
    anchor: int | None,
    limit: int,
) -> ChatPage:
    """Runs in a worker. `around`: `anchor` and `limit` items in all, half either side;
    `branch`: the items of one branch only (None: every item of the session)."""
    with open_location(db_path).reader(session_id, branch=branch) as reader:
        if direction == AROUND:
            assert anchor is not None
            half = max(1, limit // 2)
            before = reader.items_before(anchor + 1, half)
            after = reader.items_after(anchor, half)
            page = ChatPage(direction, before + after, len(before) < half, len(after) < half)
        elif direction == BEFORE:
            items = reader.items_before(anchor, limit)
            page = ChatPage(direction, items, len(items) < limit, False)
        else:
            items = reader.items_after(anchor, limit)
            page = ChatPage(direction, items, False, len(items) < limit)
        page.extra_outputs.update(_outputs_further_on(reader, page.items))
        page.usage.update(reader.turn_usage([item.row_id for item in page.items]))
        if direction == AROUND:
            page = replace(page, total=reader.usage_total())
    return page


def _outputs_further_on(reader: ItemReader, items: list[ContextItem]) -> dict[str, ContextItem]:
    """Results of the page's last tool calls that lie beyond it, so a call shows its result."""
    calls: dict[str, int] = {}
    for entry in items:
        item, ok = parse_item(entry.text)
        call_id = item.get("call_id") if ok and isinstance(item, dict) else None
        if not isinstance(call_id, str):
            continue
        kind = classify_item(item)[0]
        if kind is ItemKind.FUNCTION_CALL:
            calls[call_id] = entry.row_id
        elif kind is ItemKind.FUNCTION_CALL_OUTPUT:
            calls.pop(call_id, None)
    found = {}
    for call_id, row_id in calls.items():
        result = reader.find_call_output(call_id, row_id)
        if result is not None:
            found[call_id] = result
    return found


def _key(info: SessionInfo) -> tuple[Path, str]:
    return info.db_path, info.session_id


class ConversationView(QWidget):
    itemShown = Signal(int)  # row id: the item is in the view, marked and scrolled to
    failed = Signal(str)

    def __init__(self, workers: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workers = workers
        self._worker: Worker | None = None
        self._generation = 0
        self._source: tuple[Path, str, str | None] | None = None
        # The user's own title for a session ("" for none), over its first message's.
        self.user_title: Callable[[SessionInfo], str] = lambda _info: ""
        self._items: list[ContextItem] = []
        self._extra: dict[str, ContextItem] = {}
        self._at_start = self._at_end = True
        self._selected: int | None = None
        self._placed: list[PlacedEntry] = []
        self._expanded: set[int] = set()
        self._usage: dict[int, TurnUsage] = {}
        self._info: SessionInfo | None = None
        self._total: TurnUsage | None = None
        self._prices = default_table()
        self._drawing = False  # the scroll bar moves as the text is replaced: read nothing then
        # A new place in the session is read a moment after it is chosen: arrowing down
        # the list, or a folder listing its first sessions, reads only where it stops.
        self._soon = QTimer(self, singleShot=True, interval=READ_DELAY_MS)
        self._soon.timeout.connect(lambda: self._load(AROUND, self._selected))
        self.title = QLabel()
        self.title.setObjectName("conversationTitle")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.facts = QLabel()
        self.facts.setObjectName("conversationFacts")
        for label in (self.title, self.facts):
            label.setTextFormat(label.textFormat().PlainText)
            label.setWordWrap(True)
        self.browser = InertBrowser()
        self.browser.setObjectName("transcriptView")
        self.browser.setAccessibleName("Conversation")
        self.browser.anchorClicked.connect(self._on_anchor_clicked)
        self.drawer = ChatDrawer(self.browser.document(), self)
        self.drawer.chunkStarting.connect(self._on_chunk_starting)
        self.drawer.chunkDrawn.connect(self._on_chunk_drawn)
        self._kept: tuple[int, int] | None = None
        self._holding = False
        self._scroll_wanted = False  # an item chosen while its place was still being drawn
        self.browser.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addWidget(self.browser, 1)
        self.set_session(None)

    # --- what is shown

    @property
    def item_ids(self) -> list[int]:
        return [item.row_id for item in self._items]

    def set_session(self, info: SessionInfo | None) -> None:
        """The header: which conversation this is, where it is kept, how long it is."""
        if info is None or self._info is None or _key(info) != _key(self._info):
            self._total = None  # another session's usage is never shown under this one
        self._info = info
        self._show_header()

    def set_highlight(self, terms: tuple[str, ...]) -> None:
        """Mark the words a search looked for (none: no marks)."""
        if terms == self.drawer.terms:  # the drawer marks them in what it draws
            return
        self.drawer.terms = terms
        if self._items:
            kept = self._top_entry()
            self._render(then=lambda: self._redrawn(kept))

    def set_prices(self, prices: PriceTable) -> None:
        self._prices = prices
        self._show_header()

    def refresh_header(self) -> None:
        """Show the header again: the user's title for the session may have changed."""
        self._show_header()

    def _show_header(self) -> None:
        info = self._info
        for label in (self.title, self.facts):
            label.setVisible(info is not None)  # no empty band above "nothing to show"
        if info is None:
            return
        self.title.setText(self.user_title(info) or info.title or info.session_id)
        facts = [f"Session {info.session_id}", info.location or info.db_path.name]
        branch = self._source[2] if self._source is not None else None
        if branch is not None:
            facts.append(f"branch {branch}")
        else:
            facts.append(counted(info.message_count, "item"))
        total = self._total
        if total is not None and total.turn:  # turns counted: usage was recorded
            facts.append(token_count(total.total_tokens, total.input_tokens, total.output_tokens))
            cost = self._prices.estimate(total.input_tokens, total.output_tokens)
            if cost is not None:
                facts.append(f"≈ {dollars(cost)} estimate at {self._prices.model} prices")
        elif total is not None:
            facts.append("no usage recorded")
        self.facts.setText(" · ".join(facts))

    @property
    def drawing(self) -> bool:
        return self.drawer.active

    def show_item(
        self, db_path: Path, session_id: str, row_id: int, branch: str | None = None
    ) -> None:
        """Show the item's place in the conversation (of one branch, when given): at once
        if it is loaded."""
        self._selected = row_id
        source = (db_path, session_id, branch)
        if self._source == source and row_id in self.item_ids:
            self._scroll_wanted = self.drawing
            self._scroll_to(mark_selected(self._placed, row_id))
            self.itemShown.emit(row_id)
            return
        if self._source != source:
            self._forget()
            self._source = source
            self._show_header()
        self._cancel()
        self._soon.start()

    def show_text(self, text: str) -> None:
        """Nothing to show, and why."""
        self.clear()
        self.browser.setPlainText(text)

    def clear(self) -> None:
        self._forget()
        self._source = None
        self.set_session(None)

    def _forget(self) -> None:
        self._cancel()
        self._items, self._extra, self._placed, self._usage = [], {}, [], {}
        self._expanded.clear()
        self._at_start = self._at_end = True
        self.browser.clear()

    # --- reading

    def _load(self, direction: str, anchor: int | None) -> None:
        assert self._source is not None
        self._cancel()
        generation = self._generation
        worker = Worker(read_chat_page, *self._source, direction, anchor, PAGE)
        worker.signals.returned.connect(lambda page: self._on_page(generation, page))
        worker.signals.errored.connect(lambda error: self._on_error(generation, error))
        self._worker = self._workers.start(worker)

    def _cancel(self) -> None:
        self._soon.stop()
        self.drawer.stop()
        self._holding = False
        self._generation += 1
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def _on_page(self, generation: int, page: ChatPage) -> None:
        if generation != self._generation:
            return
        self._worker = None
        self._extra.update(page.extra_outputs)
        self._usage.update(page.usage)
        if page.direction == AROUND:
            self._total = page.total
            self._show_header()
            self._items, self._at_start, self._at_end = page.items, page.at_start, page.at_end
            self._render(then=self._show_selected)
        else:
            self._add(page)

    def _show_selected(self) -> None:
        self._scroll_to(mark_selected(self._placed, self._selected))
        if self._selected is not None:
            self.itemShown.emit(self._selected)
        self._fill_view()

    def _add(self, page: ChatPage) -> None:
        """A page read at one end: only it (and the entry it joins) is drawn."""
        before = page.direction == BEFORE
        seam = (self._placed[0] if before else self._placed[-1]) if self._placed else None
        joined = self._items_of(seam)
        if before:
            self._items, self._at_start = page.items + self._items, page.at_start
        else:
            self._items, self._at_end = self._items + page.items, page.at_end
        self._kept = self._top_entry(besides=seam) if before else None
        self._holding = before  # every chunk put above keeps this entry where it is
        if seam is not None:  # drawn again with the page: a call meets its result
            self._drawing = True
            remove_entries(self.browser.document(), [seam])
            self._placed.remove(seam)
            self._on_chunk_drawn(before)
        items = page.items + joined if before else joined + page.items

        def drawn() -> None:
            self._holding = False
            self._let_go(from_start=not before)
            self._after_drawing()

        self.drawer.draw(self._entries(items), self._placed, before, drawn)

    def _items_of(self, placed: PlacedEntry | None) -> list[ContextItem]:
        rows = set(placed.entry.row_ids) if placed is not None else set()
        return [item for item in self._items if item.row_id in rows]

    def _let_go(self, from_start: bool) -> None:
        """Past MAX_ITEMS, whole entries at the far end go (memory stays bounded)."""
        while len(self._items) > MAX_ITEMS and len(self._placed) > 1:
            gone = self._placed.pop(0 if from_start else -1)
            remove_entries(self.browser.document(), [gone])
            rows = set(gone.entry.row_ids)
            self._items = [item for item in self._items if item.row_id not in rows]
            if from_start:
                self._at_start = False
            else:
                self._at_end = False
        held = set(self.item_ids)  # what was let go of takes its notes with it
        self._usage = {row: usage for row, usage in self._usage.items() if row in held}
        first = self._items[0].row_id if self._items else 0
        self._extra = {call: out for call, out in self._extra.items() if out.row_id > first}

    def _entries(self, items: list[ContextItem]) -> list[ChatEntry]:
        notes = {
            row_id: f"turn {u.turn} · {token_count(u.total_tokens, u.input_tokens, u.output_tokens)}"
            for row_id, u in self._usage.items()
        }
        return chat_entries(items, self._selected or -1, self._expanded, self._extra, notes)

    def _on_error(self, generation: int, error: Exception) -> None:
        if generation == self._generation:
            self._worker = None
            self.browser.setPlainText(f"Could not read this conversation: {error}")
            self.failed.emit(str(error))

    # --- drawing and scrolling

    def _render(self, then: Callable[[], None] | None = None) -> None:
        """The whole window drawn again: a new place in the session, a new search."""
        self.drawer.stop()
        self._drawing = True
        try:
            self.browser.document().clear()
        finally:
            self._drawing = False
        self._placed = []
        self.drawer.draw(
            self._entries(self._items), self._placed, False, then or self._after_drawing
        )

    def _redrawn(self, kept: tuple[int, int] | None) -> None:
        mark_selected(self._placed, self._selected)
        self._restore(kept)

    def _after_drawing(self) -> None:
        found = mark_selected(self._placed, self._selected)
        if self._scroll_wanted:
            self._scroll_wanted = False
            self._scroll_to(found)
        self._fill_view()

    def _on_chunk_starting(self, at_top: bool) -> None:
        self._drawing = True
        if not self._holding:
            self._kept = self._top_entry() if at_top else None

    def _on_chunk_drawn(self, at_top: bool) -> None:
        self._drawing = False
        if at_top:
            self._restore(self._kept)  # what was on screen stays where it was

    def _entry_top(self, placed: PlacedEntry) -> int:
        return int(self.browser.cursorRect(placed.table.firstCursorPosition()).top())

    def _top_entry(self, besides: PlacedEntry | None = None) -> tuple[int, int] | None:
        """The first row id of the entry at the top of the view, and where its top is
        (`besides`: an entry about to be drawn again, which cannot hold the view still)."""
        shown = None
        for placed in self._placed:
            if placed is besides:
                continue
            top = self._entry_top(placed)
            if shown is not None and top > 0:
                break
            shown = (placed.entry.row_ids[0], top)
        return shown

    def _restore(self, kept: tuple[int, int] | None) -> None:
        # By any of its rows: a result shown alone joins its call once the call is read.
        placed = next((p for p in self._placed if kept and kept[0] in p.entry.row_ids), None)
        if kept is not None and placed is not None:
            self._scroll_by(self._entry_top(placed) - kept[1])

    def _scroll_to(self, placed: PlacedEntry | None) -> None:
        if placed is not None:
            self._scroll_by(self._entry_top(placed) - self.browser.viewport().height() // 6)

    def _scroll_by(self, pixels: int) -> None:
        bar = self.browser.verticalScrollBar()
        target = bar.value() + pixels
        # Qt sizes the scroll bar from the part of the document it has laid out so far;
        # entries just put above would be cut short of their height: make room now.
        bar.setMaximum(max(bar.maximum(), target))
        self._drawing = True
        try:
            bar.setValue(target)
        finally:
            self._drawing = False

    def _on_scrolled(self, value: int) -> None:
        busy = self._drawing or self.drawing or self._worker is not None or self._soon.isActive()
        if busy or self._source is None or not self._items:
            return
        bar = self.browser.verticalScrollBar()
        if value <= bar.minimum() and not self._at_start:
            self._load(BEFORE, self._items[0].row_id)
        elif value >= bar.maximum() and not self._at_end:
            self._load(AFTER, self._items[-1].row_id)

    def _fill_view(self) -> None:
        """A window too short to scroll reads on, so the view is never left half empty."""
        if self.browser.verticalScrollBar().maximum() == 0:
            self._on_scrolled(0)

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() != REASONING_SCHEME:
            return  # links in messages are shown, never followed
        row_id = int(url.path() or url.toString().split(":", 1)[1])
        self._expanded ^= {row_id}
        kept = self._top_entry()
        self._render(then=lambda: self._redrawn(kept))
