"""Screenshots of what only this tool does (light theme): branches and their comparison,
the store doctor and a repair's question, notes of your own, and a diff with a backup.

Everything on show is written by the real SDK into the demo folder's copy: an upgraded
store (SQLiteSession, then AdvancedSQLiteSession on the same file), a turn added after an
automatic backup, and notes kept in the app data folder `make screenshots` points at.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from agency_desktop.ops.auto_backup import automatic_backup
from agency_desktop.ops.notes import NoteBook
from agency_desktop.ui.main_window import MainWindow
from agency_desktop.ui.theme import Theme, apply_theme

OUT = Path(__file__).resolve().parent
SIZE = (1440, 900)
Wait = Callable[..., None]


def save(widget: QWidget, name: str) -> None:
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(path.relative_to(OUT.parent.parent))


async def _converse(session: Any, cities: tuple[str, ...]) -> None:
    # The demo's own scripted weather turns (private helpers, used by this script only).
    from agency_desktop.ops.demo import _converse as converse
    from agency_desktop.ops.demo import _tools, _weather_turn

    turns = [_weather_turn(city, f"call_{city.lower()}", f"{city}: fine.") for city in cities]
    await converse(session, _tools()["get_weather"], turns)


def write_upgraded(path: Path) -> None:
    """The upgrade pitfall as users make it: history the SDK no longer returns."""
    from agents import SQLiteSession
    from agents.extensions.memory import AdvancedSQLiteSession

    plain = SQLiteSession("trip-planner", path)
    asyncio.run(_converse(plain, ("Paris", "Oslo")))
    plain.close()
    advanced = AdvancedSQLiteSession(session_id="trip-planner", db_path=path, create_tables=True)
    asyncio.run(_converse(advanced, ("Lima",)))
    advanced.close()


def go_on_after_a_backup(store: Path) -> None:
    from agents import SQLiteSession

    automatic_backup(store)
    session = SQLiteSession("weather-chat", store)
    asyncio.run(_converse(session, ("Lima",)))
    session.close()


def write_notes(window: MainWindow) -> None:
    listed = {info.session_id: info for info in window.session_model.listed_sessions().values()}
    with NoteBook() as book:
        book.edit(listed["research-trip"], title="Three-city trip", starred=True,
                  add_tags=["travel"], note="Compare with the Rome branch before booking.")  # fmt: skip
        book.edit(listed["support-1043"], add_tags=["refund", "escalated"])
        book.edit(listed["weather-chat"], title="Packing advice")


def take_features(app: QApplication, folder: Path, settings: QSettings, wait: Wait) -> None:
    write_upgraded(folder / "upgraded.db")
    go_on_after_a_backup(folder / "weather.db")
    apply_theme(Theme.LIGHT)
    window = MainWindow(folder, settings)
    window.resize(*SIZE)
    window.show()
    window.notice.hide()
    wait(app, lambda: not window.scanner.busy and window.session_model.session_count() > 5)
    _branches(app, window, wait)
    _doctor(app, window, wait)
    _notes(app, window, wait)
    _diff(app, window, wait)
    window.close()


def _branches(app: QApplication, window: MainWindow, wait: Wait) -> None:
    window.view.select(lambda info: info.session_id == "research-trip")
    wait(app, lambda: window.messages.branch_choice.count() == 2)
    window.message_view.setCurrentIndex(window.message_model.index(8, 0))
    wait(app, lambda: "characters" in window.detail.title.text())
    save(window, "branches")
    window.messages.compare_button.click()
    dialog = window.tools.branch_compare
    assert dialog is not None
    wait(app, lambda: dialog.table.rowCount() > 0)
    save(dialog, "branch-compare")
    dialog.reject()


def _doctor(app: QApplication, window: MainWindow, wait: Wait) -> None:
    window.menus.check_folder.trigger()
    dialog = window.doctor.dialog
    assert dialog is not None
    wait(app, dialog.repair_button.isEnabled)
    save(dialog, "doctor")
    dialog.repair_button.click()
    wait(app, lambda: window.doctor.question is not None)
    question = window.doctor.question
    assert question is not None
    wait(app, question.isVisible)
    save(question, "repair")
    question.button(QMessageBox.StandardButton.Cancel).click()
    dialog.reject()


def _notes(app: QApplication, window: MainWindow, wait: Wait) -> None:
    write_notes(window)  # as another window or the CLI would: the list follows
    wait(app, lambda: bool(window.notes.notes) and len(window.notes.notes) == 3, timeout=10)
    window.view.select(lambda info: info.session_id == "research-trip")
    save(window, "notes")
    window.menus.edit_notes.trigger()
    dialog = window.notes.dialog
    assert dialog is not None
    wait(app, dialog.isVisible)
    save(dialog, "notes-dialog")
    dialog.reject()


def _diff(app: QApplication, window: MainWindow, wait: Wait) -> None:
    window.view.select(lambda info: info.session_id == "weather-chat")
    window.menus.compare_with.trigger()
    choice = window.tools.choice
    assert choice is not None
    choice.accept()  # its store's automatic backup comes first
    dialog = window.tools.diff
    assert dialog is not None
    wait(app, lambda: "added" in dialog.summary.text())
    save(dialog, "diff")
    dialog.reject()
