from __future__ import annotations

import json
import re
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from agency_desktop.ops.archive import backup_archive
from agency_desktop.ops.archive_format import MANIFEST_NAME
from agency_desktop.ops.folder_backup import backup_many
from agency_desktop.ops.restore import RestoreAction, RestoreItem, plan_restore, run_restore
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import item_texts, write_plain

SESSIONS = {
    "plain.db": [("plain-1", "agent_messages")],
    "shared.db": [("shared-a", "agent_messages"), ("shared-b", "agent_messages")],
    "advanced.db": [("adv-1", "agent_messages")],
    "custom.db": [("custom-1", "my_items")],
}
LONG_AGO = "2020-01-01 00:00:00"


def _backups(store_folder: Path, tmp_path: Path, *names: str) -> Path:
    out = tmp_path / "backups"
    summary = backup_many([store_folder / n for n in names or SESSIONS], out)
    assert summary.failures == []
    return out


def _texts(path: Path) -> dict[str, list[str]]:
    return {sid: item_texts(path, sid, table) for sid, table in SESSIONS[path.name]}


def _age(path: Path) -> None:
    """Move every timestamp of a plain store far into the past: its last activity is then older."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE agent_sessions SET created_at = ?, updated_at = ?", (LONG_AGO,) * 2)
        conn.execute("UPDATE agent_messages SET created_at = ?", (LONG_AGO,))
    conn.close()


def _files_in(folder: Path) -> list[str]:
    """Everything in a folder, hidden temporary files included.

    -wal/-shm are left out: item_texts reads with mode=ro, which leaves them behind.
    """
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if not p.name.endswith(("-wal", "-shm"))
    )


def _actions(items: tuple[RestoreItem, ...]) -> dict[str, RestoreAction]:
    return {item.name: item.action for item in items}


def test_restore_into_an_empty_folder(store_folder: Path, tmp_path: Path) -> None:
    plan = plan_restore(_backups(store_folder, tmp_path), tmp_path / "restored")
    assert _actions(plan.items) == dict.fromkeys(SESSIONS, RestoreAction.NEW)
    report = run_restore(plan, conflict="skip")
    assert report.failed == [] and report.skipped == []
    assert [r.path for r in report.restored] == [
        tmp_path / "restored" / n for n in sorted(SESSIONS)
    ]
    for name in SESSIONS:
        assert _texts(tmp_path / "restored" / name) == _texts(store_folder / name)
    assert _files_in(tmp_path / "restored") == sorted(SESSIONS)


def test_a_restored_folder_is_identical_to_its_backup(store_folder: Path, tmp_path: Path) -> None:
    backups = _backups(store_folder, tmp_path)
    run_restore(plan_restore(backups, tmp_path / "restored"), conflict="replace")
    again = plan_restore(backups, tmp_path / "restored")
    assert _actions(again.items) == dict.fromkeys(SESSIONS, RestoreAction.IDENTICAL)
    report = run_restore(again, conflict="replace", backup_dir=tmp_path / "before")
    assert report.restored == [] and len(report.skipped) == 4
    assert all("identical" in reason for _, reason in report.skipped)
    assert not (tmp_path / "before").exists()


def test_plan_tells_an_older_backup_from_a_newer_one(store_folder: Path, tmp_path: Path) -> None:
    backups = _backups(store_folder, tmp_path, "plain.db", "shared.db")
    _age(backups / "plain.db")  # the folder's plain.db saw activity after this backup
    _age(store_folder / "shared.db")  # the backup of shared.db is the more recent one
    plan = plan_restore(backups, store_folder)
    assert _actions(plan.items) == {
        "plain.db": RestoreAction.OLDER_IN_BACKUP,
        "shared.db": RestoreAction.NEWER_IN_BACKUP,
    }
    plain, shared = plan.items
    assert plain.backup_last_activity and plain.current_last_activity
    assert plain.backup_last_activity < plain.current_last_activity
    assert shared.backup_last_activity and shared.current_last_activity
    assert shared.backup_last_activity > shared.current_last_activity
    assert plan.conflicts == plan.items


def test_skip_leaves_existing_files_alone(store_folder: Path, tmp_path: Path) -> None:
    backups = _backups(store_folder, tmp_path, "plain.db")
    write_plain(store_folder / "plain.db", "plain-1", ("Rome",))
    before = (store_folder / "plain.db").read_bytes()
    report = run_restore(plan_restore(backups, store_folder), conflict="skip")
    assert report.restored == [] and len(report.skipped) == 1
    assert (store_folder / "plain.db").read_bytes() == before


def test_keep_both_restores_beside_the_existing_file(store_folder: Path, tmp_path: Path) -> None:
    backups = _backups(store_folder, tmp_path, "plain.db")
    write_plain(store_folder / "plain.db", "plain-1", ("Rome",))
    before = (store_folder / "plain.db").read_bytes()
    report = run_restore(plan_restore(backups, store_folder), conflict="keep_both")
    (restored,) = report.restored
    assert re.fullmatch(r"plain \(restored \d{4}-\d\d-\d\d \d{4}\)\.db", restored.path.name)
    assert restored.path.parent == store_folder and restored.backup is None
    assert (store_folder / "plain.db").read_bytes() == before
    assert item_texts(restored.path, "plain-1") == item_texts(backups / "plain.db", "plain-1")
    second = run_restore(plan_restore(backups, store_folder), conflict="keep_both")
    assert second.restored[0].path not in (restored.path, store_folder / "plain.db")


def test_replace_backs_up_the_current_file_first(
    store_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    backups = _backups(store_folder, tmp_path, "plain.db")
    write_plain(store_folder / "plain.db", "plain-1", ("Rome",))
    current = item_texts(store_folder / "plain.db", "plain-1")
    report = run_restore(plan_restore(backups, store_folder), conflict="replace")
    (restored,) = report.restored
    assert restored.path == store_folder / "plain.db"
    assert item_texts(restored.path, "plain-1") == item_texts(backups / "plain.db", "plain-1")
    assert restored.backup is not None and report.backups == [restored.backup]
    assert restored.backup.parent == tmp_path / "data" / "backups" / "before-restore"
    assert item_texts(restored.backup, "plain-1") == current
    assert _files_in(store_folder) == sorted([*SESSIONS, "notes.txt"])


def test_replace_refuses_a_store_whose_wal_holds_data(
    store_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    backups = _backups(store_folder, tmp_path, "plain.db")
    target = store_folder / "plain.db"
    holder = sqlite3.connect(target)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("PRAGMA wal_autocheckpoint=0")
    holder.execute("INSERT INTO agent_messages (session_id, message_data) VALUES ('plain-1', '{}')")
    holder.commit()  # the row lives in plain.db-wal while the holder stays open
    try:
        plan = plan_restore(backups, store_folder)
        assert plan.items[0].action is not RestoreAction.IDENTICAL
        report = run_restore(plan, conflict="replace")
        assert report.restored == [] and report.failed == []
        ((item, reason),) = report.skipped
        assert item.target == target and "in use" in reason
        assert item_texts(target, "plain-1")[-1] == "{}"
        assert not (tmp_path / "data" / "backups").exists()
    finally:
        holder.close()


def test_restore_from_an_archive(store_folder: Path, tmp_path: Path) -> None:
    write_plain(store_folder / "team" / "plain.db", "plain-1", ("Lima",))
    stores = [*(store_folder / n for n in SESSIONS), store_folder / "team" / "plain.db"]
    archive = backup_archive(stores, tmp_path / "b.zip", root=store_folder).path
    folder = tmp_path / "restored"
    plan = plan_restore(archive, folder)
    assert [(i.name, i.member, i.action) for i in plan.items] == [
        *((n, n, RestoreAction.NEW) for n in SESSIONS),
        ("team/plain.db", "team/plain.db", RestoreAction.NEW),
    ]
    report = run_restore(plan, conflict="skip")
    assert report.failed == [] and len(report.restored) == 5
    for name in SESSIONS:
        assert _texts(folder / name) == _texts(store_folder / name)
    assert _texts(folder / "team" / "plain.db") == _texts(store_folder / "team" / "plain.db")
    assert _files_in(folder) == sorted([*SESSIONS, "team", "team/plain.db"])
    again = plan_restore(archive, folder)
    assert {i.action for i in again.items} == {RestoreAction.IDENTICAL}


def test_a_tampered_archive_member_is_not_restored(store_folder: Path, tmp_path: Path) -> None:
    good = backup_archive(
        [store_folder / "plain.db", store_folder / "shared.db"], tmp_path / "g.zip"
    )
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(good.path) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data if info.filename != "plain.db" else data[:-1] + b"!")
    folder = tmp_path / "restored"
    report = run_restore(plan_restore(tampered, folder), conflict="skip")
    assert [r.item.name for r in report.restored] == ["shared.db"]
    ((item, reason),) = report.failed
    assert item.name == "plain.db" and "sha256" in reason
    assert _files_in(folder) == ["shared.db"]


def test_archive_members_that_point_outside_the_folder_are_left_out(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    entry = {"name": "../evil.db", "sha256": "0" * 64, "size_bytes": 1, "sessions": []}
    manifest = {"format": "agency-desktop-archive", "format_version": 1, "files": [entry]}
    with zipfile.ZipFile(archive, "w") as target:
        target.writestr(MANIFEST_NAME, json.dumps(manifest))
        target.writestr("../evil.db", b"x")
    plan = plan_restore(archive, tmp_path / "restored")
    assert plan.items == () and [name for name, _ in plan.problems] == ["../evil.db"]


def test_a_single_backed_up_store_can_be_restored(store_folder: Path, tmp_path: Path) -> None:
    backups = _backups(store_folder, tmp_path, "custom.db")
    plan = plan_restore(backups / "custom.db", tmp_path / "restored")
    assert [(i.name, i.source, i.action) for i in plan.items] == [
        ("custom.db", backups / "custom.db", RestoreAction.NEW)
    ]
    run_restore(plan, conflict="skip")
    assert _texts(tmp_path / "restored" / "custom.db") == _texts(store_folder / "custom.db")


def test_unreadable_files_among_backups_are_problems(
    store_folder: Path, broken_folder: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    _, files = broken_folder
    backups = _backups(store_folder, tmp_path, "plain.db")
    shutil.copy(files["random"], backups / "random.db")
    plan = plan_restore(backups, tmp_path / "restored")
    assert [i.name for i in plan.items] == ["plain.db"]
    assert [Path(path).name for path, _ in plan.problems] == ["random.db"]


@pytest.mark.parametrize("from_archive", [False, True])
def test_cancel_stops_between_stores_and_leaves_no_partial_file(
    store_folder: Path, tmp_path: Path, from_archive: bool
) -> None:
    token = CancelToken()

    def progress(done: int, total: int, message: str) -> None:
        if done == 1:
            token.cancel()

    stores = [store_folder / n for n in sorted(SESSIONS)]
    source = (
        backup_archive(stores, tmp_path / "b.zip").path
        if from_archive
        else _backups(store_folder, tmp_path)
    )
    plan = plan_restore(source, tmp_path / "restored")
    with pytest.raises(OperationCancelled):
        run_restore(plan, conflict="skip", progress=progress, cancel=token)
    assert _files_in(tmp_path / "restored") == ["advanced.db"]  # the plan is in name order


def test_an_unknown_conflict_policy_is_refused(store_folder: Path, tmp_path: Path) -> None:
    plan = plan_restore(_backups(store_folder, tmp_path, "plain.db"), tmp_path / "restored")
    with pytest.raises(ValueError, match="conflict"):
        run_restore(plan, conflict="overwrite")  # type: ignore[arg-type]
    assert not (tmp_path / "restored").exists()
