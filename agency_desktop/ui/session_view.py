"""What the message table, the item detail, the stats and the search scope show.

One session, or nothing and why: the session list's current row drives it, a search
hit or the follower (a session renamed, moved or deleted) can ask for another, and
every pane changes together, so none keeps showing what the others left.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from ..search.records import SearchHit
from ..stores.paging import MessageFilter, MessageRow
from ..stores.records import SessionInfo, StoreProblem
from .models.message_table import MessageTableModel
from .search_panel import SearchPanel
from .session_follower import SessionFollower
from .widgets.message_detail import MessageDetail
from .widgets.message_pane import MessagePane
from .widgets.session_pane import SessionPane
from .widgets.stats_panel import StatsPanel


class SessionView(QObject):
    def __init__(
        self,
        sessions: SessionPane,
        messages: MessagePane,
        detail: MessageDetail,
        stats: StatsPanel,
        search_panel: SearchPanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions, self.messages, self.detail = sessions, messages, detail
        self.stats, self.search_panel = stats, search_panel
        self.model: MessageTableModel = messages.model
        self.follower = SessionFollower(sessions, self.show_session, self.show_gone, self)
        self.select_first = True  # until the user (or a jump) chose a session
        sessions.sessionChosen.connect(lambda info: self.show_session(info, reload=False))
        sessions.problemChosen.connect(self.show_problem)
        sessions.currentGone.connect(self.follower.changed)
        messages.rowChosen.connect(self.show_row)
        # The words searched for in the session are marked in its conversation.
        messages.filterChanged.connect(lambda: detail.set_highlight(messages.terms))

    def select(self, wanted: Callable[[SessionInfo], bool]) -> None:
        """Make the first listed session that is `wanted` current (and so shown)."""
        if self.sessions.select(wanted):
            self.select_first = False

    def select_first_if_none(self) -> None:
        if self.select_first and not self.sessions.has_current():
            self.select(lambda _info: True)

    def reset(self) -> None:
        """Another folder: nothing shown until its first session is listed."""
        self.select_first = True
        self.follower.closed()
        self.model.close_session()
        self.messages.show_empty("No session open")
        self.detail.close_session()
        self.stats.set_session(None, None)

    def show_session(self, info: SessionInfo, reload: bool) -> None:
        """`reload`: read it again even if it is the one open (its reading failed)."""
        self.select_first = False
        self.follower.opened(info)
        model = self.model
        if not reload and (model.db_path, model.session_id) == (info.db_path, info.session_id):
            self.detail.set_session(info)  # a search hit opened it: its header comes now
            return
        self.detail.close_session()
        self.detail.set_session(info)
        self.detail.set_highlight(self.messages.terms)
        model.open_session(
            info.db_path,
            info.session_id,
            self.messages.message_filter(),
            known=(info.message_count, info.last_message_id),
        )
        self._scope(info.db_path, info.session_id)

    def show_nothing(self, title: str, explanation: str, footer: str) -> None:
        self.model.close_session()
        self.detail.show_empty(title, explanation)
        self.messages.show_empty(footer)
        self.stats.set_session(None, None)
        self.search_panel.set_session(None, None)

    def show_gone(self, store: Path, session_id: str) -> None:
        self.show_nothing(
            f"Session {session_id} is no longer in {store.name}.",
            "It was renamed, moved or deleted. Choose another session in the list.",
            "Session no longer in its store",
        )

    def show_problem(self, problem: StoreProblem) -> None:
        self.follower.closed()
        self.show_nothing(
            f"{problem.path.name} cannot be read: {problem.kind}",
            f"{problem.message}\n\nWhat to do: {problem.kind.advice}",
            "No session open",
        )

    def show_removed(self, paths: list[Path]) -> Path | None:
        """Files gone from disk: if the open session was in one, say so; returns that file."""
        gone = self.model.db_path
        if gone is None or gone not in paths:
            return None
        self.follower.closed()
        self.show_nothing(f"{gone.name} was removed from disk.", str(gone), "No session open")
        return gone

    def show_row(self, row: MessageRow) -> None:
        model = self.model
        if model.db_path is not None and model.session_id is not None:
            position = model.position_of(row.row_id)
            branch = model.filter.branch
            self.detail.show_row(model.db_path, model.session_id, row, position, branch)

    def open_hit(self, hit: SearchHit) -> None:
        """Open a search result's session with its item loaded, selected and in view."""
        self.detail.set_highlight(self.search_panel.terms)
        self.show_item(hit.path, hit.session_id, hit.row_id)

    def show_item(self, db_path: Path, session_id: str, row_id: int) -> None:
        """Open a session with one of its items (a search hit, a bookmark) selected and in view."""
        model = self.model
        if (model.db_path, model.session_id) == (db_path, session_id) and not (model.filter.active):
            model.focus_row(row_id)
            return
        self.messages.clear_filter()
        self.detail.close_session()
        model.open_session(db_path, session_id, MessageFilter(), at_row_id=row_id)
        self._scope(db_path, session_id)
        # Show which session is open in the list too (it is open already: nothing reloads).
        self.select(lambda i: (i.db_path, i.session_id) == (db_path, session_id))

    def _scope(self, db_path: Path, session_id: str) -> None:
        self.stats.set_session(db_path, session_id)
        self.search_panel.set_session(db_path, session_id)
