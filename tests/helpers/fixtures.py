"""Shared fixtures: stores are written once per test run by the real SDK, then copied."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.stores import file_pins

from .stores import copy_folder, write_broken_files, write_long, write_store_folder

# More than two of row_totals.SPLIT_MIN_ROWS: a session this long is counted in two parts.
LONG_SESSION_ITEMS = 110_000
MANY_STORES = 1_000  # far more than parallel.INLINE_LIMIT: read by worker processes


@pytest.fixture(scope="session")
def _template_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_store_folder(tmp_path_factory.mktemp("template") / "stores")


@pytest.fixture
def store_folder(_template_folder: Path, tmp_path: Path) -> Path:
    """A fresh copy of the standard folder: plain, shared (two sessions), advanced, custom."""
    return copy_folder(_template_folder, tmp_path / "stores")


@pytest.fixture
def broken_folder(_template_folder: Path, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path / "broken"
    return folder, write_broken_files(folder, _template_folder / "plain.db")


@pytest.fixture(scope="session")
def long_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One session of LONG_SESSION_ITEMS items (session "long"), written by the SDK; read only."""
    return write_long(tmp_path_factory.mktemp("long") / "long.db", "long", LONG_SESSION_ITEMS)


@pytest.fixture(scope="session")
def many_stores(_template_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MANY_STORES copies of an SDK store in one folder; read only."""
    folder = tmp_path_factory.mktemp("many")
    for number in range(MANY_STORES):
        shutil.copyfile(_template_folder / "plain.db", folder / f"store-{number:04}.db")
    return folder


@pytest.fixture(autouse=True)
def no_store_left_open() -> Iterator[None]:
    """Fails the test that leaves a file pinned, rather than every window test after it."""
    before = file_pins.held_count()
    yield
    after = file_pins.held_count()
    assert after == before, f"stores held open: {before} before this test, {after} after"


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    """A QSettings file of the test's own, so tests never see each other's recent folders."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / f"settings-{uuid.uuid4().hex}.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def app_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app data folder of the test's own (notes, backups, caches are per test), with the
    demo folder shared: writing it runs the SDK, once per run is enough."""
    from agency_desktop.ops.demo import ensure_demo_folder
    from agency_desktop.util.paths import DATA_DIR_ENV

    data = tmp_path / "app-data"
    data.mkdir()
    shared = ensure_demo_folder(Path(os.environ[DATA_DIR_ENV]) / "demo")
    (data / "demo").symlink_to(shared, target_is_directory=True)
    monkeypatch.setenv(DATA_DIR_ENV, str(data))
    return data


@pytest.fixture
def main_window(qtbot: Any, settings: Any, app_data: Path) -> Iterator[Callable[..., Any]]:
    """Builds MainWindows; afterwards checks that each stopped every thread it started."""
    from agency_desktop.ui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(folder: Path | None = None, restore: bool = False) -> MainWindow:
        window = MainWindow(folder, settings=settings, restore=restore)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()
        assert window.workers.active == 0, "a worker was still running"
        assert not window.message_model._loader.qthread.isRunning(), (
            "the loader thread was left running"
        )
    assert file_pins.held_count() == 0, "a store was left open"


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a 64 KB filesystem: writes into it fail with ENOSPC."""
    mount_point = tmp_path / "full"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


@pytest.fixture
def big_store(tmp_path: Path) -> Path:
    """A store of 200 items of 2 KB each (about 500 KB), written by the SDK; random text,
    so that no compressed copy of it (an archive) fits where the store would not."""
    path = tmp_path / "big.db"
    session = SQLiteSession("big", path)
    items = [{"role": "user", "content": secrets.token_hex(1000)} for _ in range(200)]
    asyncio.run(session.add_items(items))
    session.close()
    return path
