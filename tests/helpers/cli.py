"""Running agency-sessions in the test's process, as its tests do."""

from __future__ import annotations

import pytest

from agency_desktop import cli


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """`agency-sessions ARGS`: its exit code, and what it printed and complained."""
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err
