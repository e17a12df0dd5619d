"""Every operation that writes a file, onto a full disk and into a folder it may not write:
a clear OSError naming the destination, the source as it was, and nothing left behind
(temporary files included)."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.ops.archive import backup_archive
from agency_desktop.ops.backup import backup_store
from agency_desktop.ops.export import ExportFormat, export_session
from agency_desktop.ops.importing import import_items
from agency_desktop.ops.migrate import copy_session, migrate_session_to_file
from tests.helpers.stores import item_texts
from tests.reliability import figures

Write = Callable[[Path, Path], object]


def _migrate(source: Path, target: Path) -> object:
    memory = SQLiteSession("big")
    asyncio.run(memory.add_items([{"role": "user", "content": "z" * 2000}] * 200))
    try:
        return migrate_session_to_file(memory, target / "kept.db")
    finally:
        memory.close()


def _import(source: Path, target: Path) -> object:
    items = source.with_name("items.jsonl")
    export_session(source, "big", "jsonl", items)
    return import_items(items, target / "imported.db", "imported")


WRITES: dict[str, Write] = {
    "backup": lambda source, target: backup_store(source, target / "copy.db"),
    "archive": lambda source, target: backup_archive([source], target / "all.zip"),
    "copy": lambda source, target: copy_session(source, "big", target / "copy.db"),
    "migrate": _migrate,
    "import": _import,
    **{
        f"export {fmt}": (
            lambda source, target, fmt=fmt: export_session(
                source, "big", fmt, target / f"e.{fmt.extension}"
            )
        )
        for fmt in ExportFormat
    },
}


@pytest.mark.parametrize("operation", sorted(WRITES))
def test_onto_a_full_disk(full_disk: Path, big_store: Path, operation: str) -> None:
    before = big_store.read_bytes()
    with pytest.raises(OSError) as caught:
        WRITES[operation](big_store, full_disk)
    assert caught.value.errno == errno.ENOSPC or "space" in str(caught.value).lower()
    assert str(full_disk) in str(caught.value) or caught.value.filename
    assert list(full_disk.iterdir()) == []  # temporary files too
    assert big_store.read_bytes() == before
    figures.count("faults injected: full disk")


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A folder no write may enter, root's included (an immutable folder)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:
        if (
            shutil.which("chattr") is None
            or subprocess.run(
                ["chattr", "+i", str(locked)], check=False, capture_output=True
            ).returncode
        ):
            pytest.skip("no way to deny root a write on this filesystem")
    else:
        locked.chmod(0o555)
    try:
        yield locked
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(locked)], check=True)
        else:
            locked.chmod(0o755)


@pytest.mark.parametrize("operation", sorted(WRITES))
def test_into_a_folder_it_may_not_write(unwritable: Path, big_store: Path, operation: str) -> None:
    before = item_texts(big_store, "big")
    with pytest.raises(PermissionError) as caught:
        WRITES[operation](big_store, unwritable)
    assert str(unwritable) in str(caught.value)
    assert list(unwritable.iterdir()) == []
    assert item_texts(big_store, "big") == before
    figures.count("faults injected: permission denied")
