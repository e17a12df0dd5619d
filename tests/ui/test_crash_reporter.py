"""An exception nobody caught is logged and shown, and the app carries on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from agency_desktop.ui.crash_reporter import CrashReporter
from agency_desktop.util import logs

pytestmark = pytest.mark.qt_no_exception_capture  # the reporter is the one to catch them


@pytest.fixture
def reporter(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[CrashReporter]:
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    logs.configure(debug=False)
    parent = QWidget()
    qtbot.addWidget(parent)
    made = CrashReporter(parent)
    made.install()
    yield made
    made.uninstall()
    if made.dialog is not None:
        made.dialog.close()
    logs.configure(debug=False)


def _fail_in_a_slot() -> None:
    raise RuntimeError("the renderer fell over")


def test_an_exception_in_a_slot_is_logged_and_shown_and_the_loop_runs_on(
    qtbot: Any, reporter: CrashReporter
) -> None:
    QTimer.singleShot(0, _fail_in_a_slot)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert reporter.dialog is not None
    assert "RuntimeError" in reporter.dialog.text()
    assert "_fail_in_a_slot" in reporter.dialog.informativeText()
    assert str(logs.log_path()) in reporter.dialog.informativeText()
    assert "Unhandled RuntimeError" in logs.log_path().read_text()
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    qtbot.waitUntil(lambda: bool(ticked))  # the event loop is still turning


def test_an_exception_in_a_thread_is_shown_too_and_more_are_counted_not_stacked(
    qtbot: Any, reporter: CrashReporter
) -> None:
    def fail() -> None:
        raise KeyError("no such turn")

    for _ in range(3):
        thread = threading.Thread(target=fail)
        thread.start()
        thread.join()
    qtbot.waitUntil(lambda: reporter.more == 2)
    assert reporter.dialog is not None and "KeyError" in reporter.dialog.text()
    assert "2 more since" in reporter.dialog.informativeText()
    assert logs.log_path().read_text().count("Unhandled KeyError") == 3


def test_uninstall_gives_back_the_hooks_it_found(reporter: CrashReporter) -> None:
    import sys

    assert sys.excepthook == reporter.handle
    reporter.uninstall()
    assert sys.excepthook != reporter.handle
    assert threading.excepthook != reporter._handle_thread
