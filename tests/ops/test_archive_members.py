"""An archive of a folder too big to pack in one process: members made by the workers."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from agency_desktop.ops import folder_backup
from agency_desktop.ops.archive import CHUNK, backup_archive
from agency_desktop.ops.archive_format import MANIFEST_NAME, read_manifest, verify_archive
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import item_texts, write_plain

MANY = CHUNK + 8  # more than one chunk: packed in the worker processes


@pytest.fixture(scope="module")
def many_stores(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stores written by the SDK, each with a session of its own."""
    folder = tmp_path_factory.mktemp("many")
    for number in range(MANY):
        write_plain(folder / f"store-{number:02}.db", f"s-{number:02}", ("Paris",))
    return folder


def _stores(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.db"))


def test_members_made_by_the_workers_round_trip_in_order(many_stores: Path, tmp_path: Path) -> None:
    stores = _stores(many_stores)
    result = backup_archive(stores, tmp_path / "all.zip", root=many_stores)
    assert [entry.name for entry in result.entries] == [store.name for store in stores]
    assert verify_archive(result.path) == []
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(result.path) as archive:
        assert archive.namelist() == [*(s.name for s in stores), MANIFEST_NAME]
        entries = read_manifest(archive)
        archive.extractall(unpacked)
    assert [entry.sessions for entry in entries] == [(f"s-{n:02}",) for n in range(MANY)]
    assert {entry.quick_check for entry in entries} == {"ok"}
    for number, store in enumerate(stores):
        session = f"s-{number:02}"
        assert item_texts(unpacked / store.name, session) == item_texts(store, session)


@pytest.mark.skipif(shutil.which("unzip") is None, reason="needs Info-ZIP's unzip")
def test_another_zip_reader_finds_the_archive_sound(many_stores: Path, tmp_path: Path) -> None:
    result = backup_archive(_stores(many_stores), tmp_path / "all.zip")
    tested = subprocess.run(
        ["unzip", "-t", str(result.path)], capture_output=True, text=True, check=False
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "No errors detected" in tested.stdout


def test_a_store_too_big_to_hold_is_copied_and_compressed_here(
    many_stores: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = _stores(many_stores)
    monkeypatch.setattr(folder_backup, "SMALL_STORE_BYTES", stores[0].stat().st_size - 1)
    result = backup_archive(stores[:3], tmp_path / "big.zip")  # all three "large"
    assert [entry.name for entry in result.entries] == [store.name for store in stores[:3]]
    assert verify_archive(result.path) == []


def test_a_cancel_while_the_workers_pack_leaves_nothing(many_stores: Path, tmp_path: Path) -> None:
    token = CancelToken()

    def progress(done: int, total: int, message: str) -> None:
        if done == CHUNK + 2:  # inside the second chunk
            token.cancel()

    with pytest.raises(OperationCancelled):
        backup_archive(
            _stores(many_stores), tmp_path / "out" / "all.zip", progress=progress, cancel=token
        )
    assert not (tmp_path / "out").exists()


def test_a_member_written_wrong_is_caught_before_the_archive_is_published(
    many_stores: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agency_desktop.ops import archive as archive_module
    from agency_desktop.ops.archive_members import PackedMember, add_deflated

    def damaged(writer: zipfile.ZipFile, member: PackedMember) -> None:
        if member.entry.name == "store-35.db":  # in the second chunk
            wrong = bytearray(member.deflated)
            wrong[len(wrong) // 2] ^= 0xFF
            member = dataclasses.replace(member, deflated=bytes(wrong))
        add_deflated(writer, member)

    monkeypatch.setattr(archive_module, "add_deflated", damaged)
    with pytest.raises(OSError, match=r"verification failed: store-35\.db"):
        backup_archive(_stores(many_stores), tmp_path / "out" / "all.zip")
    assert not (tmp_path / "out").exists()
