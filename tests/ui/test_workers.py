from __future__ import annotations

from typing import Any

import pytest

from agency_desktop.ui.workers import Worker, WorkerPool
from agency_desktop.util.progress import CancelToken, OperationCancelled


@pytest.fixture
def pool(qtbot: Any) -> Any:
    workers = WorkerPool()
    yield workers
    assert workers.shutdown(5000)


def test_returned_and_finished(qtbot: Any, pool: WorkerPool) -> None:
    worker = Worker(lambda a, b: a + b, 2, 3)
    signals = worker.signals
    with (
        qtbot.waitSignals([signals.started, signals.returned, signals.finished], order="strict"),
        qtbot.waitSignal(signals.returned) as returned,
    ):
        pool.start(worker)
    assert returned.args == [5]


def test_exceptions_become_an_error_signal(qtbot: Any, pool: WorkerPool) -> None:
    def boom() -> None:
        raise ValueError("bad input")

    worker = Worker(boom)
    with (
        qtbot.assertNotEmitted(worker.signals.returned),
        qtbot.waitSignal(worker.signals.finished),
        qtbot.waitSignal(worker.signals.errored) as blocker,
    ):
        pool.start(worker)
    error = blocker.args[0]
    assert isinstance(error, ValueError) and "boom" in error.worker_traceback


def test_controls_pass_progress_and_cancel(qtbot: Any, pool: WorkerPool) -> None:
    def operation(*, progress: Any, cancel: CancelToken) -> str:
        progress(1, 2, "half")
        cancel.raise_if_cancelled()
        return "done"

    worker = Worker(operation, controls=True)
    with (
        qtbot.waitSignal(worker.signals.progress) as progress,
        qtbot.waitSignal(worker.signals.returned),
    ):
        pool.start(worker)
    assert progress.args == [1, 2, "half"]


def test_a_flood_of_progress_reaches_the_gui_coalesced_ending_on_the_latest(
    qtbot: Any, pool: WorkerPool
) -> None:
    reports = 20_000

    def operation(*, progress: Any, cancel: CancelToken) -> str:
        for done in range(1, reports + 1):
            progress(done, reports, f"store {done}")
        return "done"

    worker = Worker(operation, controls=True)
    seen: list[tuple[int, int, str]] = []
    worker.signals.progress.connect(lambda *report: seen.append(report))
    with qtbot.waitSignal(worker.signals.finished):
        pool.start(worker)
    qtbot.waitUntil(lambda: bool(seen) and seen[-1][0] == reports)
    assert seen[-1] == (reports, reports, f"store {reports}")
    assert len(seen) < reports  # one event waiting at a time, not one per report
    assert [done for done, _, _ in seen] == sorted({done for done, _, _ in seen})


def test_cancelled_operation_emits_cancelled_not_returned(qtbot: Any, pool: WorkerPool) -> None:
    def operation(*, progress: Any, cancel: CancelToken) -> None:
        raise OperationCancelled

    worker = Worker(operation, controls=True)
    with (
        qtbot.assertNotEmitted(worker.signals.errored),
        qtbot.waitSignal(worker.signals.finished),
        qtbot.waitSignal(worker.signals.cancelled),
    ):
        pool.start(worker)


def test_generators_stream_in_batches(qtbot: Any, pool: WorkerPool) -> None:
    batches: list[list[int]] = []
    worker = Worker(lambda: (i for i in range(2000)))
    worker.signals.yielded.connect(batches.append)
    with qtbot.waitSignal(worker.signals.finished):
        pool.start(worker)
    qtbot.waitUntil(lambda: sum(map(len, batches)) == 2000)
    assert [i for batch in batches for i in batch] == list(range(2000))
    assert len(batches) < 2000 and max(map(len, batches)) <= 512


def test_a_pool_destroyed_mid_work_stops_it_and_delivers_nothing_after(qtbot: Any) -> None:
    import threading

    import shiboken6
    from PySide6.QtCore import QCoreApplication

    release = threading.Event()
    delivered: list[str] = []
    pool = WorkerPool()
    worker = Worker(release.wait, 10)
    worker.signals.returned.connect(lambda _result: delivered.append("returned"))
    worker.signals.finished.connect(lambda: delivered.append("finished"))
    with qtbot.waitSignal(worker.signals.started):
        pool.start(worker)
    threading.Timer(0.05, release.set).start()  # it ends while the pool is being destroyed
    shiboken6.delete(pool)  # waits for the worker; what it sent is still queued then
    QCoreApplication.sendPostedEvents()  # where its queued signals would be delivered
    assert release.is_set()
    assert delivered == []


def test_a_worker_started_after_shutdown_never_runs(qtbot: Any) -> None:
    """A pane's timer that fires after the window shut down must not start a thread."""
    ran: list[int] = []
    pool = WorkerPool()
    assert pool.shutdown(5000)
    worker = pool.start(Worker(ran.append, 1))
    assert worker.is_cancelled
    assert pool.active == 0
    assert ran == []
