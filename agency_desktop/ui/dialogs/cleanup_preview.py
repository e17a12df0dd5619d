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
from ...ops.server_cleanup import ServerCleanupPlan
from ...util.formatting import counted, human_size, local_time

COLUMNS = ("What happens", "File", "Session", "Items", "Last activity", "Size")
SERVER_COLUMNS = ("What happens", "Server store", *COLUMNS[2:])


def plan_rows(
    plan: CleanupPlan | ServerCleanupPlan, auto_backup: bool = True
) -> list[tuple[str, ...]]:
    if isinstance(plan, ServerCleanupPlan):
        return _server_rows(plan)
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


def _server_rows(plan: ServerCleanupPlan) -> list[tuple[str, ...]]:
    what = "session deleted (after a backup)"
    return [
        (what, plan.shown, s.session_id, f"{s.message_count:,}", local_time(s.updated_at), "")
        for s in plan.sessions
    ]


def server_plan_summary(plan: ServerCleanupPlan) -> str:
    """A server has no trash: its sessions are always backed up into a local file first."""
    return (
        f"{counted(plan.session_count, 'session')} ({counted(plan.message_count, 'item')})"
        f" will be deleted from {plan.shown}, after a backup of them into one local file in"
        " the backups folder (the SDK's SQLiteSession opens it; a server has no trash)."
        " Anything that changes before you confirm is skipped."
    )


def plan_summary(plan: CleanupPlan | ServerCleanupPlan, auto_backup: bool = True) -> str:
    if isinstance(plan, ServerCleanupPlan):
        return server_plan_summary(plan)
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
        plan: CleanupPlan | ServerCleanupPlan,
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
        columns = SERVER_COLUMNS if isinstance(plan, ServerCleanupPlan) else COLUMNS
        self.table = QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row in plan_rows(plan, auto_backup):
            index = self.table.rowCount()
            self.table.insertRow(index)
            for column, text in enumerate(row):
                self.table.setItem(index, column, QTableWidgetItem(text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        server = isinstance(plan, ServerCleanupPlan)
        self.table.setColumnHidden(len(columns) - 1, server)  # sizes are a file's
        verb = "Delete" if server or title.startswith("Delete") else "Remove"
        self.confirm_button = buttons.addButton(verb, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.setEnabled(plan.session_count > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
