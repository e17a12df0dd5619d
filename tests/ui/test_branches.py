"""A session with branches in the window: a choice of branch, main first, and a side by
side comparison from the fork; the table, the conversation and search follow the branch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.stores import folder_snapshot, write_branched, write_plain
from tests.ui.test_operations import TIMEOUT


@pytest.fixture
def branched_window(qtbot: Any, main_window: Any, tmp_path: Path) -> Any:
    folder = tmp_path / "stores"
    write_branched(folder / "branched.db")
    write_plain(folder / "plain.db", "plain")
    before = folder_snapshot(folder)  # as the SDK left them
    window = main_window(folder)
    window.stores_before = before
    qtbot.waitUntil(lambda: window.session_model.session_count() == 2, timeout=TIMEOUT)
    return window


def _open(qtbot: Any, window: Any, session_id: str) -> None:
    window.view.select(lambda info: info.session_id == session_id)
    qtbot.waitUntil(
        lambda: (
            window.message_model.session_id == session_id and window.message_model.rowCount() > 0
        ),
        timeout=TIMEOUT,
    )


def _on_branched(qtbot: Any, window: Any) -> Any:
    """The branched session opened, its two branches offered; the choice of branch."""
    _open(qtbot, window, "branched")
    choice = window.messages.branch_choice
    qtbot.waitUntil(lambda: choice.count() == 2, timeout=TIMEOUT)
    return choice


def _previews(window: Any) -> list[str]:
    model = window.message_model
    return [model.row(n).preview for n in range(model.rowCount())]


def test_a_session_with_branches_opens_on_main_with_a_choice_of_branch(
    qtbot: Any, branched_window: Any
) -> None:
    window = branched_window
    choice = _on_branched(qtbot, window)
    assert choice.isVisibleTo(window)
    assert [choice.itemText(i) for i in range(2)] == [
        "main · 16 items",
        "what-if-rome · 8 items, from turn 2",
    ]
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 16, timeout=TIMEOUT)
    assert not any("Rome" in text for text in _previews(window))
    assert window.messages.info.text() == "16 items on main"


def test_choosing_a_branch_shows_its_items_and_conversation(
    qtbot: Any, branched_window: Any
) -> None:
    window = branched_window
    choice = _on_branched(qtbot, window)
    choice.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 8, timeout=TIMEOUT)
    previews = _previews(window)
    assert "Weather in Rome?" in previews and "Weather in Lima?" not in previews
    assert window.message_model.filter.branch == "what-if-rome"
    window.message_view.setCurrentIndex(window.message_model.index(4, 0))
    conversation = window.detail.conversation
    qtbot.waitUntil(
        lambda: bool(conversation.item_ids) and not conversation.drawing, timeout=TIMEOUT
    )
    assert len(conversation.item_ids) == 8
    assert "branch what-if-rome" in conversation.facts.text()
    # a kind filter keeps the branch
    window.kind_filter.setCurrentIndex(window.kind_filter.findText("User"))
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 2, timeout=TIMEOUT)
    assert window.message_model.filter.branch == "what-if-rome"


def test_a_session_without_branches_shows_no_choice(qtbot: Any, branched_window: Any) -> None:
    window = branched_window
    _on_branched(qtbot, window)
    _open(qtbot, window, "plain")
    qtbot.waitUntil(lambda: not window.messages.branch_choice.isVisibleTo(window), timeout=TIMEOUT)
    assert window.message_model.filter.branch is None
    assert not window.messages.compare_button.isVisibleTo(window)


def test_compare_shows_both_branches_side_by_side_from_the_fork(
    qtbot: Any, branched_window: Any, tmp_path: Path
) -> None:
    window = branched_window
    _open(qtbot, window, "branched")
    qtbot.waitUntil(lambda: window.messages.compare_button.isVisibleTo(window), timeout=TIMEOUT)
    window.messages.compare_button.click()
    dialog = window.tools.branch_compare
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=TIMEOUT)
    table = dialog.table
    assert [table.horizontalHeaderItem(c).text() for c in range(4)] == [
        "#",
        "main",
        "#",
        "what-if-rome",
    ]
    assert table.rowCount() == 12  # main goes on for 12 items, the branch for 4
    assert (table.item(0, 0).text(), table.item(0, 2).text()) == ("5", "5")
    assert "Oslo" in table.item(0, 1).text() and "Rome" in table.item(0, 3).text()
    assert table.item(4, 3) is None
    assert dialog.summary.text() == (
        "what-if-rome forks from main at turn 2, after 4 shared items."
        " After it: 12 items on main, 4 items on what-if-rome."
    )
    dialog.reject()
    window.shutdown()
    assert folder_snapshot(tmp_path / "stores") == window.stores_before


def test_a_search_hit_on_a_branch_opens_that_branch(qtbot: Any, branched_window: Any) -> None:
    window = branched_window
    _on_branched(qtbot, window)
    model = window.message_model
    rome_user = 13  # the branch's own user message: main does not hold it
    model.open_session(model.db_path, "branched", at_row_id=rome_user)
    qtbot.waitUntil(lambda: model.filter.branch == "what-if-rome", timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: (
            window.message_view.currentIndex().isValid()
            and model.row(window.message_view.currentIndex().row()).row_id == rome_user
        ),
        timeout=TIMEOUT,
    )
    assert window.messages.branch_choice.currentText().startswith("what-if-rome")


def test_stats_count_items_and_tokens_per_branch(qtbot: Any, branched_window: Any) -> None:
    window = branched_window
    _open(qtbot, window, "branched")
    stats = window.stats
    qtbot.waitUntil(lambda: stats.stats is not None and bool(stats.stats.branches), timeout=TIMEOUT)
    layout = stats.summary
    rows = {
        layout.itemAt(row, layout.ItemRole.LabelRole).widget().text(): layout.itemAt(
            row, layout.ItemRole.FieldRole
        )
        .widget()
        .text()
        for row in range(layout.rowCount())
    }
    assert rows["Branches"] == "main: 16 items, 886 tokens\nwhat-if-rome: 8 items, 220 tokens"


def test_export_writes_the_branch_on_show(qtbot: Any, branched_window: Any, tmp_path: Path) -> None:
    from agency_desktop.ops.export import ExportFormat

    window = branched_window
    choice = _on_branched(qtbot, window)
    choice.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 8, timeout=TIMEOUT)
    target = tmp_path / "rome.jsonl"
    info = window.current_session()
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        window.operations.do_export(info, target, ExportFormat.JSONL)
    assert done.args[0] == f"Exported 8 items (branch what-if-rome) to {target}"
    assert len(target.read_text().splitlines()) == 8
