"""Peak memory of opening the long session and reading its last page, in a fresh process.

ru_maxrss is a high-water mark for the whole process, so each measurement needs
a process of its own: `python -m bench.memory ours|baseline PATH SESSION_ID`
does the read and prints its own peak in bytes. On Linux a child also inherits
the peak of the process that forked it (the benchmark runner, which holds the
SDK and built the fixtures, ~100 MB), so the probe is started through a small
relay process (`--relay`) whose own peak is just the bare interpreter's. This
module imports nothing beyond the standard library at the top, so the baseline
probe's number is the interpreter plus sqlite3 and nothing of ours.
"""

from __future__ import annotations

import resource
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

from .timing import Pair

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PAGE = 100
MODES = ("ours", "baseline")
RELAY = "--relay"


def peak_rss_bytes() -> int:
    """This process's peak resident set size; Linux reports KiB, macOS bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def read_last_page_ours(path: Path, session_id: str) -> int:
    from agency_desktop.sessions.paging import SessionReader

    with SessionReader(path, session_id) as reader:
        return len(reader.page_before(None, PAGE))


def read_last_page_raw(path: Path, session_id: str) -> int:
    conn = sqlite3.connect(path)
    try:
        query = (
            "SELECT id, message_data FROM agent_messages WHERE session_id = ?"
            " ORDER BY id DESC LIMIT ?"
        )
        return len(conn.execute(query, (session_id, PAGE)).fetchall())
    finally:
        conn.close()


def _run_probe(args: list[str]) -> str:
    command = [sys.executable, "-m", "bench.memory", *args]
    return subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout


def child_peak(mode: str, path: Path, session_id: str) -> int:
    """Run one read in a new interpreter (via the relay) and return its peak RSS in bytes."""
    return int(_run_probe([RELAY, mode, str(path), session_id]).split()[-1])


def peak_pair(path: Path, session_id: str, repeat: int) -> Pair:
    """Median peak RSS in bytes of our reader's process and of the raw sqlite3 one."""
    runs = {mode: [child_peak(mode, path, session_id) for _ in range(repeat)] for mode in MODES}
    return Pair(statistics.median(runs["ours"]), statistics.median(runs["baseline"]))


def main(argv: list[str]) -> int:
    if argv[0] == RELAY:
        print(_run_probe(argv[1:]), end="")
        return 0
    mode, path, session_id = argv
    reader = read_last_page_ours if mode == "ours" else read_last_page_raw
    rows = reader(Path(path), session_id)
    if rows != PAGE:
        print(f"expected {PAGE} rows, read {rows}", file=sys.stderr)
        return 1
    print(peak_rss_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
