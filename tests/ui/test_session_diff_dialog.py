"""Compare Two Sessions: the diff in a worker, a sortable table, Export; closing stops it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QWidget

from agency_desktop import cli
from agency_desktop.ops.backup import backup_store
from agency_desktop.stores.session_diff import diff_sessions
from agency_desktop.ui.dialogs import session_diff as dialog_module
from agency_desktop.ui.dialogs.session_diff import (
    Column,
    DiffTableModel,
    Role,
    SessionDiffDialog,
    show_session_diff,
)
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import folder_snapshot, write_long, write_plain
from tests.stores.test_session_diff import copy_items, edit_row, new_output, row_of
from tests.ui.test_operations import TIMEOUT


@pytest.fixture
def branched(tmp_path: Path) -> tuple[Path, Path]:
    """A session, and a branch of it with a tool result inserted and Oslo's changed."""
    chat = write_plain(tmp_path / "stores" / "chat.db", "chat", ("Paris", "Oslo"))
    branch = copy_items(
        chat,
        "chat",
        chat.parent / "branch.db",
        "chat",
        lambda items: [*items[:6], items[2], *items[6:]],
    )
    edit_row(branch, row_of(branch, "chat", "call_1_Oslo", "function_call_output"), new_output)
    return chat, branch


@pytest.fixture
def parent(qtbot: Any) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _rows(dialog: SessionDiffDialog) -> list[list[str]]:
    proxy = dialog.proxy
    return [
        [proxy.index(row, column).data() for column in range(proxy.columnCount())]
        for row in range(proxy.rowCount())
    ]


def test_the_table_model_passes_the_model_tester(
    qtmodeltester: Any, branched: tuple[Path, Path]
) -> None:
    chat, branch = branched
    diff = diff_sessions(chat, "chat", branch, "chat")
    model = DiffTableModel()
    model.insert_rows(0, diff.entries)
    assert model.rowCount() == 4
    assert model.index(2, Column.IN_B).data(Role.ENTRY) is diff.entries[2]
    qtmodeltester.check(model)
    proxy = QSortFilterProxyModel()
    proxy.setSortRole(Role.SORT)
    proxy.setSourceModel(model)
    proxy.sort(Column.SUMMARY)
    qtmodeltester.check(proxy)


def test_the_differences_are_listed_sortable_and_exported_as_the_cli_prints_them(
    qtbot: Any, capsys: Any, parent: QWidget, branched: tuple[Path, Path], tmp_path: Path
) -> None:
    chat, branch = branched
    before = folder_snapshot(chat.parent)
    dialog = show_session_diff(parent, (chat, "chat"), (branch, "chat"))
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=TIMEOUT)
    assert dialog.isVisible() and not dialog.progress.isVisible()
    assert dialog.summary.text() == (
        "1 added, 0 removed, 1 changed, 7 items the same; the first difference is at item 7."
        " Nothing was changed."
    )
    assert _rows(dialog) == [
        ["=", "1", "1", "", "", "6 items the same", ""],
        ["+", "", "7", "tool result", "call_0_Paris", "Paris: sunny", ""],
        ["~", "7", "8", "tool result", "call_1_Oslo", "Oslo: rain", "$.output"],
        ["=", "8", "9", "", "", "1 item the same", ""],
    ]
    mark = dialog.proxy.index(2, Column.OP)
    assert mark.data(Qt.ItemDataRole.AccessibleTextRole) == "changed"  # not by colour alone
    assert dialog.proxy.index(2, Column.IN_B).data(Qt.ItemDataRole.ToolTipRole) == "row id 8"
    dialog.table.sortByColumn(Column.OP, Qt.SortOrder.AscendingOrder)
    assert [row[0] for row in _rows(dialog)] == ["~", "+", "=", "="]
    dialog.table.sortByColumn(Column.IN_B, Qt.SortOrder.DescendingOrder)
    assert [row[2] for row in _rows(dialog)] == ["9", "8", "7", "1"]

    exported = tmp_path / "diff.json"
    dialog.export_to(exported)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    code = cli.main(["diff", str(chat), str(branch), "--session", "chat", "--json"])
    assert code == 1
    assert json.loads(exported.read_text(encoding="utf-8")) == json.loads(capsys.readouterr().out)
    with qtbot.waitSignal(dialog.destroyed, timeout=TIMEOUT):  # it deletes itself on close
        dialog.reject()
    assert folder_snapshot(chat.parent) == before  # viewing changes nothing


def test_a_session_and_its_backup_show_one_run_of_items_the_same(
    qtbot: Any, parent: QWidget, tmp_path: Path
) -> None:
    chat = write_plain(tmp_path / "chat.db", "chat", ("Paris",))
    backup = backup_store(chat, tmp_path / "backup.db").path
    dialog = show_session_diff(parent, (chat, "chat"), (backup, "chat"))
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=TIMEOUT)
    assert dialog.summary.text() == "The sessions are the same: 4 items each. Nothing was changed."
    assert _rows(dialog) == [["=", "1", "1", "", "", "4 items the same", ""]]
    dialog.reject()


def test_a_session_that_is_not_there_is_named(
    qtbot: Any, parent: QWidget, branched: tuple[Path, Path]
) -> None:
    chat, branch = branched
    dialog = show_session_diff(parent, (chat, "chat"), (branch, "nope"))
    qtbot.waitUntil(lambda: "failed" in dialog.summary.text(), timeout=TIMEOUT)
    assert dialog.summary.text() == (
        f"The comparison failed: {branch}: no session 'nope' in this store"
    )
    assert not dialog.export_button.isEnabled() and dialog.proxy.rowCount() == 0
    dialog.reject()


def test_closing_the_dialog_stops_the_comparison(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, parent: QWidget, tmp_path: Path
) -> None:
    long = write_long(tmp_path / "long.db", "long", 6_000)
    outcome: list[str] = []

    def held(*args: Any, progress: Any, cancel: CancelToken) -> Any:
        """The real comparison, held at its first report until it is cancelled, so the
        dialog is closed while the worker is surely in the middle of reading."""

        def report(done: int, total: int, message: str) -> None:
            progress(done, total, message)
            deadline = time.monotonic() + TIMEOUT / 1000
            while not cancel.cancelled and time.monotonic() < deadline:
                time.sleep(0.005)

        try:
            result = diff_sessions(*args, progress=report, cancel=cancel)
        except OperationCancelled:
            outcome.append("cancelled")
            raise
        outcome.append("finished")
        return result

    monkeypatch.setattr(dialog_module, "diff_sessions", held)
    dialog = show_session_diff(parent, (long, "long"), (long, "long"))
    qtbot.waitUntil(lambda: dialog.progress.maximum() == 12_000, timeout=TIMEOUT)
    assert dialog.summary.text() == "Comparing… 5,000 items of 12,000 read"
    assert dialog.worker is not None and dialog.workers.active == 1
    with qtbot.waitSignal(dialog.destroyed, timeout=TIMEOUT):
        dialog.reject()
        assert dialog.workers.active == 0  # stopped and waited for as it closed
        assert outcome == ["cancelled"]
