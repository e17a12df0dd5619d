"""Two branches of a session side by side, from where they fork on.

Both are read in a worker from the last item they share: row by row, the left column
is what one branch went on with and the right what the other did instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...stores.branches import BranchInfo, require_branch
from ...stores.paging import MessageRow
from ...stores.registry import open_store
from ...util.formatting import counted, fork_text
from ..workers import Worker, WorkerPool

SHOWN = 500  # items of each branch after the fork (the table is for reading, not paging)


@dataclass(frozen=True)
class BranchTails:
    fork: BranchInfo  # the branch that is not main (or the right one): where it forks
    left: list[MessageRow]
    right: list[MessageRow]
    more: bool  # either branch goes on past SHOWN items


def read_branch_tails(db_path: Path, session_id: str, left: str, right: str) -> BranchTails:
    """Runs in a worker: each branch's items after the last one they share."""
    store = open_store(db_path)
    with store.reader(session_id, branch=left) as left_reader:
        branches = left_reader.branches()
        fork = require_branch(branches, session_id, right if left == "main" else left)
        after = fork.fork_after_id
        left_rows = left_reader.page_after(after, SHOWN + 1)
    with store.reader(session_id, branch=right) as right_reader:
        right_rows = right_reader.page_after(after, SHOWN + 1)
    more = len(left_rows) > SHOWN or len(right_rows) > SHOWN
    return BranchTails(fork, left_rows[:SHOWN], right_rows[:SHOWN], more)


class BranchCompareDialog(QDialog):
    def __init__(
        self,
        workers: WorkerPool,
        db_path: Path,
        session_id: str,
        branches: tuple[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        left, right = self.branches = branches
        self.setObjectName("branchCompare")
        self.setWindowTitle(f"Compare Branches of {session_id}")
        self.summary = QLabel(f"Reading {left} and {right}…")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("branchCompareTable")
        self.table.setAccessibleName("The two branches after their fork")
        self.table.setHorizontalHeaderLabels(["#", left, "#", right])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1000, 480)
        self._worker = Worker(read_branch_tails, db_path, session_id, left, right)
        self._worker.signals.returned.connect(self.show_tails)
        self._worker.signals.errored.connect(self.show_error)
        workers.start(self._worker)
        self.finished.connect(lambda _result: self._worker.cancel())

    def show_tails(self, tails: BranchTails) -> None:
        fork = tails.fork
        first = fork.shared_items + 1
        count = max(len(tails.left), len(tails.right))
        self.table.setRowCount(count)
        for column, rows in ((0, tails.left), (2, tails.right)):
            for number, row in enumerate(rows):
                self.table.setItem(number, column, QTableWidgetItem(f"{first + number:,}"))
                text = f"{row.kind.label}: {row.preview}"
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(number, column + 1, cell)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(2)
        for column in (1, 3):
            self.table.setColumnWidth(column, 420)
        left, right = self.branches
        text = (
            f"{fork.branch_id} forks from main {fork_text(fork.fork_turn, fork.shared_items)}."
            f" After it: {counted(len(tails.left), 'item')} on {left},"
            f" {counted(len(tails.right), 'item')} on {right}"
        )
        if tails.more:
            text += f" (the first {SHOWN:,} of each are shown)"
        self.summary.setText(text + ".")

    def show_error(self, error: Exception) -> None:
        self.summary.setText(f"Cannot compare the branches: {error}")
