"""What the window says agrees with itself: item numbers, plurals, dialog titles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agency_desktop.ui.models.message_table import Role
from tests.helpers.stores import write_plain
from tests.ui.test_following import _open
from tests.ui.test_operations import TIMEOUT, _ready


def test_one_session_is_not_called_sessions(qtbot: Any, main_window: Any, tmp_path: Path) -> None:
    write_plain(tmp_path / "one" / "one.db", "only", ("Paris",))
    window = main_window(tmp_path / "one")
    qtbot.waitUntil(lambda: not window.scanner.busy and window.session_model.session_count() == 1)
    assert window.status_label.text().startswith("1 session · ")


def test_the_detail_header_numbers_the_item_as_the_table_does(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    _open(qtbot, window, "shared-b")  # its row ids start after shared-a's
    first = window.message_model.index(0, 0)
    assert first.data() == "1"
    assert first.data(Role.ROW_ID) > 1
    qtbot.waitUntil(lambda: "characters" in window.detail.title.text(), timeout=TIMEOUT)
    assert window.detail.title.text().startswith("Item 1 · ")
    count = window.message_model.total
    assert window.messages.info.text() == f"{count} items"


def test_deleting_a_session_is_called_so(qtbot: Any, main_window: Any, store_folder: Path) -> None:
    window = _ready(qtbot, main_window, store_folder)
    _open(qtbot, window, "shared-a")
    controller = window.operations
    controller.ask_delete_selected()
    qtbot.waitUntil(
        lambda: controller.preview is not None and controller.preview.isVisible(), timeout=TIMEOUT
    )
    assert controller.preview.windowTitle() == "Delete session shared-a"
    assert controller.preview.confirm_button.text() == "Delete"
    controller.preview.reject()


def test_an_empty_folder_says_so_and_how_to_fill_it(
    qtbot: Any, main_window: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    window = main_window(folder)
    window.show()
    hint = window.sessions.empty_hint
    qtbot.waitUntil(hint.isVisible, timeout=TIMEOUT)
    assert f"No session stores in {folder}" in hint.text()
    assert f'SQLiteSession("my-session", "{folder / "sessions.db"}")' in hint.text()
    assert not window.session_view.isVisible()
    write_plain(folder / "agent.db", "first", ("Paris",))  # an agent starts writing
    qtbot.waitUntil(lambda: window.session_model.session_count() == 1, timeout=TIMEOUT)
    assert window.session_view.isVisible() and not hint.isVisible()


def test_the_session_list_shows_title_and_last_activity_first_and_columns_can_be_hidden(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    from agency_desktop.ui.models.session_list import Column

    window = _ready(qtbot, main_window, store_folder)
    header = window.session_view.horizontalHeader()
    assert [header.logicalIndex(v) for v in (0, 1, 2)] == [
        Column.SESSION,
        Column.TITLE,
        Column.LAST_ACTIVITY,
    ]
    shown = sum(window.session_view.columnWidth(c) for c in (0, Column.TITLE, Column.LAST_ACTIVITY))
    assert shown <= window.session_view.viewport().width()  # no scrolling to see them
    row = next(
        r
        for r in range(window.session_proxy.rowCount())
        if window.session_proxy.index(r, Column.SESSION).data() == "plain-1"
    )
    assert window.session_proxy.index(row, Column.TITLE).data() == "Weather in Paris?"
    items_width = window.session_view.columnWidth(Column.ITEMS)
    assert items_width > window.session_view.fontMetrics().horizontalAdvance("1,000,000")
    menu = window.sessions.column_menu()
    [file_action] = [a for a in menu.actions() if a.text() == "File"]
    file_action.setChecked(False)
    assert header.isSectionHidden(Column.FILE)
    window.close()  # remembered with the window's shape
    again = main_window(store_folder)
    assert again.session_view.horizontalHeader().isSectionHidden(Column.FILE)
    assert again.session_view.horizontalHeader().logicalIndex(2) == Column.LAST_ACTIVITY


def test_the_number_column_fits_a_million(qtbot: Any) -> None:
    """The # column showed "999,9…" on the million-item store: it is as wide as its last number."""
    from agency_desktop.ui.models.message_table import Column, MessageTableModel
    from agency_desktop.ui.widgets.message_pane import MessagePane

    model = MessageTableModel()
    pane = MessagePane(model)
    qtbot.addWidget(pane)
    model.sessionOpened.emit(1_000_000)
    needed = pane.view.fontMetrics().horizontalAdvance("1,000,000")
    assert pane.view.columnWidth(Column.POSITION) > needed + 8  # the cell's own margins
    model.shutdown()
