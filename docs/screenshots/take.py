"""Take the README's screenshots: each main view, light and dark, on the demo folder.

Run with `make screenshots` (offscreen: no display needed). The demo folder is
written by the real SDK into a temporary folder, with one file that is not a store,
so the problem row and its explanation are on show too.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from agency_desktop.ops.demo import write_demo_folder  # noqa: E402
from agency_desktop.ui.main_window import MainWindow  # noqa: E402
from agency_desktop.ui.theme import Theme, apply_theme  # noqa: E402

OUT = Path(__file__).resolve().parent
SIZE = (1440, 900)


def wait_until(app: QApplication, done: Callable[[], bool], timeout: float = 20) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(20):  # let layouts and late paints settle
        app.processEvents()
        time.sleep(0.01)


def save(widget: QWidget, name: str, theme: Theme) -> None:
    path = OUT / f"{name}-{theme.value}.png"
    widget.grab().save(str(path))
    print(path.relative_to(OUT.parent.parent))


def take(app: QApplication, folder: Path, settings: QSettings, theme: Theme) -> None:
    apply_theme(theme)
    window = MainWindow(folder, settings)
    window.resize(*SIZE)
    window.show()
    window.notice.hide()
    wait_until(app, lambda: not window.scanner.busy and window.session_model.session_count() > 3)
    window.view.select(lambda info: info.session_id == "research-trip")
    wait_until(app, lambda: window.message_model.rowCount() > 4)
    window.message_view.setCurrentIndex(window.message_model.index(6, 0))
    wait_until(app, lambda: "characters" in window.detail.title.text())
    save(window, "main", theme)
    window.side_tabs.setCurrentWidget(window.stats)
    wait_until(app, lambda: window.stats.stats is not None and bool(window.stats.charts))
    save(window, "stats", theme)
    window.show_search()
    window.search_panel.query.setText("oslo")
    window.search_panel.search()
    wait_until(
        app, lambda: not window.search_panel.searching and window.search_panel.proxy.rowCount()
    )
    window.search_panel.results.setCurrentIndex(window.search_panel.proxy.index(0, 0))
    wait_until(app, lambda: "characters" in window.detail.title.text())
    save(window, "search", theme)
    window.left_tabs.setCurrentWidget(window.sessions)
    window.sessions.select(lambda info: False)
    window.session_view.setCurrentIndex(_problem_row(window))
    wait_until(app, lambda: "cannot be read" in window.detail.title.text())
    save(window, "problem", theme)
    window.close_folder()
    wait_until(app, lambda: window.welcome.shown)
    save(window, "welcome", theme)
    window.edit_preferences()
    wait_until(app, lambda: window.preferences_dialog.isVisible())
    save(window.preferences_dialog, "preferences", theme)
    window.preferences_dialog.reject()
    window.close()


def _problem_row(window: MainWindow) -> object:
    from agency_desktop.ui.models.session_list import Role

    proxy = window.session_proxy
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(Role.INFO) is None)
    return proxy.index(row, 0)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as scratch:
        folder = write_demo_folder(Path(scratch) / "demo")
        (folder / "notes.db").write_text("meeting notes, not a session store\n")
        settings = QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat)
        for theme in (Theme.LIGHT, Theme.DARK):
            take(app, folder, settings, theme)
        from features import take_features  # the store doctor, branches, notes, diff

        take_features(app, folder, settings, wait_until)


if __name__ == "__main__":
    main()
