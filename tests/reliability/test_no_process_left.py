"""No worker process outlives what started it, however that died.

The app, the CLI and a user's script are each SIGKILLed (as a crash or the OOM killer
would) while their worker processes are at work; within 5 s nothing they started may
still run: not the pool's workers, not multiprocessing's resource tracker.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.helpers.processes import kill_when_ready, workers_of
from tests.reliability import figures

PYTHON = sys.executable
CLI = str(Path(sys.executable).with_name("agency-sessions"))


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "AGENCY_DESKTOP_DATA_DIR": str(tmp_path / "data"),  # nothing cached: all is read
    }


def _working(pid: int) -> bool:
    return bool(workers_of(pid))


def _nothing_left(command: list[str], env: dict[str, str]) -> None:
    after = kill_when_ready(command, _working, env)
    assert after.left == []
    figures.count("processes SIGKILLed while their workers worked")
    figures.worst("ms until nothing a killed process started still ran", after.gone_after_s * 1000)


@pytest.mark.slow
@pytest.mark.parametrize(
    "opened",
    ["many_stores", "long_store"],  # killed mid-scan of a big folder, mid-count of a session
)
def test_the_app_killed_at_work_leaves_no_process(
    opened: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    command = [PYTHON, "-m", "agency_desktop", str(request.getfixturevalue(opened))]
    _nothing_left(command, _env(tmp_path))


@pytest.mark.slow
def test_the_cli_killed_mid_stats_leaves_no_process(long_store: Path, tmp_path: Path) -> None:
    command = [CLI, "stats", str(long_store), "--session", "long"]
    _nothing_left(command, _env(tmp_path))


@pytest.mark.slow
def test_a_script_killed_mid_count_leaves_no_process(long_store: Path, tmp_path: Path) -> None:
    script = tmp_path / "count.py"
    script.write_text(
        "from agency_desktop.sessions import get_session_stats\n"
        f"get_session_stats({str(long_store)!r}, 'long')\n"
    )
    _nothing_left([PYTHON, str(script)], _env(tmp_path))
