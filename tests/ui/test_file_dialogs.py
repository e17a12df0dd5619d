"""Dialogs start where the user's files are; saved names end as the chosen format asks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog

from agency_desktop.ui import file_dialogs
from agency_desktop.ui.operations import EXPORT_FILTERS
from agency_desktop.util.paths import backup_dir
from tests.ui.test_following import _open
from tests.ui.test_operations import TIMEOUT, _ready

FILTERS = ";;".join(EXPORT_FILTERS)


def test_a_name_gets_the_suffix_of_the_chosen_filter() -> None:
    markdown = "Markdown transcript (*.md)"
    assert file_dialogs.with_filter_suffix(Path("/x/conv_a"), markdown, FILTERS) == Path(
        "/x/conv_a.md"
    )
    assert file_dialogs.with_filter_suffix(Path("/x/conv_a.md"), markdown, FILTERS).name == (
        "conv_a.md"
    )
    # another format's suffix is swapped, a dot in a session id is kept
    assert file_dialogs.with_filter_suffix(Path("/x/a.json"), markdown, FILTERS).name == "a.md"
    assert file_dialogs.with_filter_suffix(Path("/x/v1.2"), markdown, FILTERS).name == "v1.2.md"
    assert file_dialogs.with_filter_suffix(Path("/x/a"), "All files (*)", FILTERS).name == "a"
    assert file_dialogs.safe_file_name("team/a:b") == "team_a_b"


class _Dialogs:
    """What QFileDialog was asked, and its answers."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, save: str, selected: str) -> None:
        self.asked: list[tuple[str, str, str]] = []
        self._answer = (save, selected)
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._save)
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", self._folder)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._open)

    def _save(self, _p: Any, title: str, start: str, _f: str, initial: str, _o: Any) -> Any:
        self.asked.append((title, start, initial))
        return self._answer

    def _folder(self, _p: Any, title: str, start: str) -> str:
        self.asked.append((title, start, ""))
        return ""

    def _open(self, _p: Any, title: str, start: str, _f: str) -> Any:
        self.asked.append((title, start, ""))
        return "", ""


def test_export_suggests_a_name_and_saves_with_the_chosen_extension(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    _open(qtbot, window, "shared-b")
    dialogs = _Dialogs(monkeypatch, str(tmp_path / "conv_b"), "Markdown transcript (*.md)")
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        window.operations.ask_export()
    [(_title, start, initial)] = dialogs.asked
    assert start == str(store_folder / "shared-b.md")
    assert initial == "Markdown transcript (*.md)"
    assert (tmp_path / "conv_b.md").read_text().startswith("#")
    assert not (tmp_path / "conv_b").exists()


def test_backup_and_restore_start_in_the_backups_folder(
    qtbot: Any, main_window: Any, store_folder: Path, monkeypatch: Any
) -> None:
    backup_dir().mkdir(parents=True, exist_ok=True)
    window = _ready(qtbot, main_window, store_folder)
    _open(qtbot, window, "plain-1")
    dialogs = _Dialogs(monkeypatch, "", "")
    window.operations.ask_backup_selected()
    window.operations.ask_restore()
    assert [start for _, start, _ in dialogs.asked] == [str(backup_dir())] * 2


def test_clean_up_asks_for_one_day_at_least(
    qtbot: Any, main_window: Any, store_folder: Path, monkeypatch: Any
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    asked: list[int] = []

    def get_int(_p: Any, _t: str, _l: str, value: int, minimum: int, _m: int) -> Any:
        asked.append(minimum)
        return value, False

    monkeypatch.setattr(QInputDialog, "getInt", get_int)
    window.operations.ask_cleanup_old()
    assert asked == [1]
