"""One line for the notice bar about what an operation did: counts, where, what failed."""

from __future__ import annotations

from typing import Any

from ..ops import cleanup, reorganise
from ..ops.folder_backup import BackupSummary
from ..ops.restore import RestoreReport
from ..util.formatting import counted, human_size


def backup_summary(summary: BackupSummary) -> str:
    text = (
        f"Backed up {counted(len(summary.results), 'store')} ({human_size(summary.total_bytes)}) into "
        f"{summary.destination}, each verified."
    )
    if summary.failures:
        text += f" {len(summary.failures)} not backed up, e.g. {summary.failures[0][1]}"
    return text


def restore_summary(report: RestoreReport) -> str:
    text = f"Restored {counted(len(report.restored), 'store')}; {len(report.skipped)} skipped."
    if report.backups:
        text += f" The replaced stores were backed up to {report.backups[0].parent}."
    if report.failed:
        text += (
            f" {len(report.failed)} failed, e.g. {report.failed[0][0].name}: {report.failed[0][1]}"
        )
    return text


def cleanup_summary(report: cleanup.CleanupReport) -> str:
    parts = [
        f"{counted(len(report.trashed_files), 'file')} moved to the trash",
        f"{counted(len(report.deleted_sessions), 'session')} deleted",
    ]
    if report.deleted_files:
        parts.append(
            f"{counted(len(report.deleted_files), 'file')} deleted (no trash there; backed up first)"
        )
    if report.backups:
        parts.append(f"backups kept in {report.backups[0].parent.parent}")
    if report.skipped:
        parts.append(f"{len(report.skipped)} skipped ({report.skipped[0][2]})")
    return "Cleanup: " + "; ".join(parts) + ". Restore files from the system trash."


def batch_summary(report: reorganise.BatchReport) -> str:
    text = f"Wrote {counted(len(report.written), 'session')} ({counted(report.message_count, 'item')}), each verified."
    if report.failures:
        path, session, why = report.failures[0]
        text += f" {len(report.failures)} not written, e.g. {path.name} {session}: {why}"
    return text


def export_summary(summary: Any) -> str:
    text = f"Exported {counted(len(summary.exported), 'session')} ({counted(summary.item_count, 'item')})."
    if summary.failures:
        failure = summary.failures[0]
        text += f" {len(summary.failures)} failed, e.g. {failure.session_id}: {failure.message}"
    return text
