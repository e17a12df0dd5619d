"""Shows exactly what a cleanup will remove, before anything happens."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...ops.cleanup import CleanupPlan
from ...util.formatting import counted, human_size, local_time

COLUMNS = ("What happens", "File", "Session", "Items", "Last activity", "Size")


def plan_rows(plan: CleanupPlan, auto_backup: bool = True) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for removal in plan.files:
        for info in removal.sessions:
            rows.append(
                (
                    "file to trash",
                    str(removal.path),
                    info.session_id,
                    f"{info.message_count:,}",
                    local_time(info.updated_at),
                    human_size(removal.size_bytes),
                )
            )
    for info in plan.sessions:
        rows.append(
            (
                "session deleted (after a backup)" if auto_backup else "session deleted",
                str(info.db_path),
                info.session_id,
                f"{info.message_count:,}",
                local_time(info.updated_at),
                "",
            )
        )
    return rows


def plan_summary(plan: CleanupPlan, auto_backup: bool = True) -> str:
    backup = (
        "after a backup of each such file"
        if auto_backup
        else "with no backup (automatic backups are off in the Operations menu)"
    )
    return (
        f"{counted(plan.session_count, 'session')} ({counted(plan.message_count, 'item')}) will be removed: "
        f"{counted(len(plan.files), 'file')} ({human_size(plan.file_bytes)}) go to the trash, "
        f"{counted(len(plan.sessions), 'session')} are deleted from files that keep other sessions, "
        f"{backup}. Anything that changes before you confirm is skipped."
    )


class CleanupPreview(QDialog):
    """Accepting it is the user's confirmation; the caller then runs exactly this plan."""

    def __init__(
        self,
        plan: CleanupPlan,
        parent: QWidget | None = None,
        auto_backup: bool = True,
        title: str = "Clean up sessions",
    ) -> None:
        """`title` names what the user asked for: a clean-up, or deleting one session."""
        super().__init__(parent)
        self.setObjectName("cleanupPreview")
        self.setWindowTitle(title)
        self.plan = plan
        self.resize(900, 420)
        summary = QLabel(
            plan_summary(plan, auto_backup) if plan.session_count else "Nothing to remove."
        )
        summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row in plan_rows(plan, auto_backup):
            index = self.table.rowCount()
            self.table.insertRow(index)
            for column, text in enumerate(row):
                self.table.setItem(index, column, QTableWidgetItem(text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        verb = "Delete" if title.startswith("Delete") else "Remove"
        self.confirm_button = buttons.addButton(verb, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.setEnabled(plan.session_count > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
