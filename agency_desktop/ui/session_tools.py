"""Looking at sessions side by side: two branches of the open session from their fork,
or the selected session and another (its store's backup, another session, another file).

A controller off the main window (through `WindowHost`), so the window only connects it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ..stores.records import SessionInfo
from .host import WindowHost
from .models.message_table import MessageTableModel

if TYPE_CHECKING:  # the dialogs load when first opened: a short cold start
    from .dialogs.branch_compare import BranchCompareDialog
    from .dialogs.compare_choice import CompareChoice
    from .dialogs.session_diff import SessionDiffDialog


class SessionTools(QObject):
    def __init__(
        self,
        host: WindowHost,
        model: MessageTableModel,
        listed: Callable[[], list[SessionInfo]],
    ) -> None:
        super().__init__(host.dialog_parent())
        self.host, self.model, self._listed = host, model, listed
        self.branch_compare: BranchCompareDialog | None = None
        self.choice: CompareChoice | None = None
        self.diff: SessionDiffDialog | None = None

    def ask_compare(self) -> None:
        """Session > Compare With…: the selected session and one the user picks."""
        current = self.host.current_session()
        if current is None:
            self.host.notice.show_message("Select a session first.")
            return
        from .dialogs.compare_choice import CompareChoice

        choice = self.choice = CompareChoice(current, self._listed(), self.host.dialog_parent())
        choice.accepted.connect(lambda: self._compare(current, choice))
        choice.open()

    def _compare(self, current: SessionInfo, choice: CompareChoice) -> None:
        from .dialogs.session_diff import show_session_diff

        if choice.choice is not None:  # the other first: "what changed since the backup"
            mine = (current.db_path, current.session_id)
            self.diff = show_session_diff(self.host.dialog_parent(), choice.choice, mine)

    def compare_branches(self, left: str, right: str) -> None:
        """The open session's two branches, side by side after the fork."""
        model = self.model
        if model.db_path is None or model.session_id is None:
            return
        from .dialogs.branch_compare import BranchCompareDialog

        dialog = self.branch_compare = BranchCompareDialog(
            self.host.workers,
            model.db_path,
            model.session_id,
            (left, right),
            self.host.dialog_parent(),
        )
        dialog.open()
