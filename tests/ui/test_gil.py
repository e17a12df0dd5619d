"""Model fills on the GUI thread run with a short switch interval, and only they do."""

from __future__ import annotations

import sys

import pytest

from agency_desktop.ui.gil import GUI_SWITCH_INTERVAL_S, gui_turns, with_gui_turns


def test_the_interval_is_short_inside_and_as_it_was_after() -> None:
    before = sys.getswitchinterval()
    with gui_turns():
        assert sys.getswitchinterval() == pytest.approx(GUI_SWITCH_INTERVAL_S, abs=1e-5)
        with gui_turns():  # nested fills keep it short, and the outer one restores it
            pass
        assert sys.getswitchinterval() == pytest.approx(GUI_SWITCH_INTERVAL_S, abs=1e-5)
    assert sys.getswitchinterval() == before


def test_a_failing_slot_restores_the_interval() -> None:
    before = sys.getswitchinterval()
    seen: list[float] = []

    @with_gui_turns
    def slot(value: int) -> int:
        seen.append(sys.getswitchinterval())
        raise ValueError(value)

    with pytest.raises(ValueError):
        slot(3)
    assert seen == [pytest.approx(GUI_SWITCH_INTERVAL_S, abs=1e-5)]
    assert sys.getswitchinterval() == before


def test_while_a_worker_runs_the_interval_is_short_and_the_fills_shorter(
    qtbot: object,
) -> None:
    from agency_desktop.ui.gil import WORKING_SWITCH_INTERVAL_S, worker_running
    from agency_desktop.ui.workers import Worker, WorkerPool

    before = sys.getswitchinterval()
    with worker_running():
        assert sys.getswitchinterval() == pytest.approx(WORKING_SWITCH_INTERVAL_S, abs=1e-5)
        with gui_turns():
            assert sys.getswitchinterval() == pytest.approx(GUI_SWITCH_INTERVAL_S, abs=1e-5)
        assert sys.getswitchinterval() == pytest.approx(WORKING_SWITCH_INTERVAL_S, abs=1e-5)
    assert sys.getswitchinterval() == before

    pool = WorkerPool()
    worker = Worker(sys.getswitchinterval)  # what the worker's own run sees
    seen: list[float] = []
    worker.signals.returned.connect(seen.append)
    with qtbot.waitSignal(worker.signals.finished):  # type: ignore[attr-defined]
        pool.start(worker)
    assert seen == [pytest.approx(WORKING_SWITCH_INTERVAL_S, abs=1e-5)]
    assert pool.shutdown(5000)
    assert sys.getswitchinterval() == before
