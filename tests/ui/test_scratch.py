from __future__ import annotations

from pathlib import Path
from typing import Any

from agency_desktop.ops.export import export_session
from agency_desktop.ui.models.session_list import Column
from tests.helpers.stores import item_texts

TIMEOUT = 10_000


def _rows(window: Any) -> dict[str, int]:
    model = window.session_proxy
    return {model.index(r, Column.SESSION).data(): r for r in range(model.rowCount())}


def test_duplicate_view_and_save_a_scratch_session(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    window = main_window(store_folder)
    qtbot.waitUntil(
        lambda: "shared-b" in _rows(window) and not window.scanner.busy, timeout=TIMEOUT
    )
    window.session_view.setCurrentIndex(window.session_proxy.index(_rows(window)["shared-b"], 0))
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        window.scratch.do_duplicate_selected()
    qtbot.waitUntil(lambda: "shared-b-copy" in _rows(window), timeout=TIMEOUT)
    row = _rows(window)["shared-b-copy"]
    assert window.session_proxy.index(row, Column.STATE).data() == "in memory"
    window.session_view.setCurrentIndex(window.session_proxy.index(row, 0))
    qtbot.waitUntil(lambda: window.message_model.rowCount() == 12, timeout=TIMEOUT)  # same views
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        window.scratch.do_save("shared-b-copy", tmp_path / "saved.db")
    assert item_texts(tmp_path / "saved.db", "shared-b-copy") == item_texts(
        store_folder / "shared.db", "shared-b"
    )
    window.scratch.do_discard_selected()
    assert "shared-b-copy" not in _rows(window)


def test_new_and_imported_scratch_sessions_survive_a_folder_change(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    export_session(store_folder / "plain.db", "plain-1", "jsonl", tmp_path / "chat.jsonl")
    window = main_window(store_folder)
    qtbot.waitUntil(lambda: len(_rows(window)) == 5, timeout=TIMEOUT)
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        window.scratch.do_import(tmp_path / "chat.jsonl")
    qtbot.waitUntil(lambda: "chat" in _rows(window), timeout=TIMEOUT)
    (tmp_path / "other").mkdir()
    window.open_folder(tmp_path / "other")
    assert list(_rows(window)) == ["chat"]
