"""The scan cache answers for files unchanged since they were read, and for nothing else."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from agency_desktop.stores import parallel
from agency_desktop.stores.errors import ProblemKind
from agency_desktop.stores.listing import StoreScan, iter_candidate_files
from agency_desktop.stores.records import StoreProblem
from agency_desktop.stores.rescan import Removed, rescan_changes
from agency_desktop.stores.scan_cache import ScanCache
from agency_desktop.stores.signatures import Signature, file_signature
from tests.helpers.stores import age_store, folder_snapshot, write_plain


def _scans(folder: Path, cache: ScanCache) -> dict[str, StoreScan]:
    found = rescan_changes(iter_candidate_files(folder, ordered=False), {}, cache, folder)
    return {entry[0].path.name: entry[0] for entry in found if not isinstance(entry, Removed)}


@pytest.fixture
def cache(tmp_path: Path) -> ScanCache:
    return ScanCache(tmp_path / "cache" / "scans.sqlite3")


@pytest.fixture
def read_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files actually opened and read (in this process: so few go inline)."""
    names: list[str] = []
    real = parallel.scan_store

    def scan_store(path: Path, size: int | None = None) -> StoreScan:
        names.append(path.name)
        return real(path, size)

    monkeypatch.setattr(parallel, "scan_store", scan_store)
    return names


def _answer_after(
    cache: ScanCache, path: Path, remembered: list[tuple[StoreScan, Signature | None, bool]]
) -> StoreScan | None:
    """What the cache answers for `path` at its current signature, in a later scan, after
    being given these (scan, signature, settled) in an earlier one."""
    with cache.opened() as earlier:
        assert earlier is not None
        for scan, signature, settled in remembered:
            earlier.remember(scan, signature, settled)
    with cache.opened() as later:
        assert later is not None
        return later.lookup(path, file_signature(path))


def _settled(folder: Path) -> Path:
    for path in folder.iterdir():
        age_store(path, 60)
    return folder


def test_a_settled_folder_is_read_once_then_answered_from_the_cache(
    store_folder: Path, cache: ScanCache, read_files: list[str]
) -> None:
    _settled(store_folder)
    first = _scans(store_folder, cache)
    assert sorted(read_files) == sorted(first)
    read_files.clear()
    before = folder_snapshot(store_folder)
    assert _scans(store_folder, cache) == first
    assert read_files == []
    assert folder_snapshot(store_folder) == before  # nothing written beside the stores


def test_a_changed_file_is_read_again(
    store_folder: Path, cache: ScanCache, read_files: list[str]
) -> None:
    _settled(store_folder)
    first = _scans(store_folder, cache)
    write_plain(store_folder / "plain.db", "plain-1", ("Rome",))  # an agent appends a turn
    read_files.clear()
    again = _scans(store_folder, cache)
    assert read_files == ["plain.db"]
    assert (
        again["plain.db"].sessions[0].message_count
        == first["plain.db"].sessions[0].message_count + 4
    )


def test_a_file_written_a_moment_ago_is_not_kept(
    store_folder: Path, cache: ScanCache, read_files: list[str]
) -> None:
    """Its next write might fall in the same mtime tick and go unnoticed."""
    _settled(store_folder)
    write_plain(store_folder / "plain.db", "plain-1", ("Rome",))
    _scans(store_folder, cache)
    read_files.clear()
    _scans(store_folder, cache)
    assert read_files == ["plain.db"]


def test_a_file_put_in_place_of_another_is_read_even_with_the_same_size_and_mtime(
    store_folder: Path, cache: ScanCache, read_files: list[str], tmp_path: Path
) -> None:
    """As a restore or `cp -p` leaves it: only the inode tells the two apart."""
    store = store_folder / "plain.db"
    _settled(store_folder)
    _scans(store_folder, cache)
    replacement = shutil.copyfile(store, tmp_path / "replacement.db")
    conn = sqlite3.connect(replacement)
    conn.execute("UPDATE agent_sessions SET session_id = 'plain-X' WHERE session_id = 'plain-1'")
    conn.execute("UPDATE agent_messages SET session_id = 'plain-X'")
    conn.commit()
    conn.close()
    old = store.stat()
    assert replacement.stat().st_size == old.st_size
    replacement.replace(store)
    os.utime(store, ns=(old.st_atime_ns, old.st_mtime_ns))
    read_files.clear()
    again = _scans(store_folder, cache)
    assert read_files == ["plain.db"]
    assert again["plain.db"].sessions[0].session_id == "plain-X"


def test_lasting_problems_are_kept(
    broken_folder: tuple[Path, dict[str, Path]], cache: ScanCache, read_files: list[str]
) -> None:
    folder, _files = broken_folder
    _settled(folder)
    first = _scans(folder, cache)
    assert {scan.problem.kind for scan in first.values() if scan.problem} >= {
        ProblemKind.EMPTY,
        ProblemKind.NOT_SQLITE,
        ProblemKind.NOT_A_STORE,
    }
    read_files.clear()
    assert _scans(folder, cache) == first
    assert read_files == []


@pytest.mark.parametrize("kind", [ProblemKind.LOCKED, ProblemKind.UNREADABLE])
def test_passing_problems_are_never_kept(
    store_folder: Path, cache: ScanCache, kind: ProblemKind
) -> None:
    """A lock is let go, a permission granted, without the file changing at all."""
    path = _settled(store_folder) / "plain.db"
    problem = StoreScan(path, problem=StoreProblem(path, kind))
    assert _answer_after(cache, path, [(problem, file_signature(path), True)]) is None


def test_a_cache_that_cannot_be_used_only_costs_a_read(
    store_folder: Path, tmp_path: Path, read_files: list[str]
) -> None:
    path = tmp_path / "scans.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    _settled(store_folder)
    first = _scans(store_folder, ScanCache(path))
    assert first == _scans(store_folder, ScanCache(path))
    assert len(read_files) == 2 * len(first)


def test_the_cache_holds_no_more_than_its_limit(
    store_folder: Path, cache: ScanCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agency_desktop.stores import scan_cache

    monkeypatch.setattr(scan_cache, "MAX_ENTRIES", 2)
    _settled(store_folder)
    _scans(store_folder, cache)
    conn = sqlite3.connect(cache.path)
    try:
        assert conn.execute("SELECT count(*) FROM scans").fetchone()[0] == 2
    finally:
        conn.close()


def test_a_folder_seen_before_is_answered_before_it_is_listed(
    store_folder: Path, cache: ScanCache, read_files: list[str]
) -> None:
    _settled(store_folder)
    (store_folder / "sub").mkdir()
    age_store(write_plain(store_folder / "sub" / "nested.db", "nested-1", ("Rome",)), 60)
    first = _scans(store_folder, cache)
    _scans(store_folder / "sub", cache)  # the cache now knows a subfolder's file too
    write_plain(store_folder / "plain.db", "plain-1", ("Rome",))  # changed since
    events: list[str] = []

    def listing() -> Iterator[Path]:
        events.append("listing")
        yield from iter_candidate_files(store_folder, ordered=False)

    read_files.clear()
    for entry in rescan_changes(listing(), {}, cache, store_folder):
        assert not isinstance(entry, Removed)
        events.append(entry[0].path.name)
    assert set(events[: events.index("listing")]) == set(first) - {"plain.db"}
    assert events[events.index("listing") + 1 :] == ["plain.db"]  # each file once
    assert read_files == ["plain.db"]


def test_a_scan_taken_before_the_files_were_settled_is_not_kept_however_late_it_comes(
    store_folder: Path, cache: ScanCache
) -> None:
    """What counts is whether the files were still when the signature was taken."""
    path = _settled(store_folder) / "plain.db"
    signature = file_signature(path)
    scan = _scans(store_folder, ScanCache(cache.path.with_name("other.sqlite3")))["plain.db"]
    assert _answer_after(cache, path, [(scan, signature, False), (scan, None, True)]) is None


def test_refresh_reads_every_file_and_keeps_what_it_read(
    store_folder: Path, cache: ScanCache, read_files: list[str]
) -> None:
    _settled(store_folder)
    first = _scans(store_folder, cache)
    read_files.clear()
    found = rescan_changes(
        iter_candidate_files(store_folder, ordered=False),
        {},
        cache,
        store_folder,
        reuse_cache=False,
    )
    again = {e[0].path.name: e[0] for e in found if not isinstance(e, Removed)}
    assert again == first and sorted(read_files) == sorted(first)
    read_files.clear()
    assert _scans(store_folder, cache) == first and read_files == []
