"""`agency-desktop --self-test`: the real window on a store the SDK writes, end to end.

Made for the frozen build, where a missing module, plugin or resource only shows
when the app runs: it writes a demo folder with `agents.Runner`, opens it in the
main window, and waits for the first session's messages, its transcript and its
charts; then it paints the window into an image. Exit 0 when all of that happened,
1 with the step that did not. It never touches the user's settings or data folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow

STEP_TIMEOUT_S = 60.0
RESOURCES = ("agency-desktop.svg", "agency-desktop.desktop", "agency-desktop-mime.xml")


class SelfTestFailed(Exception):
    pass


@dataclass(frozen=True)
class Step:
    name: str
    done: Callable[[], bool]
    failed: Callable[[], str | None] = lambda: None  # why it can no longer happen


def check_resources() -> None:
    """Every file the installers and the window need is inside the package."""
    package = files("agency_desktop.resources")
    missing = [name for name in RESOURCES if not package.joinpath(name).is_file()]
    if missing:
        raise SelfTestFailed(f"resources missing from the package: {', '.join(missing)}")


def check_worker_processes(folder: Path) -> None:
    """Long sessions and big folders are read in worker processes, which a frozen build
    must be able to start: every demo store, listed and counted in one, reads as here."""
    from ..stores.listing import scan_store
    from ..stores.stats import get_session_stats
    from ..util import worker_processes

    pool = worker_processes.executor()
    try:
        if pool.submit(os.getpid).result(STEP_TIMEOUT_S) == os.getpid():
            raise SelfTestFailed("the worker process is this process")
        for store in sorted(folder.glob("*.db")):
            for read in (scan_store, get_session_stats):
                if pool.submit(read, store).result(STEP_TIMEOUT_S) != read(store):
                    raise SelfTestFailed(f"{read.__name__} of {store.name} differs in a worker")
    except (OSError, RuntimeError, TimeoutError) as exc:  # BrokenProcessPool among them
        raise SelfTestFailed(f"worker processes: {type(exc).__name__}: {exc}") from exc
    finally:
        worker_processes.shutdown()


def _wait_for(step: Step, deadline_s: float = STEP_TIMEOUT_S) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    end = time.monotonic() + deadline_s

    def check() -> None:
        if step.done() or step.failed() or time.monotonic() > end:
            loop.quit()

    checker = QTimer(interval=20)
    checker.timeout.connect(check)
    checker.start()
    if not step.done():
        loop.exec()
    checker.stop()
    if not step.done() and (reason := step.failed()):
        raise SelfTestFailed(f"{step.name}: {reason}")
    if not step.done():
        raise SelfTestFailed(f"timed out after {deadline_s:.0f} s waiting for: {step.name}")


class ListingWatch:
    """Tells when the window has given up on listing sessions, and why."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.scans_finished = 0
        window.scanner.scanFinished.connect(self._on_scan_finished)

    def _on_scan_finished(self) -> None:
        self.scans_finished += 1

    def why_nothing_listed(self) -> str | None:
        window = self.window
        notice = window.notice.label.text()
        if notice.startswith("Not opened"):
            return notice  # every file given was refused, with the reason per file
        if not self.scans_finished or window.feed.pending:
            return None
        if window.scanner.busy or window.session_model.session_count():
            return None
        opened = window.folder or ", ".join(str(p) for p in window.files)
        return f"no session found in {opened}"


def _steps(window: MainWindow) -> list[Step]:
    listing = ListingWatch(window)
    return [
        Step(
            "the sessions to be listed",
            lambda: window.session_model.session_count() > 0,
            listing.why_nothing_listed,
        ),
        Step("a session to be selected", lambda: window.current_session() is not None),
        Step("its first messages", lambda: window.message_model.rowCount() > 0),
        Step(
            "the transcript of the first message",
            lambda: not window.detail.transcript.document().isEmpty(),
        ),
        Step("its charts", lambda: _charts_shown(window)),
    ]


def _charts_shown(window: MainWindow) -> bool:
    window.side_tabs.setCurrentWidget(window.stats)  # charts are drawn when seen
    return bool(window.stats.charts)


def run_self_test(paths: list[str] | None = None) -> int:
    """Returns the process exit code; prints one line per step.

    With `paths` (stores or folders, as on the command line) the window opens those
    instead of the demo folder the self-test writes.
    """
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and headless and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        with tempfile.TemporaryDirectory(prefix="agency-self-test-") as scratch:
            _run(Path(scratch), paths or [])
    except SelfTestFailed as exc:
        print(f"self-test FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:  # any failure is a result to report, not a traceback to die on
        print(f"self-test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1
    print("self-test passed", flush=True)
    return 0


def _run(scratch: Path, paths: list[str]) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ..ops.demo import write_demo_folder
    from .main_window import MainWindow

    check_resources()
    print("resources: ok", flush=True)
    folder = write_demo_folder(scratch / "stores")
    print(f"stores written with the SDK: {len(list(folder.glob('*.db')))}", flush=True)
    check_worker_processes(folder)
    print("stores read in worker processes: ok", flush=True)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, restore=False)
    try:
        window.show()
        steps = _steps(window)  # before opening, so no scan can finish unseen
        if paths:
            window.open_paths(paths)
        else:
            window.open_folder(folder)
        for step in steps:
            _wait_for(step)
            print(f"{step.name}: ok", flush=True)
        shown = window.current_session()
        if shown is not None:
            print(f"session shown: {shown.session_id} from {shown.db_path.name}", flush=True)
        window.side_tabs.setCurrentWidget(window.stats)  # paint the charts, not only build them
        image = window.grab().toImage()
        if image.isNull() or image.width() == 0:
            raise SelfTestFailed("the window could not be painted")
        print(f"window painted: {image.width()}x{image.height()}", flush=True)
    finally:
        window.close()
        app.processEvents()
