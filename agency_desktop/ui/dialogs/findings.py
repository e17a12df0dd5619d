"""Session > Check Store / Check Folder: the store doctor's findings as a table.

Sort by any column; Export writes the same JSON as `agency-sessions check --json`.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...ops.atomic import fsync_file, publish, staged
from ...stores.doctor import REPAIRABLE_KINDS, Finding
from ...stores.health import StoreHealth
from ...util.formatting import counted
from ..file_dialogs import choose_save_path

HEADERS = ("Store", "Session", "Finding", "Rows", "What it means", "Repair", "SDK issue")
EXPLANATION, REPAIR = 4, 5
TEXT_WIDTH = 300  # pixels of those two columns at most


class FindingsDialog(QDialog):
    repairRequested = Signal(list)  # the findings to repair: the selected ones, else all

    def __init__(self, stores: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check Stores")
        self.setObjectName("findingsDialog")
        self.results: list[StoreHealth] = []
        self.summary = QLabel(f"Checking {counted(stores, 'store')}…")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("findingsTable")
        self.table.setAccessibleName("Findings")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.currentCellChanged.connect(lambda row, *_: self._show_details(row))
        self.details = QLabel()  # the chosen finding in full: the columns are cut short
        self.details.setObjectName("findingDetails")
        self.details.setWordWrap(True)
        self.details.setOpenExternalLinks(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export)
        self.repair_button = QPushButton("Repair…")
        self.repair_button.setEnabled(False)
        self.repair_button.setToolTip(
            "Shows exactly what will change first; each store is backed up before it is repaired"
        )
        self.repair_button.clicked.connect(self._ask_repair)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.repair_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        self.resize(1000, 420)

    def show_results(self, results: list[StoreHealth]) -> None:
        self.results = results
        findings = [f for health in results for f in health.findings]
        rows = [
            (
                str(f.path.name),
                f.session_id or "",
                str(f.kind),
                f.rows,
                f.explanation,
                f.repair,
                f.sdk_issue or "",
            )
            for f in findings
        ]
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.DisplayRole, value)  # rows sort as numbers
                item.setToolTip(str(value))
                item.setData(Qt.ItemDataRole.UserRole, findings[number])
                self.table.setItem(number, column, item)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        for column in (EXPLANATION, REPAIR):  # the rest stays in view; in full below
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), TEXT_WIDTH))
        if rows:
            self.table.setCurrentCell(0, 0)
        unreadable = sum(health.problem is not None for health in results)
        problems = sum(not health.ok for health in results)
        text = (
            f"{counted(len(results), 'store')} checked: {counted(len(rows), 'finding')},"
            f" {counted(problems, 'store')} with problems"
        )
        if unreadable:
            text += f" ({unreadable} cannot be read at all; see the session list)"
        self.summary.setText(text + ". The check changed nothing.")
        self.export_button.setEnabled(True)
        self.repair_button.setEnabled(any(f.kind in REPAIRABLE_KINDS for f in findings))

    def _show_details(self, row: int) -> None:
        item = self.table.item(row, 0) if row >= 0 else None
        finding: Finding | None = item.data(Qt.ItemDataRole.UserRole) if item else None
        if finding is None:
            self.details.clear()
            return
        issue = f' <a href="{finding.sdk_issue}">SDK issue</a>' if finding.sdk_issue else ""
        self.details.setText(
            f"<b>{html.escape(str(finding.kind))}</b>: {html.escape(finding.explanation)}."
            f"<br>Repair: {html.escape(finding.repair)}.{issue}"
        )

    def selected_findings(self) -> list[Finding]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        every = range(self.table.rowCount())
        items = [self.table.item(row, 0) for row in (sorted(rows) if rows else every)]
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item is not None]

    def _ask_repair(self) -> None:
        findings = [f for f in self.selected_findings() if f.kind in REPAIRABLE_KINDS]
        if findings:
            self.repairRequested.emit(findings)

    def show_rechecking(self) -> None:
        self.summary.setText("Checking again after the repair…")
        self.repair_button.setEnabled(False)

    def show_error(self, message: str) -> None:
        self.summary.setText(f"The check failed: {message}")

    def _export(self) -> None:
        target = choose_save_path(
            self, "Export Findings", Path.home() / "findings.json", "JSON (*.json)"
        )
        if target is None:
            return
        path = target[0]
        document = json.dumps([health.as_dict() for health in self.results], indent=2)
        with staged(path) as temporary:  # a temporary name, then the real one
            temporary.write_text(document, encoding="utf-8")
            fsync_file(temporary)
            publish(temporary, path, overwrite=True)
