"""Session > Compare Two Sessions: where two sessions differ, compared in a worker.

The same diff as `agency-sessions diff A B --json` (Export writes that JSON), shown as a
read-only table sorted on typed values. The dialog owns the worker pool the comparison
runs in, so closing it (or the window it belongs to, or quitting) stops the comparison
instead of leaving a thread reading the stores.
"""

from __future__ import annotations

import enum
import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QStandardItem
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...ops.atomic import fsync_file, publish, staged
from ...stores.session_diff import DiffEntry, DiffOp, SessionDiff, diff_sessions
from ...util.formatting import counted
from .. import lifetime
from ..file_dialogs import choose_save_path
from ..models.base import OBJECT, ItemTableModel, cell
from ..models.message_table import KIND_COLOURS
from ..workers import Worker, WorkerPool

# A session to compare: its store's location and its id.
SessionRef = tuple[str | os.PathLike[str], str]

MAX_ROWS = 10_000  # rows listed; Export writes every difference
# A sign for each, so the table reads without colour too; a minus sign (U+2212), as
# wide as "+", rather than a hyphen.
MARKS = {DiffOp.ADDED: "+", DiffOp.REMOVED: "\u2212", DiffOp.CHANGED: "~", DiffOp.SAME: "="}
_OP_COLOURS = {
    DiffOp.ADDED: QColor("#28b463"),
    DiffOp.REMOVED: QColor("#c0392b"),
    DiffOp.CHANGED: QColor("#ca6f1e"),
    DiffOp.SAME: QColor("#7f8c8d"),
}
_OP_ORDER = {DiffOp.CHANGED: 0, DiffOp.REMOVED: 1, DiffOp.ADDED: 2, DiffOp.SAME: 3}
_KIND_COLOURS = {kind: QColor(colour) for kind, colour in KIND_COLOURS.items()}
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole


class Role(enum.IntEnum):
    ENTRY = int(OBJECT)  # the DiffEntry, on every cell
    SORT = Qt.ItemDataRole.UserRole + 1  # what the column sorts on (never the display text)


class Column(enum.IntEnum):
    OP = 0
    IN_A = 1
    IN_B = 2
    KIND = 3
    CALL_ID = 4
    SUMMARY = 5
    FIELDS = 6


HEADERS = ("", "# in A", "# in B", "Kind", "Call id", "Summary", "Changed fields")


class DiffTableModel(ItemTableModel):
    """One row per differing item (or changed pair), and one per run of items the same."""

    headers = HEADERS

    def cells(self, entry: DiffEntry, number: int) -> list[QStandardItem]:
        # Entries are in the order of both sessions at once, so either position column
        # sorts on that order: an item only one side has falls where it belongs.
        texts_and_keys: list[tuple[str, Any]] = [
            (MARKS[entry.op], _OP_ORDER[entry.op] * 10**9 + number),
            (_position(entry.a_position), number),
            (_position(entry.b_position), number),
            (entry.kind.label if entry.kind is not None else "", _kind_key(entry)),
            (entry.call_id or "", entry.call_id or ""),
            (entry.summary, entry.summary.lower()),
            (", ".join(entry.fields), ", ".join(entry.fields)),
        ]
        extra: dict[Column, list[tuple[int, Any]]] = {
            Column.OP: [
                (_FOREGROUND, _OP_COLOURS[entry.op]),
                (_ACCESSIBLE, str(entry.op)),
                (_TOOLTIP, str(entry.op)),
            ],
            Column.IN_A: [(_TOOLTIP, _row_tip(entry.a_row_id))],
            Column.IN_B: [(_TOOLTIP, _row_tip(entry.b_row_id))],
        }
        if entry.kind is not None:
            extra[Column.KIND] = [(_FOREGROUND, _KIND_COLOURS[entry.kind])]
        if entry.op is DiffOp.SAME:
            extra[Column.SUMMARY] = [(_FOREGROUND, _OP_COLOURS[DiffOp.SAME])]
        return [
            cell(text, entry, [(Role.SORT, key), *extra.get(column, [(_TOOLTIP, text)])])
            for column, (text, key) in zip(Column, texts_and_keys, strict=True)
        ]


def _position(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _kind_key(entry: DiffEntry) -> str:
    return entry.kind.label if entry.kind is not None else "\uffff"  # runs last


def _row_tip(row_id: int | None) -> str:
    return "" if row_id is None else f"row id {row_id}"


class SessionDiffDialog(QDialog):
    def __init__(self, a: SessionRef, b: SessionRef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare Two Sessions")
        self.setObjectName("sessionDiffDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.a, self.b = a, b
        self.diff: SessionDiff | None = None
        self.worker: Worker | None = None
        self.workers = WorkerPool(self)  # the owner: destroyed with the dialog, it stops
        lifetime.stop_on_quit(self)
        self.finished.connect(self._on_finished)
        sides = QLabel(f"A: {_side(a)}\nB: {_side(b)}")
        sides.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel("Comparing…")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.model = DiffTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSortRole(Role.SORT)
        self.proxy.setSourceModel(self.model)
        self.table = self._make_table()
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._on_export_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (sides, self.summary, self.progress):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1000, 480)

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("sessionDiffTable")
        table.setAccessibleName("Differences")
        table.setModel(self.proxy)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSortingEnabled(True)
        table.sortByColumn(Column.IN_A, Qt.SortOrder.AscendingOrder)
        table.verticalHeader().hide()
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def start(self) -> Worker:
        a_location, a_session = self.a
        b_location, b_session = self.b
        worker = Worker(diff_sessions, a_location, a_session, b_location, b_session, controls=True)
        worker.signals.progress.connect(self._on_progress)
        worker.signals.returned.connect(self.show_diff)
        worker.signals.errored.connect(lambda error: self.show_error(str(error)))
        self.worker = self.workers.start(worker)
        return self.worker

    def shutdown(self) -> None:
        """Stop the comparison (it stops at its next batch of items) and wait for it."""
        self.workers.shutdown()

    def _on_finished(self, _result: int) -> None:
        self.shutdown()

    def _on_progress(self, done: int, total: int, _message: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.summary.setText(f"Comparing… {counted(done, 'item')} of {total:,} read")

    def show_diff(self, diff: SessionDiff) -> None:
        self.diff = diff
        self.progress.hide()
        shown = diff.entries[:MAX_ROWS]
        self.model.insert_rows(0, shown)
        self.table.resizeColumnsToContents()
        text = diff.summary_line()
        if len(shown) < len(diff.entries):
            text += (
                f" The first {counted(len(shown), 'row')} of {len(diff.entries):,} are listed;"
                " Export writes every difference."
            )
        self.summary.setText(text + " Nothing was changed.")
        self.export_button.setEnabled(True)

    def show_error(self, message: str) -> None:
        self.progress.hide()
        self.summary.setText(f"The comparison failed: {message}")

    def _on_export_clicked(self) -> None:
        target = choose_save_path(
            self, "Export Comparison", Path.home() / "session-diff.json", "JSON (*.json)"
        )
        if target is not None:
            self.export_to(target[0])

    def export_to(self, path: Path) -> None:
        """The JSON `agency-sessions diff --json` prints, under a temporary name first."""
        if self.diff is None:
            return
        document = json.dumps(self.diff.as_dict(), indent=2, ensure_ascii=False)
        with staged(path) as temporary:
            temporary.write_text(document + "\n", encoding="utf-8")
            fsync_file(temporary)
            publish(temporary, path, overwrite=True)


def _side(ref: SessionRef) -> str:
    location, session_id = ref
    return f"{os.fspath(location)}, session {session_id}"


def show_session_diff(parent: QWidget | None, a: SessionRef, b: SessionRef) -> SessionDiffDialog:
    """Open the dialog comparing session `a` with session `b` and start the comparison.

    Each is (store location, session id): two sessions of one store, a store and its
    backup, or two stores. The dialog deletes itself when closed.
    """
    dialog = SessionDiffDialog(a, b, parent)
    dialog.open()
    dialog.start()
    return dialog
