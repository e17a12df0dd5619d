"""Clean Up and Delete for a server store: the same preview as for files, then the work.

While a server store is shown, Operations > Clean Up Old Sessions… and Delete Selected
Session… answer for it (`server_view` routes them here). The plan is made in a worker
(`ops.server_cleanup`), shown in the preview the files have, and carried out exactly
through the window's OperationRunner: progress and Cancel in the strip. A server has
no trash, so its sessions are always backed up into a local file first, whatever the
automatic-backup setting says; the listing is read again once they are gone. Errors name
the store by host and port, never with its password.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QInputDialog

from ..ops.server_cleanup import (
    ServerCleanupPlan,
    ServerCleanupReport,
    plan_server_cleanup,
    plan_server_sessions,
    run_server_cleanup,
)
from ..util.formatting import counted
from .server_backup import BackupHost, ServerEntries
from .server_locations import without_password
from .server_store import masked
from .workers import Worker

if TYPE_CHECKING:
    from .dialogs.cleanup_preview import CleanupPreview
    from .workers import WorkerPool

DEFAULT_DAYS = 30


class CleanupHost(BackupHost, Protocol):
    workers: WorkerPool  # the plan is made in one


def cleanup_summary(report: ServerCleanupReport) -> str:
    deleted = report.deleted_sessions
    items = sum(info.message_count for info in deleted)
    text = f"Deleted {counted(len(deleted), 'session')} ({counted(items, 'item')}) from {report.plan.shown}"
    text += f"; backup: {report.backup}." if report.backup else "."
    if report.skipped:
        session_id, reason = report.skipped[0]
        text += f" Skipped {counted(len(report.skipped), 'session')} ({session_id!r}: {reason})."
    return text


class ServerCleanups(ServerEntries):
    """The Clean Up and Delete entries' work while `key()` names a server store."""

    host: CleanupHost

    def __init__(
        self, host: CleanupHost, key: Callable[[], Path | None], refresh: Callable[[], None]
    ) -> None:
        super().__init__(host, key)
        self._refresh = refresh
        self.preview: CleanupPreview | None = None  # the last one shown (tests reach it)
        host.runner.succeeded.connect(self._on_succeeded)

    def routes(self) -> dict[str, Callable[[], None]]:
        """The Operations menu's entries (by controller method) this class answers."""
        return {"ask_cleanup_old": self.ask_old, "ask_delete_selected": self.ask_selected}

    def ask_old(self) -> None:
        days, ok = QInputDialog.getInt(
            self.host.dialog_parent(),
            "Clean up",
            "Delete sessions with no activity for (days):",
            DEFAULT_DAYS,
            1,  # 0 days would take every session, this moment's included
            36_500,
        )
        if ok:
            self.do_plan_old(days)

    def do_plan_old(self, days: int) -> None:
        if (url := self.url) is not None:
            title = f"Clean up sessions on {without_password(url)}"
            self._plan(Worker(masked, url, plan_server_cleanup, url, days), title)

    def ask_selected(self) -> None:
        info = self.host.current_session()
        if info is None:
            self.host.notice.show_message("Select a session first.")
        elif (url := self.url) is not None:
            worker = Worker(masked, url, plan_server_sessions, url, [info])
            self._plan(worker, f"Delete session {info.session_id}")

    def _plan(self, worker: Worker, title: str) -> None:
        """The plan is made in a worker (it lists the server), then shown; nothing is
        deleted before the user agrees."""
        worker.signals.returned.connect(lambda plan: self._show_preview(plan, title))
        worker.signals.errored.connect(
            lambda exc: self.host.notice.error(f"Cannot plan the cleanup: {exc}")
        )
        self.host.workers.start(worker)

    def _show_preview(self, plan: ServerCleanupPlan, title: str) -> None:
        from .dialogs.cleanup_preview import CleanupPreview

        self.preview = CleanupPreview(plan, self.host.dialog_parent(), title=title)
        self.preview.accepted.connect(lambda: self.do_run(plan))
        self.preview.open()

    def do_run(self, plan: ServerCleanupPlan) -> None:
        """Carry out exactly `plan` (tests call this half: no dialog)."""
        title = f"Cleaning up {plan.shown}"
        started = self.host.runner.run(
            title, masked, plan.location, run_server_cleanup, plan, summary=cleanup_summary
        )
        if not started:
            self.host.notice.warn("Another operation is still running.")

    def _on_succeeded(self, _summary: str, result: object) -> None:
        """The listing shows what is left once this store's sessions are gone."""
        if isinstance(result, ServerCleanupReport) and result.plan.location == self.url:
            self._refresh()
