"""However a window ends, the process exits cleanly: status 0, no Qt warning, no abort.

Each way runs as a user's own script would, in a process of its own
(tests/ui/exit_scenarios.py): Qt's complaints about threads and timers, and aborts,
happen as objects are torn down, after any test inside this process would have ended.
Anything on stderr but the offscreen plugin's notes fails the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.processes import complaints

SCENARIOS = Path(__file__).with_name("exit_scenarios.py")


def _run(mode: str, target: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "AGENCY_DESKTOP_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    return subprocess.run(
        [sys.executable, str(SCENARIOS), mode, str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "store"),
    [
        ("exit", "long"),  # the interpreter exits with the window open on a long session
        ("delete-later", "long"),  # destroyed while its first page and stats load
        ("delete", "long"),
        ("delete-later", "many"),  # destroyed mid-scan
        ("delete", "many"),
        ("quit", "many"),  # the application quits mid-scan
    ],
)
def test_a_window_ends_without_a_warning_or_an_abort(
    mode: str, store: str, long_store: Path, many_stores: Path, tmp_path: Path
) -> None:
    done = _run(mode, long_store if store == "long" else many_stores, tmp_path)
    assert (done.returncode, complaints(done.stderr)) == (0, [])
