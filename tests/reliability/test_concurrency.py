"""Four agents append to one store while the app reads it and backs it up, again and again.

No writer ever sees an error, no item is lost or doubled, and every backup is a sound
store whose sessions are each a prefix of what the agents ended up writing. The normal
run goes for a few seconds; `make soak` for a minute.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from agents import SQLiteSession

from agency_desktop.ops.backup import backup_store
from agency_desktop.stores.listing import scan_store
from agency_desktop.stores.paging import SessionReader
from agency_desktop.stores.stats import get_session_stats
from tests.helpers.stores import integrity, item_texts, write_plain
from tests.reliability import figures

WRITERS = 4


def _agent(store: Path, session_id: str, stop: threading.Event, errors: list[BaseException]) -> int:
    """Appends turns until stopped, as an agent does; returns how many items it wrote."""
    session = SQLiteSession(session_id, store)
    written = 0
    try:
        while not stop.is_set():
            turn = [
                {"role": "user", "content": f"{session_id} question {written}"},
                {"role": "assistant", "content": f"{session_id} answer {written + 1}"},
            ]
            asyncio.run(session.add_items(turn))  # type: ignore[arg-type]
            written += len(turn)
    except BaseException as exc:
        errors.append(exc)
    finally:
        session.close()
    return written


@pytest.mark.parametrize(
    "seconds", [3.0, pytest.param(60.0, marks=pytest.mark.soak, id="soak-60s")]
)
def test_reading_and_backing_up_while_four_agents_write(tmp_path: Path, seconds: float) -> None:
    store = write_plain(tmp_path / "live" / "live.db", "seed-1", ("Paris",))
    stop = threading.Event()
    errors: list[BaseException] = []
    written: dict[str, int] = {}
    ids = [f"agent-{n}" for n in range(WRITERS)]

    def run(session_id: str) -> None:
        written[session_id] = _agent(store, session_id, stop, errors)

    threads = [threading.Thread(target=run, args=(session_id,)) for session_id in ids]
    for thread in threads:
        thread.start()
    backups: list[Path] = []
    (tmp_path / "backups").mkdir()
    reads = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            scan = scan_store(store)
            assert scan.problem is None, scan.problem
            for info in scan.sessions:
                get_session_stats(store, info.session_id)
                with SessionReader(store, info.session_id) as reader:
                    reader.page_before(None, 50)
                reads += 1
            backups.append(backup_store(store, tmp_path / "backups").path)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    final = {session_id: item_texts(store, session_id) for session_id in ids}
    for session_id in ids:
        assert len(final[session_id]) == written[session_id]  # nothing lost, nothing doubled
    for backup in backups:
        assert integrity(backup) == "ok"
        for session_id in ids:
            copied = item_texts(backup, session_id)
            assert copied == final[session_id][: len(copied)]
    figures.count("concurrency: seconds with four agents writing", int(seconds))
    figures.count("concurrency: items the agents wrote", sum(written.values()))
    figures.count("concurrency: backups taken and checked", len(backups))
    figures.count("concurrency: session reads", reads)
