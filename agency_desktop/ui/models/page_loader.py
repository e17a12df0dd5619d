"""Reads pages of one session in a thread of its own, for the message model.

The loader owns its store reader (SQLite connections stay in the thread that
made them) and answers requests tagged with a generation number, so answers to
a session or filter that has since been replaced are recognised and dropped.
It also polls PRAGMA data_version once a second to notice agents appending.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

from ...stores.base import ItemReader
from ...stores.branches import MAIN_BRANCH, BranchNotFoundError
from ...stores.errors import SessionNotFoundError, StoreError
from ...stores.paging import MessageFilter
from ..lifetime import stop_when_destroyed
from ..server_locations import open_location
from ..workers import yield_to_gui_thread

POLL_INTERVAL_MS = 1000


class PageLoader(QObject):
    opened = Signal(int, int, object)  # generation, total matching rows, last row id (or None)
    # generation, the session's branches (BranchInfo, main first; none without them),
    # the branch being read (None: the whole session). Sent before `opened`.
    branched = Signal(int, list, object)
    # generation, "after" | "before" | "around", rows (oldest first), the first row's
    # position among the matching rows ("around" only; -1 otherwise), and while a filter
    # is on, each row's number among all the session's items (else an empty list)
    loaded = Signal(int, str, list, int, list)
    changed = Signal(int, int, object)  # generation, new total, new last row id
    misinformed = Signal(int)  # generation: the size it was opened with was not the store's
    failed = Signal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self._reader: ItemReader | None = None
        self._generation = 0
        self._version = -1
        self._timer: QTimer | None = None
        self._known: tuple[int, int | None] | None = None  # to check once a page is out
        self._filtered = False

    @Slot(int, str, str, object, object, object)
    def open(
        self,
        generation: int,
        db_path: str,
        session_id: str,
        message_filter: Any,
        known: Any,
        focus: Any,
    ) -> None:
        """`known`: (rows, last row id) of the unfiltered session as just listed, or None.

        Given, the first page is read at once and the count (a scan of the session's
        index: 40 ms a million rows) is only checked after it. A session with branches
        is read on one: the filter's, else the one holding the item `focus`, else main.
        """
        yield_to_gui_thread()
        self.close()
        self._generation = generation
        wanted: MessageFilter = message_filter or MessageFilter()
        try:
            self._reader = open_location(db_path).reader(session_id, wanted)
            branches = self._reader.branches(only_if_several=True)
            if len(branches) > 1:
                branch = wanted.branch
                if focus is not None:  # the item asked for decides, when it is on a branch
                    branch = self._reader.branch_of(focus, prefer=branch) or branch
                if branch != wanted.branch or branch is None:
                    wanted = replace(wanted, branch=branch or MAIN_BRANCH)
                    self._reader.set_filter(wanted)
            self.branched.emit(generation, branches, wanted.branch)
            self._version = self._reader.data_version()
            self._filtered = wanted.active
            # Trusted only with a last row id: an empty session has no first page whose
            # loading would check the hint, so a wrong "empty" would stand.
            unfiltered = not wanted.active and wanted.branch is None
            if known is not None and known[1] is not None and unfiltered:
                self._known = tuple(known)
                self.opened.emit(generation, *self._known)
            else:
                self._known = None
                self.opened.emit(generation, self._reader.count(), self._last_id())
        except (StoreError, SessionNotFoundError, BranchNotFoundError) as exc:
            if self._reader is not None:
                self._reader.close()
            self._reader = None
            self.failed.emit(generation, str(exc))
            return
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.timeout.connect(self._poll)
        self._timer.start(POLL_INTERVAL_MS)

    def _last_id(self) -> int | None:
        assert self._reader is not None
        rows = self._reader.page_before(None, 1)
        return rows[-1].row_id if rows else None

    @Slot(int, str, object, int)
    def load(self, generation: int, direction: str, anchor: Any, limit: int) -> None:
        reader = self._reader
        if reader is None or generation != self._generation:
            return
        position = -1
        try:
            if direction == "after":
                rows = reader.page_after(anchor, limit)
            elif direction == "before":
                rows = reader.page_before(anchor, limit)
            else:  # a page with the row `anchor` in its middle
                rows = reader.page_before(anchor + 1, limit // 2)
                rows += reader.page_after(rows[-1].row_id if rows else anchor, limit - len(rows))
                position = reader.count_before(rows[0].row_id) if rows else 0
            numbers = (
                reader.positions_in_session([r.row_id for r in rows]) if self._filtered else []
            )
        except StoreError as exc:
            self.failed.emit(generation, str(exc))
            return
        self.loaded.emit(generation, direction, rows, position, numbers)
        if self._known is not None:
            known, self._known = self._known, None
            try:
                if (reader.count(), self._last_id()) != known:
                    self.misinformed.emit(generation)
            except StoreError as exc:
                self.failed.emit(generation, str(exc))

    @Slot()
    def _poll(self) -> None:
        reader = self._reader
        if reader is None:
            return
        try:
            version = reader.data_version()
            if version == self._version:
                return
            self._version = version
            self.changed.emit(self._generation, reader.count(), self._last_id())
        except StoreError as exc:
            self.failed.emit(self._generation, str(exc))

    @Slot()
    def close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class LoaderThread(QObject):
    """Owns the thread the loader lives in and stops it: on stop(), or as it is destroyed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.qthread = QThread(self)  # deleted after the destroyed() that stops it
        self.qthread.setObjectName("message-page-loader")
        self.loader = PageLoader()
        self.loader.moveToThread(self.qthread)
        self.qthread.start()
        stop_when_destroyed(self, functools.partial(_stop, self.qthread, self.loader))

    def stop(self) -> None:
        _stop(self.qthread, self.loader)


def _stop(qthread: QThread, loader: PageLoader) -> None:
    if qthread.isRunning():
        # close() must run in the loader's thread, where its connection and timer live
        QMetaObject.invokeMethod(loader, "close", Qt.ConnectionType.BlockingQueuedConnection)
        qthread.quit()
        qthread.wait()
