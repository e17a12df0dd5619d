"""Killed mid-way (SIGKILL), an operation leaves no partial file under a final name and
the source as it was; run again, it completes.

Each operation runs in a process of its own (tests/reliability/killable.py) that waits
at its Nth progress report, where it is killed; N covers the start, the middle and the
end of each operation. An operation that finishes before its Nth report is checked as
finished instead.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from agents import SQLiteSession

from agency_desktop.ops import export_parts
from agency_desktop.ops.atomic import quick_check
from agency_desktop.ops.export import export_session
from agency_desktop.stores.listing import read_store_sessions
from tests.helpers.server_stores import add_sqlalchemy_items, write_sqlalchemy
from tests.helpers.servers import PostgresServer
from tests.helpers.stores import folder_snapshot, item_texts, write_plain
from tests.reliability import figures

ROOT = Path(__file__).resolve().parents[2]
# At a progress report (1: at the start), or a time into the work: most operations
# report only at their start and end, so the timed kills are the ones that land mid-write.
KILL_POINTS: tuple[int | str, ...] = (1, 2, 3, "after:0.02", "after:0.08", "after:0.2", "after:0.5")
KILLED_TIMEOUT_S = 60


@dataclass(frozen=True)
class Run:
    killed: bool
    output: str


def run_until(operation: str, kill_at: int | str, *args: object) -> Run:
    """Start the operation and SIGKILL it at its kill point (or let it end first): the
    Nth progress report, or "after:SECONDS" from its start."""
    command = [sys.executable, "-m", "tests.reliability.killable", operation, str(kill_at)]
    with subprocess.Popen(
        [*command, *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OPENAI_AGENTS_DISABLE_TRACING": "1"},
    ) as child:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        if line == "KILL_POINT":
            child.send_signal(signal.SIGKILL)
        rest, errors = child.communicate(timeout=KILLED_TIMEOUT_S)
    figures.count("killed mid-way: operations run")
    if child.returncode == -signal.SIGKILL:
        figures.count("killed mid-way: operations SIGKILLed before they ended")
        return Run(True, line)
    assert child.returncode == 0, errors
    return Run(False, line + rest)


def _source_intact(source: Path, before: bytes) -> None:
    """Its bytes as they were. A process killed while reading a WAL store cannot remove
    the -wal and -shm SQLite made for it: they may stay, the WAL empty (nothing in them
    is data, and the next program to open the store reuses them)."""
    assert source.read_bytes() == before
    wal = source.with_name(source.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def _visible(folder: Path) -> dict[str, str]:
    """What a user sees in a folder: our temporary files are hidden dot-files."""
    return {
        name: digest for name, digest in folder_snapshot(folder).items() if not name.startswith(".")
    }


@pytest.fixture(scope="module")
def _long_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sessions, one long enough that every operation reports progress many times."""
    path = write_plain(tmp_path_factory.mktemp("long") / "long.db", "short-1", ("Paris",))
    session = SQLiteSession("long-1", path)
    items = [
        {"role": "user", "content": f"Turn {n}: " + "weather in Paris " * 20} for n in range(6000)
    ]
    asyncio.run(session.add_items(items))
    session.close()
    return path


@pytest.fixture
def source(_long_store: Path, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "source"
    folder.mkdir()
    copy = folder / "long.db"
    copy.write_bytes(_long_store.read_bytes())
    yield copy


def _killed_before_publishing(run: Run, out: Path, target: Path) -> bool:
    """Whether the run was killed with nothing under the final name. A kill may land after
    the result took its name (the rename was the last step): then it is there, whole, as
    the checks after this say; anything else under a final name is a failure."""
    visible = list(_visible(out))
    assert visible in ([], [target.name])  # never a temporary file under a final name
    return run.killed and not visible


def _same_items(a: Path, b: Path, session_id: str, b_session: str | None = None) -> None:
    assert item_texts(a, session_id) == item_texts(b, b_session or session_id)


@pytest.mark.parametrize("kill_at", KILL_POINTS)
@pytest.mark.parametrize("operation", ["backup", "export", "copy", "migrate"])
def test_a_new_file_is_never_left_half_written(
    source: Path, tmp_path: Path, operation: str, kill_at: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / ("long.jsonl" if operation == "export" else "copy.db")
    before = source.read_bytes()
    args = {
        "backup": (source, target),
        "export": (source, "long-1", target),
        "copy": (source, "long-1", target),
        "migrate": (source, "long-1", target),
    }[operation]
    run = run_until(operation, kill_at, *args)
    _source_intact(source, before)
    if _killed_before_publishing(run, out, target):
        assert run_until(operation, 0, *args).killed is False  # again: it completes
    # Whichever way it went, what is under the final name is whole.
    if operation == "export":
        lines = target.read_text(encoding="utf-8").splitlines()
        assert lines == item_texts(source, "long-1")
    else:
        quick_check(target)
        _same_items(source, target, "long-1")
    assert list(_visible(out)) == [target.name]


@pytest.fixture(scope="module")
def _parted_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session long enough for an export's worker processes to render it in runs."""
    path = tmp_path_factory.mktemp("parted") / "parted.db"
    session = SQLiteSession("parted-1", path)
    runs = export_parts.INLINE_BELOW + export_parts.RANGE_ITEMS
    items = [{"role": "user", "content": f"Turn {n}: weather in <Paris>"} for n in range(runs)]
    asyncio.run(session.add_items(items))
    session.close()
    return path


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_an_html_export_in_parts_killed_mid_way_leaves_no_page(
    _parted_store: Path, tmp_path: Path, kill_at: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "parted.html"
    expected = io.StringIO()
    export_session(_parted_store, "parted-1", "html", expected)
    run = run_until("export-html", kill_at, _parted_store, "parted-1", target)
    if _killed_before_publishing(run, out, target):
        assert run_until("export-html", 0, _parted_store, "parted-1", target).killed is False
    assert target.read_text(encoding="utf-8") == expected.getvalue()
    assert list(_visible(out)) == [target.name]


@pytest.fixture(scope="module")
def _server_to_back_up(postgres_server: PostgresServer) -> Iterator[str]:
    """A PostgreSQL store written by the SDK: short sessions and one long enough to be
    copied while the backup is killed."""
    database = postgres_server.create_database()
    url = database.url(driver="asyncpg")
    for session_id in ("alpha", "beta", "gamma"):
        write_sqlalchemy(url, session_id, ("Paris",))
    add_sqlalchemy_items(
        url, "long", [{"role": "user", "content": f"note {n}"} for n in range(20_000)]
    )
    yield database.url()
    database.drop()


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_a_server_backup_killed_mid_way_leaves_no_file(
    _server_to_back_up: str, tmp_path: Path, kill_at: int | str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "server.db"
    run = run_until("backup-server", kill_at, _server_to_back_up, target)
    if _killed_before_publishing(run, out, target):
        assert run_until("backup-server", 0, _server_to_back_up, target).killed is False
    quick_check(target)
    for session_id in ("alpha", "long"):
        assert item_texts(target, session_id) == _server_texts(_server_to_back_up, session_id)
    assert list(_visible(out)) == [target.name]


def _server_texts(url: str, session_id: str) -> list[str]:
    """The session's items as the server holds them, in the SDK's order."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT message_data FROM agent_messages WHERE session_id = %s ORDER BY created_at, id",
            (session_id,),
        ).fetchall()
    return [text for (text,) in rows]


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_an_import_killed_mid_way_adds_all_or_nothing(
    source: Path, tmp_path: Path, kill_at: int
) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text("\n".join(item_texts(source, "long-1")) + "\n", encoding="utf-8")
    target = write_plain(tmp_path / "target" / "target.db", "existing-1", ("Rome",))
    kept = item_texts(target, "existing-1")
    run = run_until("import", kill_at, items, target, "imported-1")
    imported = item_texts(target, "imported-1")
    assert imported in ([], item_texts(source, "long-1"))  # all of it or none of it
    assert item_texts(target, "existing-1") == kept
    quick_check(target)
    if run.killed and not imported:
        assert run_until("import", 0, items, target, "imported-1").killed is False
    assert item_texts(target, "imported-1") == item_texts(source, "long-1")


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_an_import_into_a_new_file_killed_mid_way_leaves_no_store(
    source: Path, tmp_path: Path, kill_at: int
) -> None:
    """A new store is filled without a journal under a temporary name: a kill leaves that
    name behind (hidden, removed by the next run once stale), never a store."""
    items = tmp_path / "items.jsonl"
    items.write_text("\n".join(item_texts(source, "long-1")) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "imported.db"
    run = run_until("import", kill_at, items, target, "long-1")
    if _killed_before_publishing(run, out, target):
        assert run_until("import", 0, items, target, "long-1").killed is False
    quick_check(target)
    _same_items(source, target, "long-1")
    assert list(_visible(out)) == [target.name]


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_a_cleanup_killed_mid_way_removes_a_session_wholly_or_not_at_all(
    source: Path, tmp_path: Path, kill_at: int
) -> None:
    backups = tmp_path / "backups"
    everything = {s: item_texts(source, s) for s in ("short-1", "long-1")}
    run = run_until("cleanup", kill_at, source, "long-1", backups)
    quick_check(source)
    left = {s.session_id for s in read_store_sessions(source)}
    assert left in ({"short-1", "long-1"}, {"short-1"})
    assert item_texts(source, "short-1") == everything["short-1"]
    if "long-1" in left:
        assert item_texts(source, "long-1") == everything["long-1"]
    for copy in backups.rglob("*.db"):  # an automatic backup is whole, or not there
        quick_check(copy)
        _same_items(source if "long-1" in left else copy, copy, "short-1")
    if run.killed and "long-1" in left:
        assert run_until("cleanup", 0, source, "long-1", backups).killed is False
    assert {s.session_id for s in read_store_sessions(source)} == {"short-1"}
    assert any(item_texts(copy, "long-1") == everything["long-1"] for copy in backups.rglob("*.db"))


def test_what_a_killed_run_left_is_swept_by_a_later_one(source: Path, tmp_path: Path) -> None:
    """Temporary files of ours untouched for an hour are a dead writer's; newer ones may
    belong to a run still going, and stay."""
    from agency_desktop.ops.backup import backup_store

    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".copy.db.0123456789ab.tmp"
    stale_journal = out / ".copy.db.0123456789ab.tmp-journal"
    recent = out / ".copy.db.ba9876543210.tmp"
    for path in (stale, stale_journal, recent):
        path.write_bytes(b"half a store")
    hours_ago = stale.stat().st_mtime - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    backup_store(source, out / "copy.db")
    assert sorted(p.name for p in out.iterdir()) == [recent.name, "copy.db"]


@pytest.fixture(scope="module")
def _store_folder_to_back_up(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty small stores written by the SDK: enough for a folder backup to be killed in."""
    folder = tmp_path_factory.mktemp("many")
    first = write_plain(folder / "store-00.db", "s-00", ("Paris",))
    for number in range(1, 40):
        (folder / f"store-{number:02}.db").write_bytes(first.read_bytes())
    return folder


@pytest.mark.parametrize("kill_at", (1, 5, 20, "after:0.02", "after:0.1"))
def test_a_folder_backup_killed_mid_way_leaves_only_whole_copies(
    _store_folder_to_back_up: Path, tmp_path: Path, kill_at: int | str
) -> None:
    """Two threads copy at once: whatever the moment, every file under a final name is a
    whole copy; the manifest, written last, exists only once every copy is on disk."""
    source = tmp_path / "source"
    source.mkdir()
    for store in _store_folder_to_back_up.iterdir():
        (source / store.name).write_bytes(store.read_bytes())
    before = folder_snapshot(source)
    out = tmp_path / "out"
    run = run_until("backup-folder", kill_at, source, out)
    assert {k: v for k, v in folder_snapshot(source).items() if k.endswith(".db")} == {
        k: v for k, v in before.items() if k.endswith(".db")
    }
    visible = _visible(out) if out.exists() else {}
    copies = [name for name in visible if name.endswith(".db")]
    for name in copies:
        quick_check(out / name)
        _same_items(source / name, out / name, "s-00")
    manifests = [name for name in visible if name.startswith("backup-manifest-")]
    if run.killed:
        assert manifests == [] or len(copies) == 40
    assert run_until("backup-folder", 0, source, out).killed is False  # again: it completes
    again = _visible(out)
    assert len([name for name in again if name.endswith(".db")]) >= 40
