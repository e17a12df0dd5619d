"""The notice bar: a solid bar of its own above the panes, coloured by what it says."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor

from agency_desktop.ops.backup import backup_store
from agency_desktop.ops.cleanup import CleanupPlan, CleanupReport
from agency_desktop.ui import desktop, result_actions
from agency_desktop.ui.widgets.notice_bar import Level, NoticeAction, NoticeBar

LONG = "Could not read the folder: " + "a reason that goes on and on " * 12


def test_a_notice_takes_its_own_space_above_the_panes(qtbot: Any, main_window: Any) -> None:
    window = main_window()
    window.show()
    qtbot.waitExposed(window)
    window.notice.error(LONG)
    qtbot.waitUntil(window.notice.isVisible)
    notice = window.notice.geometry()
    for pane in (window.splitter, window.left_tabs, window.messages, window.side_tabs):
        top_left = pane.mapTo(window.centralWidget(), pane.rect().topLeft())
        assert top_left.y() >= notice.bottom(), pane.objectName() or type(pane).__name__
    assert window.notice.label.height() >= window.notice.label.heightForWidth(
        window.notice.label.width()
    )  # every line of the text shows


def test_the_bar_is_painted_solid_in_the_colour_of_its_level(qtbot: Any) -> None:
    bar = NoticeBar()
    qtbot.addWidget(bar)
    bar.resize(600, 60)
    seen = {}
    for level in Level:
        bar.show_message("Backed up 4 stores", level)
        image = bar.grab().toImage()
        seen[level] = image.pixelColor(8, image.height() // 2)  # left of the icon
        assert seen[level].alpha() == 255
    assert seen[Level.ERROR] == QColor("#fee2e2")
    assert len({color.name() for color in seen.values()}) == len(Level)


def test_actions_run_and_a_new_notice_replaces_them(qtbot: Any) -> None:
    bar = NoticeBar()
    qtbot.addWidget(bar)
    ran: list[str] = []
    bar.success("Exported", [NoticeAction("Open", lambda: ran.append("open"))])
    [button] = bar.action_buttons
    button.click()
    assert ran == ["open"] and bar.level is Level.SUCCESS
    bar.warn("Another operation is still running.")
    assert bar.action_buttons == [] and bar.level is Level.WARNING
    bar.close_button.click()
    assert bar.isHidden()


def test_results_offer_the_place_they_were_written(
    store_folder: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    opened: list[Path] = []
    monkeypatch.setattr(desktop, "open_in_desktop", opened.append)
    (tmp_path / "backups").mkdir()
    backup = backup_store(store_folder / "plain.db", tmp_path / "backups")
    assert backup.path.parent == tmp_path / "backups"
    [show] = result_actions.result_actions(backup)
    show.run()
    assert opened == [tmp_path / "backups"]
    assert result_actions.result_actions(3) == []  # a count says nowhere
    plan = CleanupPlan(directory=store_folder, cutoff=datetime.now(UTC), files=(), sessions=())
    report = CleanupReport(plan, dry_run=False, backups=[tmp_path / "backups" / "plain.db"])
    [show_backups] = result_actions.result_actions(report)
    assert show_backups.label == "Show Backups"
