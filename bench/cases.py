"""The benchmark cases: each pairs one call of our core with the least a raw tool must do.

Baselines open a fresh sqlite3 connection (or copy the file) every time, just as
our functions open their own read-only connection, so both sides pay for the
open. Where the target is a ratio the baseline sets the bar; where it is a time
or size limit the baseline is there to show how much of it is unavoidable.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from agency_desktop.ops.atomic import remove_quietly
from agency_desktop.ops.backup import backup_store
from agency_desktop.stores import parallel
from agency_desktop.stores.folder_stats import folder_stats
from agency_desktop.stores.listing import iter_candidate_files
from agency_desktop.stores.paging import SessionReader
from agency_desktop.stores.rescan import rescan_changes
from agency_desktop.stores.stats import get_session_stats
from agency_desktop.stores.stats_cache import StatsCache

from .fixtures import StoreFixture, message_rows
from .memory import peak_pair
from .timing import Action, Pair, nothing, time_pair

PAGE = 100
MB = 1024 * 1024


@dataclass(frozen=True)
class Target:
    """A pass mark: ours/baseline <= limit, ours itself <= limit (in `unit`), or with
    `over_baseline` ours - baseline <= limit. `and_ratio` adds ours/baseline <= it."""

    limit: float
    unit: str  # "x" for a ratio, else the unit of an absolute limit
    over_baseline: bool = False
    and_ratio: float | None = None

    @property
    def is_ratio(self) -> bool:
        return self.unit == "x"

    def met(self, pair: Pair) -> bool:
        if self.and_ratio is not None and pair.ours > self.and_ratio * pair.baseline:
            return False
        if self.over_baseline:
            return pair.ours - pair.baseline <= self.limit
        value = pair.ours / pair.baseline if self.is_ratio else pair.ours
        return value <= self.limit

    def __str__(self) -> str:
        if self.over_baseline:
            text = f"baseline + {self.limit:g} {self.unit}"
        else:
            text = f"ratio <= {self.limit:g}" if self.is_ratio else f"<= {self.limit:g} {self.unit}"
        return text + (f", ratio <= {self.and_ratio:g}" if self.and_ratio is not None else "")


@dataclass(frozen=True)
class Result:
    """One row of the table; `ours` and `baseline` are in `unit` (ms or MB)."""

    name: str
    ours: float
    baseline: float
    unit: str
    target: Target
    passed: bool

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")


@dataclass(frozen=True)
class TimedCase:
    name: str
    ours: Action
    baseline: Action
    target: Target
    setup: Action = nothing

    def run(self, repeat: int) -> Result:
        pair = time_pair(self.ours, self.baseline, repeat, self.setup)
        in_ms = Pair(pair.ours * 1000, pair.baseline * 1000)
        return Result(
            self.name, in_ms.ours, in_ms.baseline, "ms", self.target, self.target.met(in_ms)
        )


def _raw_query(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """The baseline's unit of work: fresh connection, one query, all rows, close."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _store_files(folder: Path) -> list[Path]:
    with os.scandir(folder) as entries:
        return sorted(Path(e.path) for e in entries if e.name.endswith(".db"))


def _raw_listing(folder: Path) -> int:
    """What a one-off script would do: open each file in turn, COUNT and MAX, close."""
    listed = 0
    for path in _store_files(folder):
        conn = sqlite3.connect(path)
        try:
            conn.execute("SELECT count(*) FROM agent_messages").fetchall()
            conn.execute("SELECT max(created_at) FROM agent_messages").fetchall()
            listed += 1
        finally:
            conn.close()
    return listed


def _app_scan(folder: Path) -> Iterator[object]:
    """The app's first scan of a folder: listed, and read by the worker processes."""
    return rescan_changes(iter_candidate_files(folder, ordered=False), {})


def listing_cases(folder: Path) -> list[TimedCase]:
    parallel.warm_up()  # a running app has its reading processes started already
    return [
        TimedCase(
            "F1 whole folder scanned (counts, last activity)",
            lambda: sum(1 for _ in _app_scan(folder)),
            lambda: _raw_listing(folder),
            Target(0.6, "x"),  # issue 18: the second core put to use
        ),
        TimedCase(
            "F1 whole folder stats (vs our whole folder scan)",
            lambda: folder_stats(folder, sorted(iter_candidate_files(folder))),
            lambda: sum(1 for _ in _app_scan(folder)),
            Target(1.5, "x"),
        ),
    ]


def _bench_process(module: str, *args: object) -> dict[str, float]:
    """Run `python -m bench.<module> ARGS` (offscreen, app data in a scratch folder) and
    return the JSON it prints last."""
    import json
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix=f"bench-{module}-") as scratch:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "AGENCY_DESKTOP_DATA_DIR": scratch,
            "XDG_CONFIG_HOME": scratch,  # the app's settings too: never the user's own
        }
        output = subprocess.run(
            [sys.executable, "-m", f"bench.{module}", *map(str, args)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=Path(__file__).resolve().parents[1],
        ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def first_rows_results(folder: Path, repeat: int) -> list[Result]:
    """F1's first 100 sessions in the window's list, seen before and for the first time."""
    medians = _bench_process("first_rows", folder, repeat)
    rows = (
        ("seen", "folder seen before (scan cache)", Target(200, "ms", and_ratio=2.0)),
        ("new", "folder never seen (every file read)", Target(200, "ms")),
    )
    results = []
    for key, how, target in rows:
        pair = Pair(medians[key], medians["scandir"])
        name = f"F1 first 100 sessions in the session list, {how}"
        results.append(Result(name, pair.ours, pair.baseline, "ms", target, target.met(pair)))
    return [*results, _fresh_first_rows_result(folder, repeat)]


def _fresh_first_rows_result(folder: Path, repeat: int) -> Result:
    """The same, never seen, in a new process: from building the window (worker processes
    not started yet) until its list holds 100 sessions; one process per run."""
    import statistics

    runs = [_bench_process("first_rows", "--fresh", folder) for _ in range(repeat)]
    pair = Pair(
        statistics.median(run["fresh"] for run in runs),
        statistics.median(run["scandir"] for run in runs),
    )
    target = Target(200, "ms")
    name = "F1 first 100 sessions in the session list, never seen, new process (from building the window)"
    return Result(name, pair.ours, pair.baseline, "ms", target, target.met(pair))


def _first_page(store: StoreFixture) -> int:
    with SessionReader(store.path, store.session_id) as reader:
        return len(reader.page_after(None, PAGE))


def _last_page(store: StoreFixture) -> int:
    with SessionReader(store.path, store.session_id) as reader:
        return len(reader.page_before(None, PAGE))


def _raw_page(store: StoreFixture, order: str) -> int:
    sql = (
        "SELECT id, message_data FROM agent_messages WHERE session_id = ?"
        f" ORDER BY id {order} LIMIT {PAGE}"
    )
    return len(_raw_query(store.path, sql, (store.session_id,)))


def _raw_stats(store: StoreFixture) -> int:
    sql = (
        "SELECT json_extract(message_data, '$.type'), count(*) FROM agent_messages"
        " WHERE session_id = ? GROUP BY 1"
    )
    return len(_raw_query(store.path, sql, (store.session_id,)))


def reading_cases(store: StoreFixture) -> list[TimedCase]:
    return [
        TimedCase(
            f"F2 first page ({PAGE})",
            lambda: _first_page(store),
            lambda: _raw_page(store, "ASC"),
            Target(50, "ms"),
        ),
        TimedCase(
            f"F2 jump to the last row (page of {PAGE})",
            lambda: _last_page(store),
            lambda: _raw_page(store, "DESC"),
            Target(50, "ms"),
        ),
        TimedCase(
            "F2 session stats, first time",
            lambda: get_session_stats(store.path, store.session_id),
            lambda: _raw_stats(store),
            Target(0.6, "x"),  # issue 18: the second core put to use
        ),
    ]


def _append_rows(path: Path, session_id: str, count: int, seed: list[int]) -> None:
    """Rows an agent writes between two looks at the stats (seed varies, so items differ)."""
    seed[0] += 1
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO agent_messages (session_id, message_data, created_at)"
                " VALUES (?, ?, ?)",
                message_rows(session_id, count, seed[0]),
            )
    finally:
        conn.close()


def stats_cache_cases(store: StoreFixture, scratch: Path) -> list[TimedCase]:
    """Stats of F2 again from the app's cache, and after an agent appended 1,000 items.

    Run on a copy, so the cached fixture never grows; the cache is filled once first.
    """
    copy = scratch / "stats.db"
    shutil.copyfile(store.path, copy)
    grown = StoreFixture(copy, store.session_id)
    cache = StatsCache(scratch / "stats-cache.sqlite3")
    get_session_stats(copy, store.session_id, cache=cache)
    seed = [1_000]
    return [
        TimedCase(
            "F2 session stats again (cached)",
            lambda: get_session_stats(copy, store.session_id, cache=cache),
            lambda: _raw_stats(grown),
            Target(50, "ms"),
        ),
        TimedCase(
            "F2 stats after 1,000 new items",
            lambda: get_session_stats(copy, store.session_id, cache=cache),
            lambda: _raw_stats(grown),
            Target(150, "ms"),
            setup=lambda: _append_rows(copy, store.session_id, 1_000, seed),
        ),
    ]


def _copy_and_sync(source: Path, dest: Path) -> None:
    """The floor for a durable copy: the bytes, then fsync, as `cp && sync` would."""
    shutil.copyfile(source, dest)
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_case(store: StoreFixture, scratch: Path) -> TimedCase:
    dest = scratch / "backup.db"
    return TimedCase(
        "F2 backup",
        lambda: backup_store(store.path, dest),
        lambda: _copy_and_sync(store.path, dest),
        Target(1.2, "x"),
        setup=lambda: remove_quietly(dest),
    )


def all_timed_cases(folder: Path, store: StoreFixture, scratch: Path) -> list[TimedCase]:
    from .exports import export_cases  # these import this module
    from .folder_ops import folder_cases
    from .imports import import_cases

    return [
        *listing_cases(folder),
        *reading_cases(store),
        *stats_cache_cases(store, scratch),
        backup_case(store, scratch),
        *folder_cases(folder, scratch),
        *export_cases(store, scratch),
        *import_cases(store, scratch),
    ]


def memory_result(store: StoreFixture, repeat: int) -> Result:
    """Peak RSS of the app with F2 open at its last item, against a bare PySide6 window."""
    pair = peak_pair(store.path, repeat)
    in_mb = Pair(pair.ours / MB, pair.baseline / MB)
    target = Target(150, "MB")
    return Result(
        "F2 opened and at its last row, app peak RSS (vs bare PySide6 window)",
        in_mb.ours,
        in_mb.baseline,
        "MB",
        target,
        target.met(in_mb),
    )


SCROLL_ROWS = 200_000


def scroll_result(store: StoreFixture, repeat: int) -> Result:
    """RSS growth while the message model is scrolled through 200,000 rows by fetchMore."""
    from .scrolling import growth_pair

    pair = growth_pair(store.path, store.session_id, SCROLL_ROWS, repeat)
    in_mb = Pair(pair.ours / MB, pair.baseline / MB)
    target = Target(100, "MB")
    return Result(
        f"F2 scroll {SCROLL_ROWS:,} rows, RSS growth",
        in_mb.ours,
        in_mb.baseline,
        "MB",
        target,
        target.met(in_mb),
    )


GUI_PHASES = (
    ("scan_ms", "GUI stall, F1 scanned until its first session is shown"),
    ("folder_backup_ms", "GUI stall, F1 backed up (every store)"),
    ("open_ms", "GUI stall, F2 opened, shown, jumped to its last row"),
    ("backup_ms", "GUI stall, F2 backed up"),
    ("search_ms", "GUI stall, F3 searched without an index"),
    ("index_ms", "GUI stall, F3 search index building (10 s of it)"),
)


def gui_stall_results(
    folder: Path, store: StoreFixture, search_folder: Path, repeat: int
) -> list[Result]:
    """Longest event-loop stall of the real window (worst of a few runs) during each phase
    of bench.gui_latency; the baseline is the same heartbeat on the idle window."""
    runs = [
        _bench_process("gui_latency", folder, store.path, search_folder)
        for _ in range(max(1, min(repeat, 3)))
    ]
    idle = max(run["idle_ms"] for run in runs)
    target = Target(50, "ms")
    results = []
    for key, name in GUI_PHASES:
        pair = Pair(max(run[key] for run in runs), idle)
        results.append(Result(name, pair.ours, pair.baseline, "ms", target, target.met(pair)))
    return results


def run_all(
    folder: Path,
    store: StoreFixture,
    search_folder: Path,
    scratch: Path,
    repeat: int,
    *,
    on_result: Callable[[Result], None] = lambda result: None,
) -> list[Result]:
    """Every case in order, reporting each result as soon as it is known."""
    from .search import search_cases  # imports this module

    results: list[Result] = []

    def add(*found: Result) -> None:
        for result in found:
            results.append(result)
            on_result(result)

    add(*first_rows_results(folder, repeat))
    for case in [*all_timed_cases(folder, store, scratch), *search_cases(search_folder)]:
        add(case.run(repeat))
    add(memory_result(store, repeat), scroll_result(store, repeat))
    add(*gui_stall_results(folder, store, search_folder, repeat))
    return results
