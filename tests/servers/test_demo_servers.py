"""`make demo-servers`, run as a user runs it: both servers up with the SDK's sessions,
the URLs printed, and nothing left running (or on disk) after Ctrl+C, nor after a kill."""

from __future__ import annotations

import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agency_desktop.ops.demo_servers import CONVERSATIONS
from agency_desktop.ops.local_servers import ROOT_PREFIX
from agency_desktop.stores.registry import open_store
from tests.helpers.servers import accepts_connections, postgres_bin_dir, redis_binary

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
URL = re.compile(r"^\s+(PostgreSQL|Redis):\s+(\S+)$")


class Demo:
    """The launcher as a subprocess, its output read by a thread (a hung launcher must
    fail the test, not block it)."""

    def __init__(self) -> None:
        postgres_bin_dir(), redis_binary()  # missing servers fail (or skip) as elsewhere
        self.process = subprocess.Popen(
            [sys.executable, "-m", "agency_desktop.ops.demo_servers"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def urls(self) -> dict[str, str]:
        found: dict[str, str] = {}
        seen: list[str] = []
        deadline = time.monotonic() + START_TIMEOUT_S
        while not seen or not seen[-1].startswith("Press Ctrl+C"):
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail("no URLs printed:\n" + "\n".join(seen))
            seen.append(line)
            if match := URL.match(line):
                found[match[1]] = match[2]
        return found


@pytest.fixture
def demo() -> Iterator[Demo]:
    launched = Demo()
    try:
        yield launched
    finally:
        if launched.process.poll() is None:
            launched.process.kill()
        launched.process.wait()
        launched.reader.join(STOP_TIMEOUT_S)
        assert launched.process.stdout is not None
        launched.process.stdout.close()


def _port(url: str) -> int:
    return int(re.search(r":(\d+)/", url)[1])  # type: ignore[index]


def _closed_soon(port: int) -> bool:
    """The server on `port` is gone within STOP_TIMEOUT_S (it dies of its own accord)."""
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while accepts_connections(port):
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.1)
    return True


def _roots() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob(ROOT_PREFIX + "*"))


def test_both_servers_hold_the_sdks_sessions_until_ctrl_c(demo: Demo) -> None:
    urls = demo.urls()
    assert urls["PostgreSQL"].startswith("postgresql+asyncpg://postgres@127.0.0.1:")
    assert urls["Redis"].startswith("redis://127.0.0.1:")
    expected = {session_id for session_id, _, _ in CONVERSATIONS}
    for url in urls.values():
        assert {info.session_id for info in open_store(url).sessions()} == expected
    redis_sessions = {info.session_id: info for info in open_store(urls["Redis"]).sessions()}
    with_ttl = {s for s, info in redis_sessions.items() if getattr(info, "expires_at", None)}
    assert with_ttl == {session_id for session_id, _, ttl in CONVERSATIONS if ttl}
    [root] = [root for root in _roots() if _owner(root) == demo.process.pid]
    demo.process.send_signal(signal.SIGINT)  # the terminal's Ctrl+C
    assert demo.process.wait(timeout=STOP_TIMEOUT_S) == 0
    assert not accepts_connections(_port(urls["PostgreSQL"]))
    assert not accepts_connections(_port(urls["Redis"]))
    assert not root.exists()


def test_killing_the_launcher_leaves_no_server_running(demo: Demo) -> None:
    urls = demo.urls()
    [root] = [root for root in _roots() if _owner(root) == demo.process.pid]
    demo.process.kill()  # SIGKILL: no cleanup of its own runs
    demo.process.wait()
    assert _closed_soon(_port(urls["PostgreSQL"]))
    assert _closed_soon(_port(urls["Redis"]))
    shutil.rmtree(root)  # what the next start would remove (its owner is gone)


def _owner(root: Path) -> int | None:
    try:
        return int((root / "owner.pid").read_text())
    except (OSError, ValueError):
        return None
