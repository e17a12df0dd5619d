"""Running agency-sessions in the test's process, as its tests do."""

from __future__ import annotations

import pytest

from agency_desktop import cli

from .servers import PgDatabase, RedisDatabase


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """`agency-sessions ARGS`: its exit code, and what it printed and complained."""
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def no_password(database: PgDatabase | RedisDatabase, *texts: str) -> None:
    """None of `texts` (what a command printed) shows either of the server's passwords."""
    for secret in (database.server.reader_password, database.server.password):
        assert all(secret not in text for text in texts)
