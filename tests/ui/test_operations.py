"""Operations from the window: each runs in a worker, reports progress, can be cancelled."""

from __future__ import annotations

import json
import threading
import weakref
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agency_desktop.ops import cleanup
from agency_desktop.ops.export import ExportFormat
from agency_desktop.ops.folder_backup import MANIFEST_PREFIX
from agency_desktop.stores.listing import list_sessions
from agency_desktop.ui import desktop
from agency_desktop.ui.settings import Settings
from agency_desktop.ui.widgets.notice_bar import Level
from tests.helpers.stores import item_texts

TIMEOUT = 10_000
LATER = datetime.now(UTC) + timedelta(days=40)


def _ready(qtbot: Any, main_window: Any, folder: Path) -> Any:
    window = main_window(folder)
    qtbot.waitUntil(
        lambda: window.session_model.session_count() == 5 and not window.scanner.busy,
        timeout=TIMEOUT,
    )
    return window


def _info(window: Any, session_id: str) -> Any:
    return next(i for i in list_sessions(window.folder) if i.session_id == session_id)


def test_backup_of_the_folder(
    qtbot: Any,
    main_window: Any,
    store_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    window.operations._folder = lambda title, start=None: tmp_path / "backup"  # its answer
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        window.operations.ask_backup_folder()
    assert "Backed up 4 stores" in done.args[0]
    copied = [p.name for p in (tmp_path / "backup").iterdir()]
    manifests = [name for name in copied if name.startswith(MANIFEST_PREFIX)]
    assert len(manifests) == 1  # the list of the copies, written last
    assert sorted(set(copied) - set(manifests)) == sorted(
        p.name for p in window.scanner.store_paths
    )
    assert len(list_sessions(tmp_path / "backup")) == 5
    assert window.notice.label.text() == done.args[0]
    assert window.notice.level is Level.SUCCESS
    shown: list[Path] = []
    monkeypatch.setattr(desktop, "open_in_desktop", shown.append)
    [show] = window.notice.action_buttons
    assert show.text() == "Show in Folder"
    show.click()
    assert shown == [tmp_path / "backup"]


def test_cleanup_previews_exactly_what_it_removes(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    controller = window.operations
    controller.do_plan_cleanup(lambda: cleanup.plan_cleanup(store_folder, 30, now=LATER))
    qtbot.waitUntil(
        lambda: controller.preview is not None and controller.preview.isVisible(), timeout=TIMEOUT
    )
    preview = controller.preview
    assert preview.table.rowCount() == 5
    assert len(list_sessions(store_folder)) == 5  # nothing happens before the user agrees
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        preview.accept()
    assert "4 files moved to the trash" in done.args[0]
    assert list_sessions(store_folder) == []
    qtbot.waitUntil(lambda: window.session_model.session_count() == 0, timeout=TIMEOUT)


def test_rejecting_the_preview_changes_nothing(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    controller = window.operations
    controller.do_plan_cleanup(lambda: cleanup.plan_for_sessions([_info(window, "shared-a")]))
    qtbot.waitUntil(
        lambda: controller.preview is not None and controller.preview.isVisible(), timeout=TIMEOUT
    )
    assert controller.preview.table.item(0, 0).text() == "session deleted (after a backup)"
    controller.preview.reject()
    assert len(list_sessions(store_folder)) == 5 and not window.runner.busy


def test_automatic_backups_can_be_turned_off_and_the_preview_says_so(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    window = _ready(qtbot, main_window, store_folder)
    controller = window.operations
    menu = window.operations_menu
    assert controller.auto_backup and menu.auto_backup_action.isChecked()
    menu.auto_backup_action.trigger()
    assert not controller.auto_backup
    assert Settings(window.settings.store).auto_backup is False
    controller.do_plan_cleanup(lambda: cleanup.plan_for_sessions([_info(window, "shared-a")]))
    qtbot.waitUntil(
        lambda: controller.preview is not None and controller.preview.isVisible(), timeout=TIMEOUT
    )
    assert controller.preview.table.item(0, 0).text() == "session deleted"
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        controller.preview.accept()
    assert "1 session deleted" in done.args[0] and "backups kept" not in done.args[0]
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.db"))
    assert {i.session_id for i in list_sessions(store_folder)} == {
        "plain-1",
        "shared-b",
        "adv-1",
        "custom-1",
    }


def test_cancel_button_stops_an_operation(qtbot: Any, main_window: Any, store_folder: Path) -> None:
    window = _ready(qtbot, main_window, store_folder)
    started = threading.Event()

    def endless(*, progress: Any, cancel: Any) -> None:
        step = 0
        while step < 100_000:  # bounded: ends on its own if the test were ever broken
            progress(step, 0, "working")
            started.set()
            cancel.raise_if_cancelled()
            step += 1
            threading.Event().wait(0.001)

    window.runner.run("Endless", endless)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    assert window.progress_strip.isVisibleTo(window)
    with qtbot.waitSignal(window.runner.cancelled, timeout=TIMEOUT):
        window.progress_strip.cancel_button.click()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=TIMEOUT)
    assert not window.progress_strip.isVisibleTo(window)


def test_errors_become_a_visible_message(qtbot: Any, main_window: Any, store_folder: Path) -> None:
    window = _ready(qtbot, main_window, store_folder)
    with qtbot.waitSignal(window.runner.failed, timeout=TIMEOUT) as failed:
        window.operations.do_rename(_info(window, "shared-a"), "shared-b")
    assert "exists already" in failed.args[0]
    assert "exists already" in window.notice.label.text()


def test_move_rename_split_merge(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    ops = window.operations
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        ops.do_copy(_info(window, "shared-b"), tmp_path / "moved.db", move=True)
    assert item_texts(store_folder / "shared.db", "shared-b") == []
    assert len(item_texts(tmp_path / "moved.db", "shared-b")) == 12
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        ops.do_rename(_info(window, "plain-1"), "renamed")
    assert len(item_texts(store_folder / "plain.db", "renamed")) == 8
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        ops.do_split(store_folder / "plain.db", tmp_path / "split")
    assert [p.name for p in (tmp_path / "split").iterdir()] == ["plain--renamed.db"]
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as merged:
        ops.do_merge([store_folder / "plain.db", tmp_path / "moved.db"], tmp_path / "merged.db")
    assert "Wrote 2 sessions (20 items)" in merged.args[0]


def test_export_and_import_round_trip(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    ops = window.operations
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        ops.do_export(_info(window, "shared-b"), tmp_path / "e.json", ExportFormat.JSON)
    assert len(json.loads((tmp_path / "e.json").read_text())) == 12
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        ops.do_import(tmp_path / "e.json", tmp_path / "i.db", "back")
    assert item_texts(tmp_path / "i.db", "back") == item_texts(
        store_folder / "shared.db", "shared-b"
    )


def test_export_all_sessions_as_html(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        window.operations.do_export_all(tmp_path / "html", ExportFormat.HTML)
    assert done.args[0].startswith("Exported 5 sessions (36 items)")
    assert len(list((tmp_path / "html").glob("*.html"))) == 5


def test_archive_then_restore_with_keep_both(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    ops = window.operations
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        ops.do_archive(window.scanner.store_paths, tmp_path / "all.zip")
    assert "Archived 4 stores" in done.args[0]
    (store_folder / "custom.db").unlink()  # lost since the backup
    ops.do_plan_restore(tmp_path / "all.zip", store_folder)
    qtbot.waitUntil(
        lambda: ops.restore_preview is not None and ops.restore_preview.isVisible(), timeout=TIMEOUT
    )
    preview = ops.restore_preview
    assert preview.table.rowCount() == 4
    preview.choose("keep_both")
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as restored:
        preview.accept()
    assert restored.args[0].startswith("Restored")
    assert len(item_texts(store_folder / "custom.db", "custom-1", table="my_items")) == 4
    assert len(list(store_folder.glob("*.db"))) == 4  # identical stores were left alone


class _Result:
    """An operation's result that can be watched for being freed."""


def test_the_runner_frees_a_result_after_announcing_it(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    made: list[weakref.ref[_Result]] = []

    def operation(*, progress: Any, cancel: Any) -> _Result:
        result = _Result()
        made.append(weakref.ref(result))
        return result

    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT) as done:
        window.runner.run("Trying", operation, summary=lambda _: "tried")
    assert isinstance(done.args[1], _Result)
    done.args.clear()  # pytest-qt's own reference to it
    assert made[0]() is not None  # not freed in the turn that announced it (12 ms for a big one)
    qtbot.waitUntil(lambda: made[0]() is None, timeout=TIMEOUT)
