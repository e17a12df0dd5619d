"""Notes of your own in the window: edited in a dialog, shown in the list (the title over
the first message's, a star, tags as chips), found by the filter, kept in step with
another window or the CLI, and never written into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from agency_desktop.ops.notes import NoteBook
from agency_desktop.ui.models.session_list import Column, Role
from tests.helpers.stores import folder_snapshot, write_plain
from tests.ui.test_operations import TIMEOUT


@pytest.fixture
def noted(qtbot: Any, main_window: Any, tmp_path: Path) -> Any:
    folder = tmp_path / "stores"
    write_plain(folder / "chat.db", "chat", ("Paris", "Oslo"))
    write_plain(folder / "other.db", "other", ("Lima",))
    before = folder_snapshot(folder)
    window = main_window(folder)
    window.stores_before, window.stores = before, folder
    qtbot.waitUntil(lambda: window.session_model.session_count() == 2, timeout=TIMEOUT)
    window.view.select(lambda info: info.session_id == "chat")
    return window


def _cell(
    window: Any, session_id: str, column: Column, role: int = Qt.ItemDataRole.DisplayRole
) -> Any:
    proxy = window.session_proxy
    for row in range(proxy.rowCount()):
        if proxy.index(row, Column.SESSION).data() == session_id:
            return proxy.index(row, column).data(role)
    return None


def test_notes_edited_in_the_dialog_show_in_the_list_and_stay_out_of_the_store(
    qtbot: Any, noted: Any
) -> None:
    window = noted
    window.menus.edit_notes.trigger()
    dialog = window.notes.dialog
    assert dialog.title.placeholderText() == "Weather in Paris?"
    dialog.title.setText("Trip planning")
    dialog.starred.setChecked(True)
    dialog.tags.setText("travel, Europe, travel")
    dialog.note.setPlainText("Ask about the ferry\nnext week")
    dialog.accept()
    qtbot.waitUntil(
        lambda: _cell(window, "chat", Column.TITLE) == "★ Trip planning", timeout=TIMEOUT
    )
    assert _cell(window, "chat", Column.TAGS) == "Europe, travel"  # in order of name
    assert _cell(window, "chat", Column.TAGS, Role.TAGS) == ("Europe", "travel")
    assert _cell(window, "chat", Column.NOTE) == "Ask about the ferry next week"
    assert _cell(window, "chat", Column.TITLE, Qt.ItemDataRole.ToolTipRole) == (
        "Ask about the ferry\nnext week"
    )
    assert _cell(window, "other", Column.TITLE) == "Weather in Lima?"
    conversation = window.detail.conversation
    qtbot.waitUntil(lambda: conversation.title.text() == "Trip planning", timeout=TIMEOUT)
    window.shutdown()
    assert folder_snapshot(window.stores) == window.stores_before  # never in the store
    with NoteBook() as book:
        [notes] = book.search()
    assert (notes.title, notes.tags, notes.starred) == ("Trip planning", ("Europe", "travel"), True)


def test_the_filter_finds_sessions_by_title_tags_and_note(qtbot: Any, noted: Any) -> None:
    window = noted
    with NoteBook() as book:  # as the CLI or another window would
        info = window.session_model.listed_sessions()[(window.stores / "other.db", "other")]
        book.edit(info, note="the ferry to Lima", add_tags=["south"])
    qtbot.waitUntil(lambda: _cell(window, "other", Column.TAGS) == "south", timeout=TIMEOUT)
    for text in ("ferry", "south", "SOUTH"):
        window.sessions.filter.setText(text)
        assert window.session_proxy.rowCount() == 1
        assert window.session_proxy.index(0, Column.SESSION).data() == "other"
    window.sessions.filter.clear()
    assert window.session_proxy.rowCount() == 2


def test_another_window_or_the_cli_changes_show_within_a_poll(
    qtbot: Any, noted: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from agency_desktop.cli import main

    window = noted
    qtbot.waitUntil(lambda: window.notes._version is not None, timeout=TIMEOUT)
    assert _chips_painted(window) is False  # no tags: the titles are Qt's to paint alone
    store = str(window.stores / "chat.db")
    assert main(["tag", store, "--session", "chat", "--add", "urgent"]) == 0
    qtbot.waitUntil(lambda: _cell(window, "chat", Column.TAGS) == "urgent", timeout=TIMEOUT)
    assert _chips_painted(window) is True
    assert main(["tag", store, "--session", "chat", "--remove", "urgent"]) == 0
    qtbot.waitUntil(lambda: _cell(window, "chat", Column.TAGS) == "", timeout=TIMEOUT)
    assert _chips_painted(window) is False


def _chips_painted(window: Any) -> bool:
    from agency_desktop.ui.widgets.tag_chips import TitleWithTags

    delegate = window.session_view.itemDelegateForColumn(Column.TITLE)
    return isinstance(delegate, TitleWithTags)


def test_star_toggles_and_starred_sessions_sort_first_by_title(qtbot: Any, noted: Any) -> None:
    window = noted
    window.view.select(lambda info: info.session_id == "other")
    window.menus.toggle_star.trigger()
    qtbot.waitUntil(
        lambda: _cell(window, "other", Column.TITLE) == "★ Weather in Lima?", timeout=TIMEOUT
    )
    window.session_view.sortByColumn(Column.TITLE, Qt.SortOrder.AscendingOrder)
    assert window.session_proxy.index(0, Column.SESSION).data() == "other"
    window.menus.toggle_star.trigger()
    qtbot.waitUntil(
        lambda: _cell(window, "other", Column.TITLE) == "Weather in Lima?", timeout=TIMEOUT
    )


def test_a_bookmarked_item_is_listed_in_the_notes_and_shown_from_there(
    qtbot: Any, noted: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    window = noted
    model = window.message_model
    qtbot.waitUntil(lambda: model.session_id == "chat" and model.rowCount() == 8, timeout=TIMEOUT)
    window.message_view.setCurrentIndex(model.index(5, 0))
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kw: ("the Oslo call", True))
    window.menus.bookmark_item.trigger()
    qtbot.waitUntil(
        lambda: window.notes.notes_of(window.current_session()).bookmark_count == 1,
        timeout=TIMEOUT,
    )
    window.message_view.setCurrentIndex(model.index(0, 0))
    window.menus.edit_notes.trigger()
    dialog = window.notes.dialog
    qtbot.waitUntil(
        lambda: dialog.bookmarks.item(0).text() == "item 6: the Oslo call", timeout=TIMEOUT
    )
    dialog.bookmarks.itemDoubleClicked.emit(dialog.bookmarks.item(0))
    qtbot.waitUntil(
        lambda: model.row(window.message_view.currentIndex().row()).row_id == 6, timeout=TIMEOUT
    )
    dialog.reject()


def test_export_asks_to_include_the_notes_only_of_a_noted_session(
    qtbot: Any, noted: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import json

    from PySide6.QtWidgets import QMessageBox

    from agency_desktop.ops.export import ExportFormat

    window = noted
    asked: list[str] = []

    def answer(*args: Any, **kw: Any) -> QMessageBox.StandardButton:
        asked.append(args[2])
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    info = window.current_session()
    assert window.operations._ask_with_notes(info) is False and asked == []  # none yet
    with NoteBook() as book:
        book.edit(info, title="Trip planning", add_tags=["travel"])
    qtbot.waitUntil(lambda: window.notes.notes_of(info).title == "Trip planning", timeout=TIMEOUT)
    assert window.operations._ask_with_notes(info) is True and "your own notes" in asked[0]
    target = tmp_path / "chat.json"
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        window.operations.do_export(info, target, ExportFormat.JSON, with_notes=True)
    document = json.loads(target.read_text())
    assert document["notes"]["title"] == "Trip planning"
    assert document["notes"]["tags"] == ["travel"]
