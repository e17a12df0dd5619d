"""What a restore will do to each store, and what to do where the folder has a newer one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...ops.restore import RestoreAction, RestorePlan
from ...util.formatting import counted, local_time

ACTION_TEXT = {
    RestoreAction.NEW: "restore (not in the folder)",
    RestoreAction.IDENTICAL: "nothing to do (identical)",
    RestoreAction.OLDER_IN_BACKUP: "the folder's copy is newer",
    RestoreAction.NEWER_IN_BACKUP: "the backup is newer",
}
COLUMNS = ("Store", "What happens", "Last activity in backup", "Last activity in folder")
POLICIES = (
    ("keep_both", "Keep both (restore under a new name)"),
    ("skip", "Skip them"),
    ("replace", "Replace them (a backup of each is kept first)"),
)


class RestorePreview(QDialog):
    def __init__(self, plan: RestorePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restorePreview")
        self.setWindowTitle("Restore a backup")
        self.plan = plan
        self.resize(860, 420)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for item in plan.items:
            row = self.table.rowCount()
            self.table.insertRow(row)
            values = (
                item.name,
                ACTION_TEXT[item.action],
                local_time(item.backup_last_activity),
                local_time(item.current_last_activity),
            )
            for column, text in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.policy = QButtonGroup(self)
        choices = QHBoxLayout()
        for index, (_, label) in enumerate(POLICIES):
            button = QRadioButton(label)
            button.setChecked(index == 0)
            self.policy.addButton(button, index)
            choices.addWidget(button)
        conflicts = len(plan.conflicts)
        intro = QLabel(
            f"{counted(len(plan.items), 'store')} in the backup; {conflicts} also exist in {plan.folder}. "
            "For those:"
            if conflicts
            else f"{counted(len(plan.items), 'store')} in the backup."
        )
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if conflicts:
            layout.addLayout(choices)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    @property
    def conflict(self) -> str:
        return POLICIES[max(0, self.policy.checkedId())][0]

    def choose(self, conflict: str) -> None:
        index = [key for key, _ in POLICIES].index(conflict)
        button = self.policy.button(index)
        if button is not None:
            button.setChecked(True)
