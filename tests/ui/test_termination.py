"""SIGTERM and SIGINT close the app as its close button would: settings kept, nothing
left running, exit status 0, nothing on stderr but the offscreen plugin's notes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.processes import complaints, in_session, wait_until, workers_of


@pytest.mark.slow
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_a_termination_signal_closes_the_app_cleanly(
    number: int, many_stores: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "AGENCY_DESKTOP_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(config),
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "agency_desktop", str(many_stores)],
        env=env,
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: bool(workers_of(app.pid)), 60, "the app to read the folder")
        app.send_signal(number)
        _, stderr = app.communicate(timeout=30)
    finally:
        app.kill()
    assert app.returncode == 0
    assert complaints(stderr) == []
    settings = (config / "AgencyDesktop" / "agency-desktop.ini").read_text()
    assert f"lastFolder={many_stores}" in settings
    wait_until(lambda: not in_session(app.pid), 5, "its worker processes to exit")
