"""The processes a command leaves behind, found through /proc (Linux).

A command started with `start_new_session=True` leads a session of its own; every
process it starts stays in that session even after being handed to init, so the
session is how its descendants are found once it is gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# The offscreen plugin's notes, printed for every window: all else on stderr is a complaint.
HARMLESS = ("This plugin does not support",)


def complaints(stderr: str) -> list[str]:
    """The lines of a process's stderr that are not the offscreen plugin's notes."""
    return [line for line in stderr.splitlines() if not line.startswith(HARMLESS)]


@dataclass(frozen=True)
class Process:
    pid: int
    state: str
    command: str


def in_session(session_id: int) -> list[Process]:
    """Live processes (zombies aside) of a session."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # it ended while we looked
        # pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session_id and fields[0] != "Z":
            found.append(Process(int(entry.name), fields[0], command.strip()))
    return found


def workers_of(session_id: int) -> list[Process]:
    return [p for p in in_session(session_id) if "multiprocessing.spawn" in p.command]


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.02)


@dataclass(frozen=True)
class AfterKill:
    left: list[Process]  # what still ran 5 s after the kill
    gone_after_s: float  # how long until nothing did


def kill_when_ready(
    command: list[str], ready: Callable[[int], bool], env: dict[str, str], timeout_s: float = 60
) -> AfterKill:
    """Start `command`, SIGKILL it once `ready(pid)`, and see what of it outlives it."""
    process = subprocess.Popen(
        command,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: ready(process.pid), timeout_s, f"{command} to get going")
    finally:
        process.kill()
        killed = time.monotonic()
        process.wait()
    try:
        wait_until(lambda: not in_session(process.pid), 5.0, "its processes to exit")
    except AssertionError:
        left = in_session(process.pid)
        for orphan in left:  # never leave them behind for the rest of the suite
            os.kill(orphan.pid, signal.SIGKILL)
        return AfterKill(left, time.monotonic() - killed)
    return AfterKill([], time.monotonic() - killed)
