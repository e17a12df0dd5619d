"""A store a writer holds: viewing waits a moment, says it is busy, tries again later,
and never makes the writer wait."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agency_desktop.stores.errors import ProblemKind
from agency_desktop.stores.listing import scan_store
from agency_desktop.stores.paging import SessionReader
from agency_desktop.ui.models.session_list import Column


def _rollback_store(store_folder: Path, folder: Path) -> Path:
    folder.mkdir()
    path = Path(shutil.copy2(store_folder / "plain.db", folder / "plain.db"))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


@pytest.fixture
def held(store_folder: Path, tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A rollback-journal store whose writer holds an exclusive lock mid-transaction."""
    path = _rollback_store(store_folder, tmp_path / "held")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("UPDATE agent_sessions SET updated_at = updated_at")
    yield path, writer
    if writer.in_transaction:
        writer.execute("ROLLBACK")
    writer.close()


def test_a_held_store_is_reported_busy_not_hung(held: tuple[Path, sqlite3.Connection]) -> None:
    path, _writer = held
    scan = scan_store(path)  # waits out the busy timeout (2 s), then says so
    assert scan.problem is not None and scan.problem.kind is ProblemKind.LOCKED
    assert str(path) in scan.problem.message


@pytest.mark.parametrize("journal", ["wal", "rollback"])
def test_an_open_viewer_never_makes_a_writer_wait(
    store_folder: Path, tmp_path: Path, journal: str
) -> None:
    """Between reads the viewer holds no lock: a writer with no patience at all commits."""
    if journal == "rollback":
        path = _rollback_store(store_folder, tmp_path / "store")
    else:
        path = Path(shutil.copy2(store_folder / "plain.db", tmp_path / "plain.db"))
    with SessionReader(path, "plain-1") as viewer:
        viewer.page_after(None, 5)
        writer = sqlite3.connect(path, timeout=0)
        try:
            with writer:
                writer.execute("UPDATE agent_sessions SET updated_at = updated_at")
        finally:
            writer.close()
        assert viewer.page_before(None, 5)  # and the viewer reads on


def test_the_window_shows_a_held_store_as_locked_then_reads_it_once_it_is_let_go(
    qtbot: Any,
    main_window: Any,
    held: tuple[Path, sqlite3.Connection],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agency_desktop.ui import folder_scanner

    monkeypatch.setattr(folder_scanner, "POLL_INTERVAL_MS", 300)
    path, writer = held
    window = main_window(path.parent)
    model = window.session_model
    qtbot.waitUntil(lambda: model.problem_count() == 1, timeout=15_000)
    assert model.index(0, Column.STATE).data() == "locked"
    writer.execute("ROLLBACK")  # the writer gives up: the file does not change at all
    qtbot.waitUntil(lambda: window.session_model.session_count() == 1, timeout=15_000)
    assert window.session_model.index(0, Column.STATE).data() == "ok"
