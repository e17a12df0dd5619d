"""agency-sessions writing to a real PostgreSQL server: migrate and move a local session
to it, clean up its old sessions after the preview and a local backup; never a password
in what it prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agency_desktop.ops.server_cleanup import plan_server_cleanup, run_server_cleanup
from agency_desktop.stores.sqlite_file import SQLiteFileStore
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.cli import no_password, run
from tests.helpers.server_stores import (
    pg_session_ids,
    read_sqlalchemy,
    write_aged_sessions,
    write_sqlalchemy,
)
from tests.helpers.servers import PgDatabase
from tests.helpers.stores import item_texts, sdk_items, write_plain

OLD_DAYS = 40


@pytest.fixture
def local(tmp_path: Path) -> Path:
    return write_plain(tmp_path / "local.db", "local", ("Paris", "Oslo"))


@pytest.fixture
def server(postgres_database: PgDatabase) -> PgDatabase:
    return write_aged_sessions(postgres_database, OLD_DAYS)


def test_migrate_a_local_session_to_the_server(
    capsys: pytest.CaptureFixture[str], local: Path, server: PgDatabase, app_data: Path
) -> None:
    url = server.url(driver="asyncpg")  # as users paste it from their SDK code
    code, out, err = run(capsys, "migrate", local, url, "--session", "local")
    assert code == 0, err
    assert "wrote session 'local'" in out and "verified" in out
    assert read_sqlalchemy(url, "local") == sdk_items(local, "local")
    code, out, err = run(capsys, "migrate", local, url, "--session", "local")
    assert code == 2 and "already exists" in err
    code, out, err = run(
        capsys, "--json", "migrate", local, url, "--session", "local", "--new-id", "recent",
        "--overwrite",
    )  # fmt: skip
    assert code == 0, err
    done = json.loads(out)
    assert done["replaced_session"] is True and done["path"].startswith("postgresql+asyncpg://")
    assert read_sqlalchemy(url, "recent") == sdk_items(local, "local")
    (replaced,) = (app_data / "backups").rglob("*.db")  # what was replaced, kept first
    assert len(sdk_items(replaced, "recent")) == 4
    no_password(server, out, err, replaced.as_posix())


def test_migrate_to_a_server_without_tables_only_creates_them_when_asked(
    capsys: pytest.CaptureFixture[str], local: Path, postgres_database: PgDatabase
) -> None:
    url = postgres_database.url()
    code, out, err = run(capsys, "migrate", local, url, "--session", "local")
    assert code != 0 and "--create-tables" in err
    code, out, err = run(capsys, "migrate", local, url, "--session", "local", "--create-tables")
    assert code == 0, err
    assert read_sqlalchemy(postgres_database.url(driver="asyncpg"), "local")
    no_password(postgres_database, out, err)


def test_the_read_only_role_cannot_migrate_and_is_told_why(
    capsys: pytest.CaptureFixture[str], local: Path, server: PgDatabase
) -> None:
    server.grant_select("agent_sessions", "agent_messages")
    code, out, err = run(capsys, "migrate", local, server.url(reader=True), "--session", "local")
    assert code != 0
    assert "lacks INSERT on table agent_sessions" in err
    assert "local" not in pg_session_ids(server)
    no_password(server, out, err)


def test_move_a_local_session_to_the_server(
    capsys: pytest.CaptureFixture[str], local: Path, server: PgDatabase, app_data: Path
) -> None:
    texts = item_texts(local, "local")
    code, out, err = run(capsys, "move", local, server.url(), "--session", "local")
    assert code == 0, err
    assert "moved 'local'" in out and "backed up" in out
    with server.connect() as admin:
        rows = admin.execute(
            "SELECT message_data FROM agent_messages WHERE session_id = 'local'"
            " ORDER BY created_at, id"
        ).fetchall()
    assert [row[0] for row in rows] == texts
    assert [s.session_id for s in SQLiteFileStore(local).sessions()] == []
    no_password(server, out, err)


def test_move_to_a_server_without_tables_only_creates_them_when_asked(
    capsys: pytest.CaptureFixture[str], local: Path, postgres_database: PgDatabase
) -> None:
    url, items = postgres_database.url(), sdk_items(local, "local")
    code, out, err = run(capsys, "move", local, url, "--session", "local")
    assert code != 0 and "--create-tables" in err
    assert sdk_items(local, "local") == items  # nothing moved
    code, out, err = run(capsys, "move", local, url, "--session", "local", "--create-tables")
    assert code == 0, err
    assert read_sqlalchemy(postgres_database.url(driver="asyncpg"), "local") == items
    assert [s.session_id for s in SQLiteFileStore(local).sessions()] == []
    no_password(postgres_database, out, err)


def test_move_a_server_session_into_a_file(
    capsys: pytest.CaptureFixture[str], server: PgDatabase, tmp_path: Path, app_data: Path
) -> None:
    sdk_url = server.url(driver="asyncpg")
    items = read_sqlalchemy(sdk_url, "recent")
    target = tmp_path / "moved.db"
    code, out, err = run(capsys, "move", sdk_url, target, "--session", "recent")
    assert code == 0, err
    assert "moved 'recent'" in out and "backed up" in out
    assert sdk_items(target, "recent") == items  # the SDK's SQLiteSession reads it
    assert pg_session_ids(server) == {"old-1", "old-2"}
    [backup] = app_data.rglob("*.db")  # the server has no trash: a local copy first
    assert sdk_items(backup, "recent") == items
    server.grant_select("agent_sessions", "agent_messages")
    code, out, err = run(capsys, "move", server.url(reader=True), target, "--session", "old-1")
    assert code != 0 and "lacks DELETE on table agent_sessions" in err  # before any copy
    assert [s.session_id for s in SQLiteFileStore(target).sessions()] == ["recent"]
    no_password(server, out, err)


def test_cleanup_previews_exactly_what_goes_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], server: PgDatabase
) -> None:
    code, out, err = run(
        capsys, "cleanup", server.url(), "--older-than", OLD_DAYS - 10, "--dry-run"
    )
    assert code == 0, err
    listed = [line.split("'")[1] for line in out.splitlines() if "delete session" in line]
    assert sorted(listed) == ["old-1", "old-2"]
    assert "2 sessions, 8 items" in out and "dry run" in out
    assert pg_session_ids(server) == {"old-1", "old-2", "recent"}
    no_password(server, out, err)


def test_cleanup_backs_up_locally_before_deleting(
    capsys: pytest.CaptureFixture[str], server: PgDatabase, app_data: Path
) -> None:
    code, out, err = run(
        capsys, "--json", "cleanup", server.url(), "--older-than", OLD_DAYS - 10, "--yes"
    )
    assert code == 0, err
    done = json.loads(out)
    assert sorted(done["deleted_sessions"]) == ["old-1", "old-2"]
    assert pg_session_ids(server) == {"recent"}
    backup = Path(done["backup"])
    assert len(sdk_items(backup, "old-1")) == len(sdk_items(backup, "old-2")) == 4
    no_password(server, out, err, backup.as_posix())


def test_the_backup_opens_with_the_sdk_before_anything_is_deleted(
    server: PgDatabase, tmp_path: Path
) -> None:
    plan = plan_server_cleanup(server.url(), OLD_DAYS - 10)
    assert sorted(s.session_id for s in plan.sessions) == ["old-1", "old-2"]
    seen: list[tuple[set[str], int]] = []

    def progress(done: int, total: int, message: str) -> None:
        if message == "deleting":
            (backup,) = tmp_path.glob("*/*.db")
            seen.append((pg_session_ids(server), len(sdk_items(backup, "old-2"))))

    report = run_server_cleanup(plan, backup_dir=tmp_path, progress=progress)
    assert seen == [({"old-1", "old-2", "recent"}, 4)]
    assert report.items_deleted == 8 and report.backup is not None
    assert pg_session_ids(server) == {"recent"}


def test_a_session_that_changed_since_the_preview_is_kept(
    server: PgDatabase, tmp_path: Path
) -> None:
    plan = plan_server_cleanup(server.url(), OLD_DAYS - 10)
    write_sqlalchemy(server.url(driver="asyncpg"), "old-1", ("Oslo",))  # new activity
    report = run_server_cleanup(plan, backup_dir=tmp_path)
    assert [s.session_id for s in report.deleted_sessions] == ["old-2"]
    assert [sid for sid, _ in report.skipped] == ["old-1"]
    assert pg_session_ids(server) == {"old-1", "recent"}


def test_a_cancelled_cleanup_deletes_nothing(server: PgDatabase, tmp_path: Path) -> None:
    plan = plan_server_cleanup(server.url(), OLD_DAYS - 10)
    cancel = CancelToken()

    def progress(done: int, total: int, message: str) -> None:
        if message == "backing up":
            cancel.cancel()

    with pytest.raises(OperationCancelled):
        run_server_cleanup(plan, backup_dir=tmp_path, progress=progress, cancel=cancel)
    assert pg_session_ids(server) == {"old-1", "old-2", "recent"}
