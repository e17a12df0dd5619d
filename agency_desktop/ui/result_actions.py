"""What a finished operation offers in its notice: the file or folder it wrote.

A backup nobody can find is half a backup: the notice that reports one offers to
show it in the file manager, and a clean-up's notice offers the backup it took.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..ops.archive import ArchiveResult
from ..ops.backup import BackupResult
from ..ops.cleanup import CleanupReport
from ..ops.export import ExportSummary
from ..ops.folder_backup import BackupSummary
from ..ops.server_backup import ServerBackup
from ..ops.store_writer import WriteResult
from . import desktop
from .widgets.notice_bar import NoticeAction


def written_place(result: Any) -> Path | None:
    """The file or folder an operation's result says it wrote, if any."""
    if isinstance(result, tuple) and result:
        result = result[0]  # (what was written, its backup): a move
    if isinstance(result, BackupResult | ArchiveResult | WriteResult | ServerBackup):
        return result.path
    if isinstance(result, BackupSummary):
        return result.destination
    if isinstance(result, ExportSummary) and result.exported:
        return result.exported[0].target.parent
    return None


def result_actions(result: Any) -> list[NoticeAction]:
    actions = []
    if (place := written_place(result)) is not None:
        actions.append(NoticeAction("Show in Folder", lambda: desktop.show_in_folder(place)))
    if isinstance(result, CleanupReport) and result.backups:
        backups = result.backups[0].parent
        actions.append(NoticeAction("Show Backups", lambda: desktop.open_in_desktop(backups)))
    return actions
