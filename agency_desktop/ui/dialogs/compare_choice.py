"""Session > Compare With…: what to compare the selected session with.

Its store's automatic backups first (newest first: "what changed since the backup"), then
the other sessions listed, or any store file picked from disk (the same session id).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...stores.records import SessionInfo
from ...util.paths import backup_dir
from ..file_dialogs import choose_open_files
from ..opening import STORE_FILTER

SessionRef = tuple[Path, str]


def backups_of(store: Path, root: Path | None = None) -> list[Path]:
    """The automatic backups kept of a store (ops/auto_backup.py's folder), newest first."""
    folder = (root or backup_dir()) / store.stem
    if not folder.is_dir():
        return []
    copies = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return sorted(copies, key=lambda p: p.stat().st_mtime_ns, reverse=True)


class CompareChoice(QDialog):
    def __init__(
        self, current: SessionInfo, others: list[SessionInfo], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareChoice")
        self.setWindowTitle(f"Compare {current.session_id} With")
        self.current = current
        self.choice: SessionRef | None = None
        self.list = QListWidget()
        self.list.setObjectName("compareCandidates")
        self.list.setAccessibleName("Sessions to compare with")
        for copy in backups_of(current.db_path):
            when = datetime.fromtimestamp(copy.stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S")
            self._add(f"Backup of {current.db_path.name}, {when} ({copy.name})", copy)
        for info in others:
            if (info.db_path, info.session_id) != (current.db_path, current.session_id):
                self._add(f"{info.session_id} · {info.db_path.name}", info.db_path, info.session_id)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        pick = QPushButton("Another Store File…")
        pick.clicked.connect(self._pick_file)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.addButton(pick, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(self.list.count() > 0)
        layout = QVBoxLayout(self)
        label = QLabel(f"Compare session {current.session_id} ({current.db_path.name}) with:")
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(620, 380)

    def _add(self, text: str, path: Path, session_id: str | None = None) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, (path, session_id or self.current.session_id))
        item.setToolTip(str(path))
        self.list.addItem(item)

    def _pick_file(self) -> None:
        start = self.current.db_path.parent
        files = choose_open_files(self, "Compare with Store", start, STORE_FILTER)
        if files:
            self.choice = (files[0], self.current.session_id)
            super().accept()

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.choice = item.data(Qt.ItemDataRole.UserRole)
            super().accept()
