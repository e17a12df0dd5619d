"""Servers started by the tests stop with them: when asked, and when the run is killed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import servers
from tests.helpers.processes import in_session, wait_until
from tests.helpers.servers import SKIP_ENV, accepts_connections, start_redis

ROOT = Path(__file__).resolve().parents[2]
STARTS = pytest.mark.parametrize("start", ["start_postgres", "start_redis"])

# A run of the suite in miniature: starts a server through the helpers, says where it is,
# then waits to be killed.
CHILD = """
import json, sys
from tests.helpers import servers
server = getattr(servers, sys.argv[1])()
print(json.dumps({"pid": server.pid, "port": server.port, "root": str(server.root)}), flush=True)
sys.stdin.read()
"""


def _gone(pid: int, port: int) -> bool:
    return not accepts_connections(port) and not in_session(pid)


@STARTS
def test_a_stopped_server_is_gone(start: str) -> None:
    server = getattr(servers, start)()
    try:
        assert accepts_connections(server.port)
        assert in_session(server.pid), "the server runs in a session of its own"
    finally:
        server.stop()
    assert _gone(server.pid, server.port)
    assert not server.root.exists()


@STARTS
def test_a_server_dies_with_the_process_that_started_it(start: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, start],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        _, stderr = child.communicate()
        pytest.fail(f"the child did not start its server:\n{stderr}")
    started = json.loads(line)
    pid, port = started["pid"], started["port"]
    try:
        assert accepts_connections(port)
        child.kill()  # as a test run killed mid-way: no teardown runs
        child.communicate()
        wait_until(lambda: _gone(pid, port), 10.0, "the server to die with its parent")
    finally:
        if in_session(pid):  # never leave one running for the rest of the suite
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(started["root"], ignore_errors=True)


def test_a_port_taken_meanwhile_is_given_up_for_another(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as squatter:  # bound, not listening: connecting is refused
        squatter.bind((servers.HOST, 0))
        taken = squatter.getsockname()[1]
        ports = iter([taken, servers.free_port()])
        monkeypatch.setattr(servers, "free_port", lambda: next(ports))
        server = start_redis()
    try:
        assert server.port != taken
        assert accepts_connections(server.port)
    finally:
        server.stop()


def test_missing_servers_fail_unless_skipping_is_asked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server on it
    monkeypatch.delenv(SKIP_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match="install the Debian packages postgresql"):
        start_redis()
    monkeypatch.setenv(SKIP_ENV, "1")
    with pytest.raises(pytest.skip.Exception, match="no redis-server here"):
        start_redis()
