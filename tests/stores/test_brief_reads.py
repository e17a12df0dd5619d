"""Listing reads idle WAL stores without locks, and streams results while files are listed."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.stores import parallel
from agency_desktop.stores.errors import ProblemKind, StoreError
from agency_desktop.stores.listing import read_store_sessions
from agency_desktop.stores.readonly import check_sqlite_header, is_idle_wal_store, read_briefly
from agency_desktop.stores.rescan import rescan_changes
from tests.helpers.stores import folder_snapshot, write_plain


def test_a_closed_sdk_store_is_idle_and_an_open_one_is_not(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "s.db", "s-1", ("Paris",))
    assert is_idle_wal_store(path, check_sqlite_header(path))
    session = SQLiteSession("s-1", path)
    try:
        asyncio.run(session.get_items())  # the agent's connection opens the WAL
        assert not is_idle_wal_store(path, check_sqlite_header(path))
        asyncio.run(session.add_items([{"role": "user", "content": "Lima?"}]))
        # An ordinary read sees the item still in the agent's WAL.
        (info,) = read_store_sessions(path)
        assert info.message_count == 5
    finally:
        session.close()


def test_brief_listing_leaves_the_folder_byte_identical(store_folder: Path) -> None:
    before = folder_snapshot(store_folder)
    for path in sorted(store_folder.glob("*.db")):
        read_store_sessions(path)
    assert folder_snapshot(store_folder) == before


def test_a_failed_brief_read_is_retried_on_an_ordinary_connection(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "s.db", "s-1", ("Paris",))
    calls: list[int] = []

    def read(conn: object) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise StoreError(path, ProblemKind.CORRUPT, "a torn read")
        return "read"

    assert read_briefly(path, read) == "read"
    assert len(calls) == 2


def test_files_are_handed_to_the_workers_while_the_folder_is_still_being_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = write_plain(tmp_path / "template.db", "t-1", ("Paris",))
    folder = tmp_path / "many"
    folder.mkdir()
    paths = []
    for n in range(parallel.INLINE_LIMIT + 200):
        paths.append(folder / f"s-{n:03}.db")
        shutil.copyfile(template, paths[-1])
    listed: list[Path] = []
    listed_at_submit: list[int] = []
    submit = parallel.submit

    def counting_submit(*args: Any, **kwargs: Any) -> Any:
        listed_at_submit.append(len(listed))
        return submit(*args, **kwargs)

    monkeypatch.setattr(parallel, "submit", counting_submit)

    def listing() -> Iterator[Path]:
        for path in paths:
            listed.append(path)
            yield path

    results = list(rescan_changes(listing(), {}))
    assert listed_at_submit[0] < len(paths) // 2
    assert len(results) == len(paths)
    assert all(scan.problem is None and signature is not None for scan, signature in results)  # type: ignore[misc]
