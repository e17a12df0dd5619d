"""Operations over a whole folder (F1), each against the plain tool a user would reach for."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from agency_desktop.ops.archive import backup_archive
from agency_desktop.ops.atomic import remove_quietly
from agency_desktop.ops.folder_backup import backup_many
from agency_desktop.stores.health import check_directory
from agency_desktop.stores.listing import iter_candidate_files

from .cases import Target, TimedCase


def _cp_and_sync(source: Path, dest: Path) -> None:
    """What a user would do instead of a folder backup: `cp -r SRC DEST && sync`."""
    subprocess.run(["cp", "-r", str(source), str(dest)], check=True)
    os.sync()


def folder_backup_case(folder: Path, scratch: Path) -> TimedCase:
    dest = scratch / "folder-backup"
    stores = list(iter_candidate_files(folder))
    return TimedCase(
        f"F1 back up the folder ({len(stores):,} stores; vs cp -r and sync)",
        lambda: backup_many(stores, dest, root=folder),
        lambda: _cp_and_sync(folder, dest),
        Target(2, "x"),
        setup=lambda: shutil.rmtree(dest, ignore_errors=True),
    )


def _zip_r(folder: Path, target: Path) -> None:
    """`zip -qr out.zip DIR` (its default compression), run from the folder's parent."""
    subprocess.run(["zip", "-qr", str(target), folder.name], cwd=folder.parent, check=True)


def archive_case(folder: Path, scratch: Path) -> TimedCase:
    target = scratch / "folder.zip"
    stores = list(iter_candidate_files(folder))
    return TimedCase(
        f"F1 archive the folder ({len(stores):,} stores; vs zip -r)",
        lambda: backup_archive(stores, target, root=folder),
        lambda: _zip_r(folder, target),
        Target(2, "x"),
        setup=lambda: remove_quietly(target),
    )


def _quick_check_loop(folder: Path) -> int:
    """What a script would do to check a folder: each file's `PRAGMA quick_check`."""
    checked = 0
    for path in sorted(iter_candidate_files(folder)):
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA quick_check").fetchall()
            checked += 1
        finally:
            conn.close()
    return checked


def check_case(folder: Path) -> TimedCase:
    return TimedCase(
        "F1 integrity check of the folder (vs a quick_check loop)",
        lambda: check_directory(folder),
        lambda: _quick_check_loop(folder),
        Target(1, "x"),
    )


def folder_cases(folder: Path, scratch: Path) -> list[TimedCase]:
    return [folder_backup_case(folder, scratch), archive_case(folder, scratch), check_case(folder)]
