"""`agency-desktop --self-test` from the source tree (the frozen one is in tests/packaging)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from agency_desktop.ui.self_test import check_resources


def _self_test(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    command = [sys.executable, "-m", "agency_desktop", "--self-test", *args]
    if shutil.which("xvfb-run"):  # the real xcb plugin, where any Qt warning is fatal
        env.pop("QT_QPA_PLATFORM", None)
        env["QT_FATAL_WARNINGS"] = "1"
        command = ["xvfb-run", "-a", *command]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_resources_are_in_the_package() -> None:
    check_resources()


def test_self_test_passes_on_the_demo_it_writes() -> None:
    result = _self_test()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "its charts: ok" in result.stdout and "self-test passed" in result.stdout


def test_self_test_opens_a_store_given_on_the_command_line(store_folder: Path) -> None:
    result = _self_test(str(store_folder / "custom.db"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "session shown: custom-1 from custom.db" in result.stdout


def test_self_test_fails_with_the_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a store")
    result = _self_test(str(junk))
    assert result.returncode == 1
    assert "self-test FAILED: the sessions to be listed: Not opened:" in result.stderr
    assert "junk.db: the file is not an SQLite database" in result.stderr


def test_self_test_fails_on_a_folder_without_sessions(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no stores here")
    result = _self_test(str(tmp_path))
    assert result.returncode == 1
    assert f"the sessions to be listed: no session found in {tmp_path}" in result.stderr
