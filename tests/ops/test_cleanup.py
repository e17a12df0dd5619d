from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agency_desktop.ops.cleanup import plan_cleanup, run_cleanup
from agency_desktop.stores.listing import list_sessions
from tests.helpers.stores import write_advanced

LATER = datetime.now(UTC) + timedelta(days=40)  # everything written now is then 40 days old


class RecordingTrash:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[list[str]] = []

    def __call__(self, paths: list[str]) -> None:
        if self.fail:
            raise OSError("no trash on this filesystem")
        self.calls.append(paths)
        for path in paths:
            Path(path).unlink()


def _tables_holding(path: Path, session_id: str) -> dict[str, int]:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    counts = {}
    for table in tables:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        if "session_id" in columns:
            counts[table] = conn.execute(
                f"SELECT count(*) FROM {table} WHERE session_id=?", (session_id,)
            ).fetchone()[0]
    conn.close()
    return counts


def test_nothing_recent_is_planned(store_folder: Path) -> None:
    plan = plan_cleanup(store_folder, 30)
    assert plan.session_count == 0 and plan.files == () and plan.sessions == ()


def test_whole_files_go_to_trash_with_side_files(store_folder: Path, tmp_path: Path) -> None:
    plan = plan_cleanup(store_folder, 30, now=LATER)
    assert plan.session_count == 5 and len(plan.files) == 4
    trash = RecordingTrash()
    report = run_cleanup(plan, backup_dir=tmp_path / "backups", trash=trash)
    assert sorted(report.trashed_files) == sorted(f.path for f in plan.files)
    assert report.skipped == [] and report.backups == []
    assert list_sessions(store_folder) == []
    assert (store_folder / "notes.txt").exists()


def test_no_trash_means_backup_then_delete(store_folder: Path, tmp_path: Path) -> None:
    plan = plan_cleanup(store_folder, 30, now=LATER)
    report = run_cleanup(plan, backup_dir=tmp_path / "backups", trash=RecordingTrash(fail=True))
    assert len(report.deleted_files) == 4 and len(report.backups) == 4
    assert {b.parent.name for b in report.backups} == {"plain", "shared", "advanced", "custom"}
    assert sum(len(list_sessions(b.parent)) for b in report.backups) == 5


def test_one_session_of_a_shared_advanced_file_is_deleted_from_every_table(tmp_path: Path) -> None:
    folder = tmp_path / "stores"
    path = write_advanced(folder / "adv.db", "old-one")
    plan_now = LATER
    write_advanced(path, "kept")  # same file; we make it "recent" relative to the plan below
    conn = sqlite3.connect(path)
    conn.execute(
        "UPDATE agent_sessions SET updated_at = ? WHERE session_id = 'kept'",
        ((plan_now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),),
    )
    conn.commit()
    conn.close()
    assert _tables_holding(path, "old-one")["message_structure"] > 0
    plan = plan_cleanup(folder, 30, now=plan_now)
    assert [s.session_id for s in plan.sessions] == ["old-one"] and plan.files == ()
    report = run_cleanup(plan, backup_dir=tmp_path / "backups", trash=RecordingTrash())
    assert [s.session_id for s in report.deleted_sessions] == ["old-one"]
    left = _tables_holding(path, "old-one")
    data_tables = ("agent_messages", "agent_sessions", "message_structure", "turn_usage")
    assert {left[t] for t in data_tables} == {0}
    # as the SDK's clear_session does: reservations stay, the clear generation goes up
    assert left["session_clear_generations"] == 1
    conn = sqlite3.connect(path)
    query = "SELECT generation FROM session_clear_generations WHERE session_id = 'old-one'"
    assert conn.execute(query).fetchone() == (1,)
    conn.close()
    assert _tables_holding(path, "kept")["agent_messages"] == 8
    (backup,) = report.backups
    assert {i.session_id for i in list_sessions(backup.parent)} == {"old-one", "kept"}


def test_a_session_that_changed_after_the_preview_is_skipped(
    store_folder: Path, tmp_path: Path
) -> None:
    plan = plan_cleanup(store_folder, 30, now=LATER)
    conn = sqlite3.connect(store_folder / "plain.db")
    conn.execute("INSERT INTO agent_messages (session_id, message_data) VALUES ('plain-1', '{}')")
    conn.commit()
    conn.close()
    report = run_cleanup(plan, backup_dir=tmp_path / "backups", trash=RecordingTrash())
    assert [(p.name, why) for p, _, why in report.skipped] == [
        ("plain.db", "the session changed since the preview")
    ]
    assert (store_folder / "plain.db").exists()
    assert len(report.trashed_files) == 3


def test_a_store_an_agent_holds_open_is_not_trashed(store_folder: Path, tmp_path: Path) -> None:
    plan = plan_cleanup(store_folder, 30, now=LATER)
    holder = sqlite3.connect(store_folder / "plain.db", isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM agent_messages").fetchone()  # an open read snapshot
    other = sqlite3.connect(store_folder / "plain.db")
    other.execute("UPDATE agent_sessions SET session_id = session_id")  # leaves a WAL frame
    other.commit()
    other.close()
    try:
        report = run_cleanup(plan, backup_dir=tmp_path / "backups", trash=RecordingTrash())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert ("plain.db", "the store is in use by another program") in [
        (p.name, why) for p, _, why in report.skipped
    ]
    assert (store_folder / "plain.db").exists()


def test_with_automatic_backups_off_sessions_go_without_a_copy(
    store_folder: Path, tmp_path: Path
) -> None:
    from agency_desktop.ops.cleanup import plan_for_sessions

    shared_a = next(i for i in list_sessions(store_folder) if i.session_id == "shared-a")
    report = run_cleanup(
        plan_for_sessions([shared_a]),
        backup_dir=tmp_path / "backups",
        auto_backup=False,
        trash=RecordingTrash(),
    )
    assert [s.session_id for s in report.deleted_sessions] == ["shared-a"]
    assert report.backups == [] and not (tmp_path / "backups").exists()
    assert {i.session_id for i in list_sessions(store_folder)} == {
        "plain-1",
        "shared-b",
        "adv-1",
        "custom-1",
    }


def test_with_automatic_backups_off_an_untrashable_file_is_kept(
    store_folder: Path, tmp_path: Path
) -> None:
    plan = plan_cleanup(store_folder, 30, now=LATER)
    report = run_cleanup(
        plan, backup_dir=tmp_path / "b", auto_backup=False, trash=RecordingTrash(fail=True)
    )
    assert report.deleted_files == [] and report.backups == []
    assert len(report.skipped) == 4 and "automatic backups are off" in report.skipped[0][2]
    assert len(list_sessions(store_folder)) == 5
