"""One contract for every operation: the GUI and the CLI call them the same way."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.ops import (
    archive,
    backup,
    cleanup,
    export,
    folder_backup,
    importing,
    maintenance,
    migrate,
    reorganise,
    restore,
)
from agency_desktop.ops.folder_backup import backup_many
from agency_desktop.ops.maintenance import vacuum_store
from agency_desktop.ops.reorganise import rename_session
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import item_texts

ENTRY_POINTS: list[Callable[..., object]] = [
    folder_backup.backup_many,
    archive.backup_archive,
    backup.backup_store,
    cleanup.run_cleanup,
    export.export_session,
    export.export_many,
    importing.import_items,
    maintenance.vacuum_store,
    maintenance.remove_empty_stores,
    migrate.copy_session,
    migrate.migrate_session_to_file,
    reorganise.move_session,
    reorganise.rename_session,
    reorganise.merge_stores,
    reorganise.split_store,
    restore.run_restore,
]


@pytest.mark.parametrize("operation", ENTRY_POINTS, ids=lambda f: f.__name__)
def test_every_operation_takes_progress_and_cancel(operation: Callable[..., object]) -> None:
    parameters = inspect.signature(operation).parameters
    for name in ("progress", "cancel"):
        assert name in parameters, f"{operation.__name__} has no {name}"
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default is None


def _cancel_on_first_report(token: CancelToken) -> Callable[[int, int, str], None]:
    def progress(done: int, total: int, message: str) -> None:
        token.cancel()

    return progress


def _store_with_free_pages(path: Path) -> None:
    session = SQLiteSession("s", path)
    asyncio.run(session.add_items([{"role": "user", "content": "x" * 5000}] * 200))
    # enough rows left for VACUUM to run past SQLite's next look at the cancel token
    asyncio.run(session.add_items([{"role": "user", "content": "keep"}] * 5000))
    session.close()
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM agent_messages WHERE message_data LIKE '%xxxx%'")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_a_cancel_inside_vacuum_stops_it_and_keeps_the_store(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    _store_with_free_pages(path)
    size = path.stat().st_size
    token = CancelToken()
    with pytest.raises(OperationCancelled):
        vacuum_store(path, progress=_cancel_on_first_report(token), cancel=token)
    assert path.stat().st_size == size  # nothing reclaimed: the VACUUM rolled back
    assert item_texts(path, "s")[-1] == '{"role": "user", "content": "keep"}'
    assert vacuum_store(path).reclaimed > 500_000  # and it can still run to the end


def test_a_cancel_inside_rename_changes_nothing(store_folder: Path) -> None:
    store = store_folder / "advanced.db"
    texts = item_texts(store, "adv-1")
    token = CancelToken()
    with pytest.raises(OperationCancelled):
        rename_session(
            store, "adv-1", "renamed", progress=_cancel_on_first_report(token), cancel=token
        )
    assert item_texts(store, "adv-1") == texts and item_texts(store, "renamed") == []


def test_folder_backup_keeps_subfolders_and_never_overwrites_unless_asked(
    store_folder: Path, tmp_path: Path
) -> None:
    nested = store_folder / "team" / "plain.db"
    nested.parent.mkdir()
    nested.write_bytes((store_folder / "plain.db").read_bytes())
    stores = [store_folder / "plain.db", nested]
    destination = tmp_path / "copies"
    first = backup_many(stores, destination, root=store_folder)
    assert not first.failures
    assert sorted(r.path.relative_to(destination).as_posix() for r in first.results) == [
        "plain.db",
        "team/plain.db",
    ]
    again = backup_many(stores[:1], destination, root=store_folder)
    assert again.results[0].path.name != "plain.db"  # a timestamped name beside it
    assert again.results[0].path.parent == destination
    replaced = backup_many(stores[:1], destination, root=store_folder, overwrite=True)
    assert replaced.results[0].path == destination / "plain.db"
    assert item_texts(destination / "plain.db", "plain-1") == item_texts(stores[0], "plain-1")
