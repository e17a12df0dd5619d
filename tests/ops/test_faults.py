"""Operations under faults: a full disk, a destination that cannot be written, a source
that is damaged or being written to. Afterwards nothing is lost, nothing duplicated, and
no temporary file is left behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.ops.backup import backup_store
from agency_desktop.ops.export import export_session
from agency_desktop.ops.migrate import copy_session
from agency_desktop.stores.errors import StoreError
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import item_texts, write_plain


def _no_leftovers(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp") or "-wal" in p.name] == []


def test_backup_onto_a_full_disk(full_disk: Path, big_store: Path) -> None:
    before = item_texts(big_store, "big")
    with pytest.raises(OSError) as caught:
        backup_store(big_store, full_disk / "copy.db")
    assert "copy.db" in str(caught.value) or "space" in str(caught.value)
    assert list(full_disk.iterdir()) == []
    assert item_texts(big_store, "big") == before


def test_copy_and_export_onto_a_full_disk(full_disk: Path, big_store: Path) -> None:
    before = item_texts(big_store, "big")
    with pytest.raises(OSError):
        copy_session(big_store, "big", full_disk / "copy.db")
    with pytest.raises(OSError):
        export_session(big_store, "big", "jsonl", full_disk / "e.jsonl")
    assert list(full_disk.iterdir()) == []
    assert item_texts(big_store, "big") == before


def test_copy_into_an_existing_store_on_a_full_disk_leaves_it_as_it_was(
    full_disk: Path, big_store: Path, tmp_path: Path
) -> None:
    target = write_plain(tmp_path / "small.db", "small")
    shutil.copy(target, full_disk / "small.db")
    with pytest.raises(OSError):
        copy_session(big_store, "big", full_disk / "small.db")
    assert item_texts(full_disk / "small.db", "big") == []
    assert len(item_texts(full_disk / "small.db", "small")) == 4


def test_unwritable_destination(tmp_path: Path, big_store: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:
        if (
            shutil.which("chattr") is None
            or subprocess.run(["chattr", "+i", str(locked)], check=False).returncode
        ):
            pytest.skip("no way to deny root a write on this filesystem")
    else:
        locked.chmod(0o555)
    try:
        for attempt in (
            lambda: backup_store(big_store, locked / "x.db"),
            lambda: copy_session(big_store, "big", locked / "x.db"),
            lambda: export_session(big_store, "big", "json", locked / "x.json"),
        ):
            with pytest.raises(PermissionError):
                attempt()
        assert list(locked.iterdir()) == []
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(locked)], check=True)
        else:
            locked.chmod(0o755)


def test_damaged_source_is_a_clear_error_and_writes_nothing(broken_folder, tmp_path: Path) -> None:
    _, files = broken_folder
    out = tmp_path / "out"
    out.mkdir()
    for name in ("truncated", "random", "empty"):
        with pytest.raises(StoreError) as caught:
            copy_session(files[name], "plain-1", out / "x.db")
        assert files[name].name in str(caught.value)
        with pytest.raises(StoreError):
            export_session(files[name], "plain-1", "json", out / "x.json")
    assert list(out.iterdir()) == []


def test_copy_while_an_agent_keeps_writing(tmp_path: Path) -> None:
    source = write_plain(tmp_path / "live.db", "live", ("Paris",) * 3)
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_writing() -> None:
        session = SQLiteSession("live", source)
        try:
            while not stop.is_set():
                asyncio.run(session.add_items([{"role": "user", "content": "more"}]))
        except BaseException as exc:
            errors.append(exc)
        finally:
            session.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        results = [copy_session(source, "live", tmp_path / f"copy{i}.db") for i in range(5)]
    finally:
        stop.set()
        writer.join()
    assert errors == []
    final = item_texts(source, "live")
    for result in results:
        copied = item_texts(result.path, "live")
        assert len(copied) == result.message_count
        assert copied == final[: len(copied)]  # a prefix of the source: nothing lost or doubled


def test_cancel_midway_leaves_no_partial_copy(big_store: Path, tmp_path: Path) -> None:
    token = CancelToken()
    calls = []

    def progress(done: int, total: int, message: str) -> None:
        calls.append(done)
        token.cancel()  # cancel after the first step has been reported

    with pytest.raises(OperationCancelled):
        backup_store(big_store, tmp_path / "out" / "b.db", progress=progress, cancel=token)
    assert calls and list((tmp_path / "out").iterdir()) == []
    token2 = CancelToken()
    with pytest.raises(OperationCancelled):
        export_session(
            big_store,
            "big",
            "jsonl",
            tmp_path / "e.jsonl",
            progress=lambda *_: token2.cancel(),
            cancel=token2,
        )
    assert not (tmp_path / "e.jsonl").exists()
    _no_leftovers(tmp_path)
