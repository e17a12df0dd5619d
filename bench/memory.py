"""Peak memory of the app with F2 open at its last item, in a process of its own.

`agency-desktop STORE` is started with AGENCY_DESKTOP_QUIT_WHEN_SHOWN=end: it opens
the store's session, paints its first rows, jumps to the last item, paints again,
prints its peak resident set (ru_maxrss) and exits. The baseline is a bare PySide6
window with an empty QTableView, painted once, measured the same way. ru_maxrss is a
high-water mark that a Linux child inherits from the process that forked it (the
benchmark runner holds the fixtures' SDK, ~100 MB), so each probe is started through
a small relay process (`python -m bench.memory --relay ...`) whose own peak is just the
bare interpreter's. The app's worker processes (reading, counting) are processes of
their own and are not in the figure; the window's process is the one DB Browser for
SQLite's figure compares with.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from .bare_window import SCRIPT as BARE_WINDOW
from .timing import Pair

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RELAY = "--relay"


def _peak_of(output: str) -> int:
    for line in output.splitlines():
        if line.startswith("peak_rss_bytes="):
            return int(line.split("=", 1)[1])
    raise RuntimeError(f"no peak reported: {output!r}")


def _through_relay(command: list[str], env: dict[str, str]) -> int:
    relay = [sys.executable, "-m", "bench.memory", RELAY, *command]
    done = subprocess.run(
        relay, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return _peak_of(done.stdout)


def peak_pair(store: Path, repeat: int) -> Pair:
    """Median peak RSS in bytes of the app at F2's last item, and of the bare window."""
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as scratch:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "AGENCY_DESKTOP_DATA_DIR": scratch,
            "AGENCY_DESKTOP_QUIT_WHEN_SHOWN": "end",
        }
        app = [sys.executable, "-m", "agency_desktop", str(store)]
        bare = [sys.executable, "-c", BARE_WINDOW, "--peak"]
        ours = [_through_relay(app, env) for _ in range(repeat)]
        baseline = [_through_relay(bare, env) for _ in range(repeat)]
    return Pair(statistics.median(ours), statistics.median(baseline))


def main(argv: list[str]) -> int:
    if argv[0] != RELAY:
        print(f"usage: python -m bench.memory {RELAY} COMMAND...", file=sys.stderr)
        return 2
    done = subprocess.run(argv[1:], capture_output=True, text=True, check=False, timeout=120)
    sys.stdout.write(done.stdout)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
