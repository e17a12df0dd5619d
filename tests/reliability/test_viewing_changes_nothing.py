"""Viewing a store changes nothing: its bytes stay the same and nothing is left beside it.

Every kind of store the app meets goes through every way the core reads one (listing,
stats with and without the stats cache, paging, search by scan and by index, the
integrity check). Afterwards the folder must hold exactly the files it held, byte for
byte. A store whose writer died with frames in its WAL, or mid-commit with a hot
journal, is the hard case: SQLite itself would checkpoint or roll back on our behalf.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.search.folder import search_files, update_index
from agency_desktop.search.index import SearchIndex
from agency_desktop.search.text import Query
from agency_desktop.stores.errors import ProblemKind, StoreError
from agency_desktop.stores.health import check_store
from agency_desktop.stores.listing import read_store_sessions, scan_store
from agency_desktop.stores.paging import SessionReader
from agency_desktop.stores.registry import open_store
from agency_desktop.stores.stats import get_session_stats
from agency_desktop.stores.stats_cache import StatsCache
from tests.helpers.stores import folder_snapshot, item_texts, write_plain

READERS: dict[str, Callable[[Path, str, Path], object]] = {}


def _snapshot(folder: Path) -> dict[str, str]:
    """The folder's files and their bytes, but a -shm file's by its name only: it is
    SQLite's shared-memory index, which every reader of a WAL it finds updates
    (read marks), and it holds no data; a new one would still show as a new name."""
    return {
        name: ("(shared memory)" if name.endswith("-shm") else digest)
        for name, digest in folder_snapshot(folder).items()
    }


def reader(name: str) -> Callable[[Callable[[Path, str, Path], object]], object]:
    def register(fn: Callable[[Path, str, Path], object]) -> object:
        READERS[name] = fn
        return fn

    return register


@reader("list")
def _list(path: Path, session_id: str, scratch: Path) -> object:
    return scan_store(path), read_store_sessions(path)


@reader("stats")
def _stats(path: Path, session_id: str, scratch: Path) -> object:
    cache = StatsCache(scratch / "stats.sqlite3")
    return [get_session_stats(path, session_id, cache=cache) for _ in range(2)] + [
        get_session_stats(path)
    ]


@reader("pages")
def _pages(path: Path, session_id: str, scratch: Path) -> object:
    with SessionReader(path, session_id) as session:
        first = session.page_after(None, 3)
        last = session.page_before(None, 3)
        return first, last, session.count(), session.count_before(last[0].row_id)


@reader("search")
def _search(path: Path, session_id: str, scratch: Path) -> object:
    index = SearchIndex(scratch / "index.sqlite3")
    scanned = list(search_files([path], Query.parse("paris")))
    update_index(index, [path])
    return scanned, list(search_files([path], Query.parse("paris"), index=index))


@reader("store seam")
def _through_the_store(path: Path, session_id: str, scratch: Path) -> object:
    store = open_store(path)
    with store.reader(session_id) as items:
        first = items.page_after(None, 3)
    with store.item_tables() as tables:
        rows = [(table.tail(), table.rows_after(-1, 5)) for table in tables]
    return (
        list(store.sessions()),
        first,
        store.read_item(session_id, first[0].row_id),
        store.stats(session_id),
        store.read_session(session_id).digest(),
        rows,
    )


@reader("check")
def _check(path: Path, session_id: str, scratch: Path) -> object:
    return check_store(path)


def _rollback_mode(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


def _writer_died_with_wal_frames(path: Path, session_id: str) -> Path:
    """An agent that added a turn and was killed before it closed: its frames stay in the WAL."""
    script = textwrap.dedent(
        f"""
        import asyncio, os
        from agents import SQLiteSession
        session = SQLiteSession({session_id!r}, {str(path)!r})
        asyncio.run(session.add_items([{{"role": "user", "content": "Paris, once more"}}]))
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert (path.with_name(path.name + "-wal")).stat().st_size > 0
    return path


@pytest.fixture(scope="module")
def _kinds(_template_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each kind of store in a folder of its own, made once for the module."""
    root = tmp_path_factory.mktemp("kinds")
    for kind, (name, _session_id) in _KINDS.items():
        folder = root / kind
        folder.mkdir()
        path = Path(shutil.copy2(_template_folder / name, folder / name))
        if kind == "rollback journal":
            _rollback_mode(path)
        elif kind == "WAL left with frames":
            _writer_died_with_wal_frames(path, "plain-1")
    return root


@pytest.fixture
def stores(_kinds: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """A fresh copy of every kind (side files too: a dead writer's WAL is part of it)."""
    root = Path(shutil.copytree(_kinds, tmp_path / "kinds"))
    return {kind: (root / kind / name, session_id) for kind, (name, session_id) in _KINDS.items()}


_KINDS = {
    "plain": ("plain.db", "plain-1"),
    "shared": ("shared.db", "shared-b"),
    "advanced": ("advanced.db", "adv-1"),
    "custom": ("custom.db", "custom-1"),
    "rollback journal": ("plain.db", "plain-1"),
    "WAL left with frames": ("plain.db", "plain-1"),
}


KINDS = list(_KINDS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("way", sorted(READERS))
def test_reading_leaves_the_folder_byte_identical(
    stores: dict[str, tuple[Path, str]], tmp_path: Path, kind: str, way: str
) -> None:
    path, session_id = stores[kind]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    before = _snapshot(path.parent)
    READERS[way](path, session_id, scratch)
    assert _snapshot(path.parent) == before


def test_the_frames_a_dead_writer_left_are_read_not_moved(
    stores: dict[str, tuple[Path, str]],
) -> None:
    path, session_id = stores["WAL left with frames"]
    with SessionReader(path, session_id) as session:
        last = session.page_before(None, 1)
    assert "Paris, once more" in last[0].preview


def _hot_journal(path: Path) -> Path:
    """A writer killed mid-commit in rollback mode, after some pages reached the file."""
    script = textwrap.dedent(
        f"""
        import os, sqlite3
        conn = sqlite3.connect({str(path)!r})
        conn.execute("PRAGMA cache_size = 5")  # spill changed pages into the file early
        conn.execute("BEGIN")
        conn.execute("UPDATE agent_messages SET message_data = json_set(message_data, '$.x', 1)")
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert path.with_name(path.name + "-journal").stat().st_size > 0
    return path


def test_a_hot_journal_is_named_and_never_rolled_back_into_the_store(
    store_folder: Path, tmp_path: Path
) -> None:
    from agency_desktop.stores.listing import list_sessions

    folder = tmp_path / "hot"
    folder.mkdir()
    store = Path(shutil.copy2(store_folder / "plain.db", folder / "plain.db"))
    for n in range(40):  # enough pages that the update spills before it commits
        write_plain(store, f"more-{n}", ("Paris",))
    _hot_journal(_rollback_mode(store))
    before = folder_snapshot(folder)
    scan = scan_store(store)
    assert scan.problem is not None and scan.problem.kind is ProblemKind.NEEDS_RECOVERY
    assert str(store) in scan.problem.message
    with pytest.raises(StoreError) as caught:
        get_session_stats(store, "plain-1")
    assert caught.value.kind is ProblemKind.NEEDS_RECOVERY
    assert list_sessions(folder) == []
    assert folder_snapshot(folder) == before


class _Agent:
    """An agent appending to a session from its own thread until stopped, then closing."""

    def __init__(self, store: Path, session_id: str) -> None:
        self._store, self._session_id = store, session_id
        self._stop = threading.Event()
        self.wrote = 0
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            asyncio.run(self._append_until_stopped())
        except BaseException as exc:
            self.errors.append(exc)

    async def _append_until_stopped(self) -> None:
        # One event loop for the whole run: the SDK keeps a connection per thread of the
        # loop's executor, so the store stays open between turns as in a running agent.
        session = SQLiteSession(self._session_id, self._store)
        try:
            while not self._stop.is_set():
                await session.add_items([{"role": "user", "content": f"live {self.wrote}"}])
                self.wrote += 1
                await asyncio.sleep(0.005)  # a turn's pace, not a flood
        finally:
            session.close()

    def start(self) -> _Agent:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def test_viewing_while_an_agent_writes_never_disturbs_it(
    store_folder: Path, tmp_path: Path
) -> None:
    """Every read succeeds, the agent never sees an error, nothing it wrote is lost, and
    once both have let go no file is left beside the store."""
    folder = tmp_path / "live"
    folder.mkdir()
    store = Path(shutil.copy2(store_folder / "plain.db", folder / "plain.db"))
    before = len(item_texts(store, "plain-1"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    agent = _Agent(store, "plain-1").start()
    try:
        for _ in range(3):
            for way in sorted(READERS):
                READERS[way](store, "plain-1", scratch)
    finally:
        agent.stop()
    left = sorted(p.name for p in folder.iterdir())  # before item_texts opens the store
    assert agent.errors == []
    assert left == ["plain.db"]
    assert len(item_texts(store, "plain-1")) == before + agent.wrote and agent.wrote


@pytest.mark.parametrize("kind", KINDS)
def test_the_window_showing_a_store_leaves_it_as_it_was(
    qtbot: Any, main_window: Any, stores: dict[str, tuple[Path, str]], kind: str
) -> None:
    """The window lists the store, shows its first session, its stats and its last item,
    searches it and indexes it; once the window has let go, the folder is unchanged."""
    path, _session_id = stores[kind]
    before = _snapshot(path.parent)
    window = main_window(path.parent)
    qtbot.waitUntil(lambda: window.message_model.rowCount() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: window.stats.stats is not None, timeout=10_000)
    with qtbot.waitSignal(window.message_model.jumpedToEnd, timeout=10_000):
        window.messages.jump_to_end()
    window.show_search()
    window.search_panel.query.setText("paris")
    window.search_panel.search()
    qtbot.waitUntil(lambda: not window.search_panel.searching, timeout=10_000)
    qtbot.waitUntil(lambda: not window.indexer.busy and not window.scanner.busy, timeout=10_000)
    window.shutdown()
    assert _snapshot(path.parent) == before


@pytest.mark.parametrize("agent_first", [False, True], ids=["window first", "agent first"])
def test_the_window_and_an_agent_writing_beside_it_leave_nothing_behind(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path, agent_first: bool
) -> None:
    """The window follows a session an agent is appending to; the agent never sees an
    error and loses nothing. Started after the window, its WAL is checkpointed and removed
    by whichever closes last, as it would be without us. Started before, its WAL holds
    frames when the window opens, which may as well be a dead writer's: the window leaves
    them where they are, so the WAL and its index stay beside the store, holding the
    agent's last turns for SQLite's next opener. (Checkpointing them on our close when
    the store changed while we watched made other readers fail with
    SQLITE_IOERR_SHORT_READ, so it is not done.)"""
    folder = tmp_path / "live"
    folder.mkdir()
    store = Path(shutil.copy2(store_folder / "plain.db", folder / "plain.db"))
    before = len(item_texts(store, "plain-1"))
    agent = _Agent(store, "plain-1").start() if agent_first else None
    if agent is not None:
        qtbot.waitUntil(lambda: agent.wrote > 0, timeout=10_000)
    window = main_window(folder)
    qtbot.waitUntil(lambda: window.message_model.rowCount() > 0, timeout=10_000)
    agent = agent or _Agent(store, "plain-1").start()
    try:
        shown = window.message_model.total
        qtbot.waitUntil(lambda: window.message_model.total > shown + 5, timeout=20_000)
    finally:
        agent.stop()
    window.shutdown()
    left = sorted(p.name for p in folder.iterdir())  # before item_texts opens the store
    assert agent.errors == []
    beside = ["plain.db-shm", "plain.db-wal"] if agent_first else []
    assert left == ["plain.db", *beside]
    assert len(item_texts(store, "plain-1")) == before + agent.wrote
