"""Looking at sessions side by side: two branches of the open session, from their fork.

A controller off the main window (through `WindowHost`), so the window only connects it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from .dialogs.branch_compare import BranchCompareDialog
from .host import WindowHost
from .models.message_table import MessageTableModel


class SessionTools(QObject):
    def __init__(self, host: WindowHost, model: MessageTableModel) -> None:
        super().__init__(host.dialog_parent())
        self.host, self.model = host, model
        self.branch_compare: BranchCompareDialog | None = None

    def compare_branches(self, left: str, right: str) -> None:
        """The open session's two branches, side by side after the fork."""
        model = self.model
        if model.db_path is None or model.session_id is None:
            return
        dialog = self.branch_compare = BranchCompareDialog(
            self.host.workers,
            model.db_path,
            model.session_id,
            (left, right),
            self.host.dialog_parent(),
        )
        dialog.open()
