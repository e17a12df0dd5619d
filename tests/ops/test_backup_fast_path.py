"""backup_store copies a store's bytes when they cannot change under it, and falls back to
SQLite's online backup when the WAL holds frames; either way the copy is one snapshot."""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.ops import backup
from agency_desktop.ops.backup import backup_store
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import folder_snapshot, integrity, item_texts, write_plain

POSIX = pytest.mark.skipif(os.name == "nt", reason="the copy runs in a cp child on POSIX only")


def _append(conn: sqlite3.Connection, session_id: str, text: str) -> None:
    conn.execute(
        "INSERT INTO agent_messages (session_id, message_data) VALUES (?, ?)", (session_id, text)
    )


def _rollback_mode(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The way Windows copies (its locks belong to a handle, so no child is needed)."""
    monkeypatch.setattr(backup, "COPY_IN_CHILD", False)
    monkeypatch.setattr(backup, "CHUNK_BYTES", 4096)


@pytest.fixture
def fake_cp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Yields a script path to write; backup_store then runs it instead of cp."""
    script = tmp_path / "fake-cp"
    monkeypatch.setattr(backup, "_cp", lambda: str(script))
    yield script


def _write_script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize("name", ["plain.db", "shared.db", "advanced.db", "custom.db"])
def test_a_store_without_wal_frames_is_copied_byte_for_byte(
    store_folder: Path, tmp_path: Path, name: str
) -> None:
    before = folder_snapshot(store_folder)
    result = backup_store(store_folder / name, tmp_path / "out.db")
    assert result.method == "file_copy"
    assert result.path.read_bytes() == (store_folder / name).read_bytes()
    assert integrity(result.path) == "ok"
    assert folder_snapshot(store_folder) == before  # unchanged, and no -wal/-shm left beside it


def test_the_in_process_copy_gives_the_same_file(
    in_process: None, store_folder: Path, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    result = backup_store(
        store_folder / "advanced.db",
        tmp_path / "out.db",
        progress=lambda done, total, _: seen.append((done, total)),
    )
    assert result.method == "file_copy"
    assert result.path.read_bytes() == (store_folder / "advanced.db").read_bytes()
    assert len(seen) > 2 and seen[-1][0] == seen[-1][1]  # reported chunk by chunk


def test_a_rollback_journal_store_takes_the_file_copy(store_folder: Path, tmp_path: Path) -> None:
    source = _rollback_mode(store_folder / "plain.db")
    result = backup_store(source, tmp_path / "out.db")
    assert result.method == "file_copy"
    assert item_texts(result.path, "plain-1") == item_texts(source, "plain-1")


def test_tables_without_rowid_and_virtual_tables_are_checked_too(
    store_folder: Path, tmp_path: Path
) -> None:
    source = store_folder / "plain.db"
    conn = sqlite3.connect(source)
    conn.execute("CREATE TABLE tags (name TEXT PRIMARY KEY, n INT) WITHOUT ROWID")
    conn.execute("INSERT INTO tags VALUES ('a', 1), ('b', 2)")
    conn.execute("CREATE VIRTUAL TABLE notes USING fts5(body)")
    conn.execute("INSERT INTO notes VALUES ('hello')")
    conn.commit()
    conn.close()
    result = backup_store(source, tmp_path / "out.db")
    assert result.method == "file_copy"
    copy = sqlite3.connect(result.path)
    assert copy.execute("SELECT name, n FROM tags ORDER BY name").fetchall() == [("a", 1), ("b", 2)]
    assert copy.execute("SELECT body FROM notes").fetchall() == [("hello",)]
    copy.close()


def test_wal_frames_take_the_online_backup_with_the_latest_commits(
    store_folder: Path, tmp_path: Path
) -> None:
    source = store_folder / "plain.db"
    writer = sqlite3.connect(source)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    _append(writer, "plain-1", "only in the WAL")
    writer.commit()  # the row lives in plain.db-wal while the writer stays open
    try:
        assert (store_folder / "plain.db-wal").stat().st_size > 0
        result = backup_store(source, tmp_path / "out.db")
    finally:
        writer.close()
    assert result.method == "online_backup"
    assert item_texts(result.path, "plain-1")[-1] == "only in the WAL"
    assert item_texts(result.path, "plain-1") == item_texts(source, "plain-1")
    assert integrity(result.path) == "ok"


@pytest.mark.parametrize("mode", ["wal", "rollback"])
def test_a_commit_during_the_file_copy_cannot_reach_it(
    store_folder: Path, tmp_path: Path, mode: str
) -> None:
    """A writer commits (and, in WAL mode, asks for a full checkpoint) while the bytes are
    being copied: the copy still holds exactly the snapshot, the store gets the row."""
    source = store_folder / "plain.db"
    if mode == "rollback":
        _rollback_mode(source)
    before = item_texts(source, "plain-1")
    writer = sqlite3.connect(source, timeout=0)
    wrote: list[bool] = []

    def write_now(done: int, total: int, message: str) -> None:
        if wrote:
            return
        wrote.append(True)
        _append(writer, "plain-1", "late")
        try:
            writer.commit()  # rollback mode: refused while the backup holds its SHARED lock
            writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.OperationalError as exc:
            assert mode == "rollback" and "locked" in str(exc)

    try:
        result = backup_store(source, tmp_path / "out.db", progress=write_now)
        writer.commit()  # the refused commit goes through once the backup is done
    finally:
        writer.close()
    assert wrote and result.method == "file_copy"
    assert item_texts(result.path, "plain-1") == before
    assert integrity(result.path) == "ok"
    assert item_texts(source, "plain-1") == [*before, "late"]


@pytest.mark.parametrize("mode", ["wal", "rollback"])
def test_backups_while_an_agent_appends_are_each_one_committed_state(
    tmp_path: Path, mode: str
) -> None:
    source = write_plain(tmp_path / "live.db", "live", ("Paris",) * 3)
    if mode == "rollback":
        _rollback_mode(source)
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_writing() -> None:
        try:
            if mode == "wal":
                session = SQLiteSession("live", source)
                while not stop.is_set():
                    asyncio.run(session.add_items([{"role": "user", "content": "more"}]))
                session.close()
                return
            conn = sqlite3.connect(source, timeout=10)
            while not stop.wait(0.001):  # a pause, as agents take: back to back, it starves readers
                _append(conn, "live", "more")
                conn.commit()
            conn.close()
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        results = [backup_store(source, tmp_path / f"copy{i}.db") for i in range(6)]
    finally:
        stop.set()
        writer.join()
    assert errors == []
    if mode == "rollback":  # no WAL: the bytes were copied while the agent kept writing
        assert any(result.method == "file_copy" for result in results)
    final = item_texts(source, "live")
    for result in results:
        copied = item_texts(result.path, "live")
        assert integrity(result.path) == "ok"
        assert copied == final[: len(copied)]  # a prefix of the store: nothing lost or doubled


def test_cancel_during_the_file_copy_leaves_nothing(store_folder: Path, tmp_path: Path) -> None:
    token = CancelToken()
    before = folder_snapshot(store_folder)
    with pytest.raises(OperationCancelled):
        backup_store(
            store_folder / "plain.db",
            tmp_path / "out" / "x.db",
            progress=lambda *_: token.cancel(),  # at the first report, before any byte
            cancel=token,
        )
    assert list((tmp_path / "out").iterdir()) == []
    assert folder_snapshot(store_folder) == before


def test_cancel_of_the_in_process_copy_leaves_nothing(
    in_process: None, store_folder: Path, tmp_path: Path
) -> None:
    token = CancelToken()
    calls: list[int] = []

    def progress(done: int, total: int, message: str) -> None:
        calls.append(done)
        if done:
            token.cancel()  # after the first chunk

    with pytest.raises(OperationCancelled):
        backup_store(
            store_folder / "advanced.db", tmp_path / "out" / "x.db", progress=progress, cancel=token
        )
    assert len(calls) == 2 and list((tmp_path / "out").iterdir()) == []


@POSIX
def test_cancel_stops_a_running_copy(fake_cp: Path, store_folder: Path, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    _write_script(fake_cp, f'echo $$ > "{pid_file}"\nexec sleep 60\n')
    token = CancelToken()

    def progress(done: int, total: int, message: str) -> None:
        if pid_file.exists() and pid_file.read_text().strip():
            token.cancel()  # the copy is under way

    with pytest.raises(OperationCancelled):
        backup_store(
            store_folder / "plain.db", tmp_path / "out" / "x.db", progress=progress, cancel=token
        )
    assert list((tmp_path / "out").iterdir()) == []
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # killed and reaped, not left running


@POSIX
@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("No space left on device", errno.ENOSPC),
        ("Disk quota exceeded", errno.EDQUOT),
        ("Permission denied", errno.EACCES),
        ("something cp says", errno.EIO),
    ],
)
def test_a_failed_copy_is_an_os_error_naming_the_target(
    fake_cp: Path, store_folder: Path, tmp_path: Path, line: str, code: int
) -> None:
    _write_script(fake_cp, f"echo \"cp: error writing '$3': {line}\" >&2\nexit 1\n")
    with pytest.raises(OSError) as caught:
        backup_store(store_folder / "plain.db", tmp_path / "out" / "x.db")
    assert caught.value.errno == code
    assert caught.value.filename == str(tmp_path / "out" / "x.db")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("way", ["child", "in_process"])
def test_a_full_disk_is_enospc_and_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, full_disk: Path, big_store: Path, way: str
) -> None:
    monkeypatch.setattr(backup, "COPY_IN_CHILD", way == "child")
    with pytest.raises(OSError) as caught:
        backup_store(big_store, full_disk / "copy.db")
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(full_disk / "copy.db")
    assert list(full_disk.iterdir()) == []


def _damage_a_table_page(path: Path) -> None:
    """Zero the leftmost leaf of agent_messages: count(*) reads the index, max(rowid) the
    rightmost path, so only a check that reads every page notices."""
    conn = sqlite3.connect(path)
    try:
        leaf = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'agent_messages' AND pagetype = 'leaf' "
            "ORDER BY path LIMIT 1"
        ).fetchone()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.OperationalError as exc:
        pytest.skip(f"no dbstat in this SQLite: {exc}")
    finally:
        conn.close()
    with path.open("r+b") as handle:
        handle.seek((leaf[0] - 1) * page_size)
        handle.write(bytes(page_size))


def test_quick_check_refuses_a_damaged_store_the_fast_check_copies_as_is(tmp_path: Path) -> None:
    source = tmp_path / "big.db"
    session = SQLiteSession("big", source)
    asyncio.run(session.add_items([{"role": "user", "content": "z" * 2000}] * 50))
    session.close()
    _damage_a_table_page(source)
    with pytest.raises(OSError, match="verification failed"):
        backup_store(source, tmp_path / "out" / "thorough.db", verify="quick_check")
    assert list((tmp_path / "out").iterdir()) == []
    result = backup_store(source, tmp_path / "out" / "fast.db")
    assert result.path.read_bytes() == source.read_bytes()  # what is there, nothing less


def test_a_connection_without_locks_never_copies_bytes(
    monkeypatch: pytest.MonkeyPatch, store_folder: Path, tmp_path: Path
) -> None:
    """An immutable connection (a folder we cannot write) holds no lock that would keep
    a writer out, so the file's bytes are not a snapshot: SQLite copies the pages."""
    from agency_desktop.stores.readonly import open_readonly

    opened: list[bool] = []

    def immutable_open(path: Path) -> sqlite3.Connection:
        conn = open_readonly(path, brief=True)  # an idle WAL store: opened immutable
        opened.append(conn.immutable)  # type: ignore[attr-defined]
        return conn

    monkeypatch.setattr(backup, "open_readonly", immutable_open)
    result = backup_store(store_folder / "plain.db", tmp_path / "out.db")
    assert opened == [True] and result.method == "online_backup"
    assert item_texts(result.path, "plain-1") == item_texts(store_folder / "plain.db", "plain-1")


@POSIX
def test_a_file_that_changes_during_the_byte_copy_is_copied_again_by_sqlite(
    fake_cp: Path, store_folder: Path, tmp_path: Path
) -> None:
    """Should a write reach the file during the copy after all, its mtime gives it away."""
    source = store_folder / "plain.db"
    _write_script(fake_cp, 'cp -- "$2" "$3" && touch -d "+5 seconds" "$2"\n')
    result = backup_store(source, tmp_path / "out.db")
    assert result.method == "online_backup"
    assert integrity(result.path) == "ok"
    assert item_texts(result.path, "plain-1") == item_texts(source, "plain-1")
