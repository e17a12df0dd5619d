"""Scanning chosen files and rescanning folders through the scan cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers.stores import write_plain


def test_a_store_opened_before_is_not_read_again_when_unchanged(
    store_folder: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    from agency_desktop.stores import rescan
    from agency_desktop.stores.scan_cache import ScanCache
    from tests.helpers.stores import age_store

    store = store_folder / "plain.db"
    age_store(store, 60)
    cache = ScanCache(tmp_path / "scans.sqlite3")
    read: list[Path] = []
    real = rescan.scan_store
    monkeypatch.setattr(rescan, "scan_store", lambda p: read.append(p) or real(p))
    first = rescan.scan_files([store], cache)
    again = rescan.scan_files([store], cache)
    assert read == [store]
    assert again == first and first[0][0].sessions[0].session_id == "plain-1"
    write_plain(store, "plain-1", ("Rome",))
    changed = rescan.scan_files([store], cache)
    assert read == [store, store]
    assert changed[0][0].sessions[0].message_count == first[0][0].sessions[0].message_count + 4


def test_a_file_opened_on_its_own_is_not_listed_with_its_folder(
    store_folder: Path, tmp_path: Path
) -> None:
    """A dropped notes.txt is kept as 'not SQLite', but a folder listing never takes it."""
    from agency_desktop.stores.errors import ProblemKind
    from agency_desktop.stores.listing import iter_candidate_files
    from agency_desktop.stores.rescan import Removed, rescan_changes, scan_files
    from agency_desktop.stores.scan_cache import ScanCache
    from agency_desktop.stores.signatures import file_signature
    from tests.helpers.stores import age_store

    cache = ScanCache(tmp_path / "scans.sqlite3")
    notes = store_folder / "notes.txt"
    notes.write_text("shopping list")
    for path in store_folder.iterdir():
        age_store(path, 60)
    ((checked, _),) = scan_files([notes], cache)
    assert checked.problem is not None and checked.problem.kind is ProblemKind.NOT_SQLITE
    with cache.opened() as remembered:
        assert remembered is not None
        assert remembered.lookup(notes, file_signature(notes)) is not None  # it was kept
    listed = rescan_changes(
        iter_candidate_files(store_folder, ordered=False), {}, cache, store_folder
    )
    names = {e[0].path.name for e in listed if not isinstance(e, Removed)}
    assert "plain.db" in names and "notes.txt" not in names
