"""The core as a library: the same answers however a user's code calls it.

Each way of running Python a user has is run for real in a process of its own: a
script without a `__main__` guard, a script on standard input (`python -`), `python
-c`, the interactive interpreter, a thread of the user's own, and a Jupyter notebook
(a real kernel, through nbclient). Each counts a session long enough to be split over
worker processes and lists a folder big enough for them; the answers must be those of
one process reading alone (AGENCY_DESKTOP_WORKER_PROCESSES=0).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import BrokenExecutor
from pathlib import Path
from typing import Any

import pytest

from agency_desktop.stores import parallel, row_totals
from agency_desktop.stores.schema import TablePair
from agency_desktop.stores.stats import get_session_stats
from agency_desktop.util import worker_processes
from tests.helpers.fixtures import LONG_SESSION_ITEMS

CALLS = """\
import json, multiprocessing
from agency_desktop.sessions.session_factory import SessionFactory
stats = SessionFactory.get_session_stats({store!r}, "long")
listed = sorted((s.db_path.name, s.session_id, s.message_count) for s in SessionFactory.list_sessions({folder!r}))
workers = len(multiprocessing.active_children())
print("RESULT " + json.dumps(dict(stats=stats, listed=listed, workers=workers), default=str))
"""

IN_A_THREAD = """\
import threading
def work():
{body}
thread = threading.Thread(target=work)
thread.start()
thread.join()
"""

RUN_NOTEBOOK = """\
import sys, nbformat
from nbclient import NotebookClient
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(sys.stdin.read())])
NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
for output in notebook.cells[0].outputs:
    sys.stdout.write(output.get("text", "") + "\\n".join(output.get("traceback", [])))
"""


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    jupyter = tmp_path / "jupyter"
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_DATA_DIR": str(jupyter / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "IPYTHONDIR": str(jupyter / "ipython"),
        "PYTHONWARNINGS": "ignore::DeprecationWarning",  # jupyter_core's path notice
        **extra,
    }


def _run(style: str, code: str, tmp_path: Path, **env: str) -> dict[str, Any]:
    """Run `code` the way `style` says; returns what it printed after RESULT."""
    python = sys.executable
    script = tmp_path / f"{style}.py"
    commands: dict[str, tuple[list[str], str | None]] = {
        "script": ([python, str(script)], None),
        "stdin": ([python, "-"], code),
        "-c": ([python, "-c", code], None),
        "repl": ([python, "-i", "-q"], code),
        "thread": ([python, str(script)], None),
        "notebook": ([python, "-c", RUN_NOTEBOOK], code),
    }
    if style == "thread":
        code = IN_A_THREAD.format(body=textwrap.indent(code, "    "))
    script.write_text(code)
    command, stdin = commands[style]
    done = subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=_environment(tmp_path, **env),
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"{style}: no result (exit {done.returncode})\n{done.stdout}\n{done.stderr}"
    return dict(json.loads(lines[-1].removeprefix("RESULT ")))


@pytest.fixture(scope="module")
def one_process(
    long_store: Path, many_stores: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, Any]]:
    code = CALLS.format(store=str(long_store), folder=str(many_stores))
    alone = _run(
        "script", code, tmp_path_factory.mktemp("alone"), AGENCY_DESKTOP_WORKER_PROCESSES="0"
    )
    assert alone["workers"] == 0
    assert alone["stats"]["message_count"] == LONG_SESSION_ITEMS
    return code, alone


@pytest.mark.slow
@pytest.mark.parametrize("style", ["script", "stdin", "-c", "repl", "thread", "notebook"])
def test_every_way_of_calling_the_core_gives_the_answers_of_one_process(
    style: str, one_process: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    code, alone = one_process
    result = _run(style, code, tmp_path)
    assert result["workers"] > 0, "the long session was not split over worker processes"
    assert result["stats"] == alone["stats"]
    assert result["listed"] == alone["listed"]


@pytest.fixture
def restored_state() -> Any:
    """Tests here change whether worker processes are used; each leaves it as it was."""
    saved = worker_processes._state
    worker_processes._state = worker_processes._State()
    yield
    worker_processes._state = saved


def test_worker_processes_can_be_turned_off_by_the_caller(
    long_store: Path, monkeypatch: pytest.MonkeyPatch, restored_state: None
) -> None:
    submitted: list[Any] = []
    monkeypatch.setattr(
        worker_processes, "executor", lambda *a: submitted.append(a) or pytest.fail("pooled")
    )
    worker_processes.set_enabled(False)
    stats = get_session_stats(long_store, "long")
    assert stats.message_count == LONG_SESSION_ITEMS
    assert submitted == []


def test_a_pool_that_cannot_start_leaves_the_work_to_the_caller(
    long_store: Path, monkeypatch: pytest.MonkeyPatch, restored_state: None
) -> None:
    def no_processes(*_args: Any) -> Any:
        raise OSError(38, "Function not implemented")  # as on a host without /dev/shm

    monkeypatch.setattr(worker_processes, "executor", no_processes)
    assert get_session_stats(long_store, "long").message_count == LONG_SESSION_ITEMS
    assert not worker_processes.enabled()  # and it is not tried again


def _dies_in_a_worker(value: int) -> int:
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        os._exit(3)  # a worker killed mid-task (the OOM killer, a crash)
    return value * 2


def test_work_of_a_lost_worker_is_done_by_the_caller(restored_state: None) -> None:
    future = parallel.submit(_dies_in_a_worker, 21)
    with pytest.raises(BrokenExecutor):
        future.result()
    assert parallel.outcome(future) == 42
    assert worker_processes.enabled()  # one lost pool: the next use starts a fresh one
    assert parallel.outcome(parallel.submit(abs, -5)) == 5


def test_counting_in_parts_gives_the_one_pass_totals(
    long_store: Path, restored_state: None
) -> None:
    import sqlite3

    conn = sqlite3.connect(long_store)
    conn.execute("PRAGMA query_only = 1")
    try:
        pair = TablePair("agent_sessions", "agent_messages")
        assert len(row_totals._parts(conn, pair, "long", None, None)) >= 2
        split = row_totals.row_totals(conn, pair, "long")
        worker_processes.set_enabled(False)
        whole = row_totals.row_totals(conn, pair, "long")
    finally:
        conn.close()
    assert split == whole
