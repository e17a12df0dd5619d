"""The backup taken before anything destructive, kept in the app's data folder.

One folder per store name; only the newest `KEEP_PER_STORE` copies are kept, so
automatic backups cannot fill a disk over months of cleanups.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..util.paths import backup_dir
from .backup import backup_store

KEEP_PER_STORE = 20


def automatic_backup(store: Path, root: Path | None = None, keep: int = KEEP_PER_STORE) -> Path:
    """Back up `store` into <root>/<store stem>/ (root: the app's backups folder)."""
    folder = (root or backup_dir()) / store.stem
    folder.mkdir(parents=True, exist_ok=True)
    copy = backup_store(store, folder).path
    prune_backups(folder, keep)
    return copy


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in a folder; returns what was deleted."""
    copies = sorted(
        (p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    removed = copies[keep:]
    for old in removed:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
    return removed
