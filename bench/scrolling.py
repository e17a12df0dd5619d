"""Memory growth of scrolling 200,000 rows through the message model, in a process of its own.

`python -m bench.scrolling ours|baseline PATH SESSION_ID ROWS` prints the growth of
the resident set (current, not peak: /proc/self/statm) in bytes between the session
being open and ROWS rows later. Ours is the real MessageTableModel driven by
`fetchMore` the way a scrolling view drives it (its window keeps at most 10,000 rows);
the baseline pages through the same rows with raw sqlite3 keyset queries, keeping
nothing, so the difference is what the model holds on to.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

from .timing import Pair

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PAGE = 200


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def scroll_ours(path: Path, session_id: str, rows: int) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from agency_desktop.ui.models.message_table import MessageTableModel

    app = QCoreApplication([])
    model = MessageTableModel()
    seen = [0]
    model.pageLoaded.connect(lambda: seen.__setitem__(0, seen[0] + 200))

    def wait(condition: object) -> None:
        loop = QEventLoop()
        poll = QTimer(interval=1)
        poll.timeout.connect(lambda: condition() and loop.quit())  # type: ignore[operator]
        poll.start()
        loop.exec()
        poll.stop()

    model.open_session(path, session_id)
    wait(lambda: model.rowCount() > 0)
    start = rss_bytes()
    while seen[0] < rows and model.canFetchMore():
        model.fetchMore()
        wait(lambda: not model.loading)
    grown = rss_bytes() - start
    model.shutdown()
    del app
    return grown


def scroll_baseline(path: Path, session_id: str, rows: int) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sql = (
        "SELECT id, message_data, created_at FROM agent_messages"
        " WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?"
    )
    last, seen = 0, 0
    page = conn.execute(sql, (session_id, last, PAGE)).fetchall()
    start = rss_bytes()
    while page and seen < rows:
        seen += len(page)
        last = page[-1][0]
        page = conn.execute(sql, (session_id, last, PAGE)).fetchall()
    grown = rss_bytes() - start
    conn.close()
    return grown


def growth_pair(path: Path, session_id: str, rows: int, repeat: int) -> Pair:
    """Median growth in bytes of each side, every run in a fresh interpreter."""

    def run(mode: str) -> int:
        output = subprocess.run(
            [sys.executable, "-m", "bench.scrolling", mode, str(path), session_id, str(rows)],
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT_ROOT,
        ).stdout
        return int(json.loads(output.strip().splitlines()[-1]))

    runs = 1 if repeat < 5 else 2  # ours takes about a minute per run on two cores
    ours = [run("ours") for _ in range(runs)]
    baseline = [run("baseline") for _ in range(runs)]
    return Pair(statistics.median(ours), statistics.median(baseline))


if __name__ == "__main__":
    mode, store, session, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    scroll = scroll_ours if mode == "ours" else scroll_baseline
    print(json.dumps(scroll(store, session, count)))
