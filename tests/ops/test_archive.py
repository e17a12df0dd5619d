from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

import agency_desktop
from agency_desktop.ops import archive as archive_module
from agency_desktop.ops.archive import backup_archive
from agency_desktop.ops.archive_format import MANIFEST_NAME, verify_archive
from agency_desktop.ops.folder_backup import MANIFEST_PREFIX, backup_many
from agency_desktop.util.progress import CancelToken, OperationCancelled, ProgressCallback
from tests.helpers.stores import item_texts, write_plain

SESSIONS = {
    "plain.db": [("plain-1", "agent_messages")],
    "shared.db": [("shared-a", "agent_messages"), ("shared-b", "agent_messages")],
    "advanced.db": [("adv-1", "agent_messages")],
    "custom.db": [("custom-1", "my_items")],
}


def _stores(folder: Path) -> list[Path]:
    return [folder / name for name in SESSIONS]


def _assert_same_items(copy: Path, original: Path) -> None:
    for session_id, table in SESSIONS[original.name]:
        texts = item_texts(copy, session_id, table)
        assert texts and texts == item_texts(original, session_id, table)


def _everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _copies_under(folder: Path) -> list[str]:
    """What a folder backup holds besides its manifest."""
    return [name for name in _everything_under(folder) if not name.startswith(MANIFEST_PREFIX)]


def _cancel_at(step: int, token: CancelToken) -> ProgressCallback:
    def progress(done: int, total: int, message: str) -> None:
        if done == step:
            token.cancel()

    return progress


# --- backup_many ---------------------------------------------------------------------------


def test_backup_many_keeps_names_and_items(store_folder: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    summary = backup_many(
        _stores(store_folder), tmp_path / "out", progress=lambda *a: seen.append(a)
    )
    assert summary.failures == []
    assert [r.path for r in summary.results] == [tmp_path / "out" / name for name in SESSIONS]
    for result in summary.results:
        _assert_same_items(result.path, result.source)
    assert summary.total_bytes == sum(r.path.stat().st_size for r in summary.results)
    # Each store is reported as it is done (two threads: in any order), then the end.
    assert [done for done, _, _ in seen] == [1, 2, 3, 4, 4]
    assert sorted(name for _, _, name in seen[:-1]) == sorted(SESSIONS)
    assert seen[-1] == (4, 4, "done")
    manifest = json.loads(summary.manifest.read_text())
    listed = {copy["path"]: copy for copy in manifest["copies"]}
    assert list(listed) == list(SESSIONS)
    for result in summary.results:
        entry = listed[result.path.name]
        assert entry["size_bytes"] == result.path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(result.path.read_bytes()).hexdigest()


def test_backup_many_never_overwrites_on_a_name_clash(store_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    existing = write_plain(out / "plain.db", "someone-else", ("Lima",))
    before = existing.read_bytes()
    other = write_plain(tmp_path / "elsewhere" / "plain.db", "other-plain", ("Rome",))
    summary = backup_many([store_folder / "plain.db", other], out)
    assert summary.failures == [] and len(summary.results) == 2
    assert existing.read_bytes() == before
    first, second = (r.path for r in summary.results)
    assert len({first, second, existing}) == 3
    assert first.name.startswith("plain-") and second.name.startswith("plain-")
    assert item_texts(first, "plain-1") == item_texts(store_folder / "plain.db", "plain-1")
    assert item_texts(second, "other-plain") == item_texts(other, "other-plain")


def test_backup_many_reports_unreadable_stores_and_goes_on(
    store_folder: Path, broken_folder: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    _, files = broken_folder
    stores = [files["random"], store_folder / "plain.db", tmp_path / "missing.db"]
    summary = backup_many(stores, tmp_path / "out")
    assert [r.source for r in summary.results] == [store_folder / "plain.db"]
    assert [path for path, _ in summary.failures] == [files["random"], tmp_path / "missing.db"]
    assert "random.db" in summary.failures[0][1]
    assert _copies_under(tmp_path / "out") == ["plain.db"]


def test_backup_many_cancel_stops_between_stores(store_folder: Path, tmp_path: Path) -> None:
    token = CancelToken()
    with pytest.raises(OperationCancelled):
        backup_many(
            _stores(store_folder), tmp_path / "out", progress=_cancel_at(1, token), cancel=token
        )
    # What was being copied when the cancel came finished; nothing else was started,
    # and the manifest lists exactly the complete copies there are.
    everything = _everything_under(tmp_path / "out")
    [manifest] = [name for name in everything if name.startswith("backup-manifest-")]
    copies = sorted(name for name in everything if name != manifest)
    assert 1 <= len(copies) <= 2 and set(copies) <= set(SESSIONS)
    listed = json.loads((tmp_path / "out" / manifest).read_text())["copies"]
    assert sorted(copy["path"] for copy in listed) == copies
    for name in copies:
        _assert_same_items(tmp_path / "out" / name, store_folder / name)


# --- backup_archive ------------------------------------------------------------------------


def _manifest(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read(MANIFEST_NAME))
    assert isinstance(data, dict)
    return data


def test_archive_round_trip_keeps_every_item(store_folder: Path, tmp_path: Path) -> None:
    result = backup_archive(_stores(store_folder), tmp_path / "b.zip", root=store_folder)
    assert result.failures == () and result.path.exists()
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(result.path) as archive:
        assert archive.namelist() == [
            *SESSIONS,
            MANIFEST_NAME,
        ]  # the manifest last, once all are in
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        archive.extractall(unpacked)
    for name in SESSIONS:
        _assert_same_items(unpacked / name, store_folder / name)


def test_manifest_describes_each_member(store_folder: Path, tmp_path: Path) -> None:
    result = backup_archive(_stores(store_folder), tmp_path / "b.zip")
    manifest = _manifest(result.path)
    assert manifest["format_version"] == 1
    assert manifest["app_version"] == agency_desktop.__version__
    created = datetime.fromisoformat(str(manifest["created_at"]))
    assert created.utcoffset() == UTC.utcoffset(None)
    files = manifest["files"]
    assert isinstance(files, list)
    with zipfile.ZipFile(result.path) as archive:
        for entry in files:
            data = archive.read(entry["name"])
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
            assert entry["size_bytes"] == len(data)
            assert entry["original_path"] == str(store_folder / entry["name"])
            assert entry["quick_check"] == "ok"
    assert {e["name"]: e["sessions"] for e in files} == {
        name: sorted(sid for sid, _ in sessions) for name, sessions in SESSIONS.items()
    }
    assert verify_archive(result.path) == []


def test_member_names_follow_root_and_stay_unique(store_folder: Path, tmp_path: Path) -> None:
    nested = write_plain(store_folder / "team" / "plain.db", "team-1", ("Oslo",))
    stores = [store_folder / "plain.db", nested]
    with_root = backup_archive(stores, tmp_path / "a.zip", root=store_folder)
    assert [e.name for e in with_root.entries] == ["plain.db", "team/plain.db"]
    flat = backup_archive(stores, tmp_path / "b.zip")
    assert [e.name for e in flat.entries] == ["plain.db", "plain-2.db"]
    with pytest.raises(ValueError, match="not inside"):
        backup_archive(stores, tmp_path / "c.zip", root=store_folder / "team")
    assert not (tmp_path / "c.zip").exists()


def test_verify_archive_detects_a_tampered_member(store_folder: Path, tmp_path: Path) -> None:
    good = backup_archive(_stores(store_folder), tmp_path / "good.zip").path
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "plain.db":
                data = (store_folder / "shared.db").read_bytes()  # valid zip, wrong content
            target.writestr(info, data)
    problems = verify_archive(tampered)
    assert problems and all("plain.db" in p for p in problems)
    assert any("sha256" in p for p in problems)


def test_verify_archive_detects_damaged_bytes(store_folder: Path, tmp_path: Path) -> None:
    path = backup_archive([store_folder / "plain.db"], tmp_path / "b.zip").path
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("plain.db")
    data = bytearray(path.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
    assert verify_archive(path)
    (tmp_path / "not.zip").write_text("hello")
    assert verify_archive(tmp_path / "not.zip")


def test_an_unreadable_store_is_reported_not_fatal(
    store_folder: Path, broken_folder: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    _, files = broken_folder
    stores = [store_folder / "plain.db", files["random"], files["other_schema"]]
    result = backup_archive(stores, tmp_path / "b.zip")
    assert [e.name for e in result.entries] == ["plain.db"]
    assert [path for path, _ in result.failures] == [files["random"], files["other_schema"]]
    skipped = _manifest(result.path)["skipped"]
    assert isinstance(skipped, list)
    assert [s["path"] for s in skipped] == [str(files["random"]), str(files["other_schema"])]
    assert verify_archive(result.path) == []


def test_refuses_an_existing_target(store_folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.zip"
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        backup_archive([store_folder / "plain.db"], target)
    assert target.read_bytes() == b"keep me"


@pytest.mark.parametrize("step", range(5))  # 4 members, verification
def test_cancel_at_any_step_leaves_nothing(store_folder: Path, tmp_path: Path, step: int) -> None:
    token = CancelToken()
    with pytest.raises(OperationCancelled):
        backup_archive(
            _stores(store_folder),
            tmp_path / "new" / "b.zip",
            progress=_cancel_at(step, token),
            cancel=token,
        )
    assert not (tmp_path / "new").exists()


def test_failed_verification_publishes_nothing(
    store_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_module, "check_written", lambda path, written: ["plain.db: bad"])
    with pytest.raises(OSError, match="verification failed"):
        backup_archive([store_folder / "plain.db"], tmp_path / "out" / "b.zip")
    assert not (tmp_path / "out").exists()
