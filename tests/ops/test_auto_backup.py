from __future__ import annotations

from pathlib import Path

from agency_desktop.ops.auto_backup import automatic_backup
from tests.helpers.stores import item_texts


def test_automatic_backups_keep_only_the_newest(store_folder: Path, tmp_path: Path) -> None:
    copies = [
        automatic_backup(store_folder / "plain.db", tmp_path / "backups", keep=3) for _ in range(5)
    ]
    kept = sorted((tmp_path / "backups" / "plain").iterdir())
    assert len(kept) == 3 and set(kept) == set(copies[-3:])
    assert item_texts(copies[-1], "plain-1") == item_texts(store_folder / "plain.db", "plain-1")
