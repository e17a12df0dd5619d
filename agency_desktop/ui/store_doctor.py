"""Session > Check Store and Check Every Store: the store doctor run in a worker, its
findings in a dialog, and the repairs the user picks there: planned in a worker, shown
line by line for a yes, then carried out by the operation runner (backup, rehearsal
read back through the SDK, one transaction per store), and the stores checked again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from ..stores import health
from ..stores.doctor import Finding
from ..stores.health import StoreHealth
from ..util.formatting import counted
from ..util.paths import backup_dir
from .dialogs.findings import FindingsDialog
from .operation_runner import OperationRunner
from .workers import Worker, WorkerPool

if TYPE_CHECKING:
    from ..ops.repair import RepairPlan, RepairReport

SHOWN_STEPS = 12  # lines of the plan in the question itself; all of them under Details


def check_stores(paths: list[Path]) -> list[StoreHealth]:
    """Runs in a worker: each store read once, read-only."""
    return list(health.check_stores(paths))


def repair_summary(reports: list[RepairReport]) -> str:
    repaired = sum(len(report.repaired) for report in reports)
    return (
        f"Repaired {counted(repaired, 'finding')} in {counted(len(reports), 'store')};"
        f" each store was backed up first (in {backup_dir()})."
    )


class StoreDoctor(QObject):
    def __init__(
        self,
        parent: QWidget,
        workers: WorkerPool,
        store_paths: Callable[[], list[Path]],
        current_store: Callable[[], Path | None],
        runner: OperationRunner,
    ) -> None:
        super().__init__(parent)
        self._parent, self._workers, self._runner = parent, workers, runner
        self._store_paths, self._current_store = store_paths, current_store
        self.dialog: FindingsDialog | None = None
        self.question: QMessageBox | None = None
        self._checked: list[Path] = []
        runner.succeeded.connect(self._after_operation)

    def check_current(self) -> None:
        path = self._current_store()
        if path is not None:
            self._run([path])

    def check_folder(self) -> None:
        self._run(self._store_paths())

    def _run(self, paths: list[Path]) -> None:
        dialog = self.dialog = FindingsDialog(len(paths), self._parent)
        dialog.repairRequested.connect(self._plan)
        dialog.open()
        self._check(paths)

    def _check(self, paths: list[Path]) -> None:
        self._checked = paths
        dialog = self.dialog
        if dialog is None:
            return
        worker = Worker(check_stores, paths)
        worker.signals.returned.connect(dialog.show_results)
        worker.signals.errored.connect(lambda error: dialog.show_error(str(error)))
        self._workers.start(worker)

    # --- repairs

    def _plan(self, findings: list[Finding]) -> None:
        from ..ops.repair import plan_repairs  # loaded on first use: a short cold start

        worker = Worker(plan_repairs, findings)
        worker.signals.returned.connect(self._confirm)
        worker.signals.errored.connect(self._plan_failed)
        self._workers.start(worker)

    def _plan_failed(self, error: Exception) -> None:
        if self.dialog is not None:
            self.dialog.show_error(f"cannot plan the repair: {error}")

    def _confirm(self, plans: list[RepairPlan]) -> None:
        if not plans:
            if self.dialog is not None:
                self.dialog.show_error("nothing left to repair; check again")
            return
        lines = [f"{plan.path.name}: {line}" for plan in plans for line in plan.describe()]
        shown = lines[:SHOWN_STEPS]
        if len(lines) > SHOWN_STEPS:
            shown.append(f"… and {counted(len(lines) - SHOWN_STEPS, 'more step')} (Details)")
        question = self.question = QMessageBox(self.dialog or self._parent)
        question.setObjectName("repairQuestion")
        question.setStyleSheet("QLabel { min-width: 460px; }")  # steps read as lines, not words
        question.setIcon(QMessageBox.Icon.Question)
        question.setWindowTitle("Repair")
        question.setText(
            f"Repair {counted(len(lines), 'finding')} in {counted(len(plans), 'store')}?"
        )
        question.setInformativeText(
            "\n".join(f"• {line}" for line in shown)
            + "\n\nEach store is backed up first, and the repair is tried on a copy and read"
            " back through the Agents SDK before the store itself is changed."
        )
        question.setDetailedText("\n".join(lines))
        repair = question.addButton("Repair", QMessageBox.ButtonRole.AcceptRole)
        question.addButton(QMessageBox.StandardButton.Cancel)
        question.setDefaultButton(QMessageBox.StandardButton.Cancel)
        question.buttonClicked.connect(
            lambda button: self._repair(plans) if button is repair else None
        )
        question.open()

    def _repair(self, plans: list[RepairPlan]) -> None:
        from ..ops.repair import repair_stores

        started = self._runner.run("Repairing", repair_stores, plans, summary=repair_summary)
        if not started and self.dialog is not None:
            self.dialog.show_error("another operation is still running; try again after it")

    def _after_operation(self, _summary: str, result: Any) -> None:
        """Check the same stores again, so the table shows what is left."""
        if self.dialog is None or not self.dialog.isVisible() or not isinstance(result, list):
            return  # before the import: every operation ends here, most with the doctor shut
        from ..ops.repair import RepairReport

        if all(isinstance(r, RepairReport) for r in result):
            self.dialog.show_rechecking()
            self._check(self._checked)
