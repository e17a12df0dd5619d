"""`agency-desktop [PATH ...]`: start the app on folders, store files or a server's URL."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFileOpenEvent, QIcon
from PySide6.QtWidgets import QApplication

from .. import __version__
from ..util import logs
from .crash_reporter import CrashReporter
from .main_window import MainWindow
from .termination import watch_for_termination
from .theme import Theme, apply_theme

APP_NAME = "Agency Desktop"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="agency-desktop", description="Browse OpenAI Agents SDK session stores."
    )
    parser.add_argument(
        "paths",
        nargs="*",
        help="folders or session store files to open, or a server store's URL"
        " (postgresql://user@host/db)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open a store written by the SDK in the real window, check every step, and exit",
    )
    return parser.parse_args(argv)


class FileOpenFilter(QObject):
    """macOS hands double-clicked files to a running app as QFileOpenEvent, not in argv."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            self._window.open_files([event.file()])
            return True
        return super().eventFilter(watched, event)


def tune_garbage_collector() -> None:
    """Keep Python's full collections from pausing the event loop.

    A full collection walks every object (Qt wrappers included) while holding the GIL,
    whichever thread triggers it: measured at 80-100 ms with a large folder open.
    Objects made at start-up are moved out of its reach. A young collection walks every
    object made since the last one, holding the GIL too: 10,000 of them take 2-3 ms (50,000
    took 8-15 ms, a stall of its own at the end of a folder's backup). Older collections
    keep their pace: one every million objects made, a full one every twenty of those.
    """
    gc.freeze()
    gc.set_threshold(10_000, 100, 20)


def app_icon() -> QIcon:
    from importlib.resources import files

    return QIcon(str(files("agency_desktop.resources") / "agency-desktop.svg"))


QUIT_WHEN_SHOWN_ENV = "AGENCY_DESKTOP_QUIT_WHEN_SHOWN"
LOG_SETUP_DELAY_MS = 1000  # the log file is set up once the window is up (see logs.py)


def quit_when_shown(app: QApplication, window: MainWindow, mode: str = "1") -> None:
    """Start-up timing: exit as soon as the window is on screen and painted once.

    Mode "rows": once its first messages are; "end": once it has then jumped to the
    last item, printing the process's peak resident set (`peak_rss_bytes=N`) first.
    The benchmark starts the app with this set and takes the wall time of the whole
    process, so nothing has to be trusted to measure itself. The process ends at once
    (no teardown), as the bare window it is compared with does: start-up is measured,
    not shutdown.
    """
    poll = QTimer(window, interval=5)
    jumped: list[bool] = []
    window.message_model.jumpedToEnd.connect(lambda: jumped.append(True))

    def check() -> None:
        handle = window.windowHandle()
        has_rows = window.message_model.rowCount() > 0
        if handle is None or not handle.isExposed() or (mode != "1" and not has_rows):
            return
        if mode == "end" and not jumped:
            if not window.message_model.loading:
                window.messages.jump_to_end()
            return
        poll.stop()
        window.repaint()
        if mode == "end":
            print(f"peak_rss_bytes={peak_rss_bytes()}", flush=True)
        os._exit(0)

    poll.timeout.connect(check)
    poll.start()


def peak_rss_bytes() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # Linux: KiB


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        from .self_test import run_self_test

        return run_self_test(args.paths)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("AgencyDesktop")
    QApplication.setWindowIcon(app_icon())
    logs.hold_records()
    window = MainWindow(restore=not args.paths)
    if window.settings.theme is not Theme.SYSTEM:  # the system's needs nothing done
        apply_theme(window.settings.theme)
    reporter = CrashReporter(window)
    reporter.install()
    debug = logs.env_debug() or window.settings.debug_logging
    QTimer.singleShot(LOG_SETUP_DELAY_MS, lambda: logs.configure(debug=debug))
    if sys.platform == "darwin":
        # Only macOS delivers QFileOpenEvent. An application-wide filter sees every event
        # of every widget, each one a call into Python that has to take the GIL.
        app.installEventFilter(FileOpenFilter(window))
    tune_garbage_collector()
    if args.paths:
        window.open_paths(args.paths)
    window.show()
    if probe := os.environ.get(QUIT_WHEN_SHOWN_ENV):
        quit_when_shown(app, window, probe)
    watch = watch_for_termination(lambda: (window.close(), app.quit()), app)
    try:
        return int(app.exec())
    finally:
        if watch is not None:
            watch.release()


if __name__ == "__main__":
    sys.exit(main())
