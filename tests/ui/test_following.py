"""Every pane shows the selected session, or says plainly that there is none.

After a rename, a move or a delete the views follow the session or say it is gone;
a row of a file that could not be read empties them and says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agency_desktop.ops import cleanup
from agency_desktop.stores.listing import list_sessions
from agency_desktop.ui.models.session_list import Role
from tests.ui.test_operations import TIMEOUT, _ready


def _open(qtbot: Any, window: Any, session_id: str) -> None:
    window.view.select(lambda info: info.session_id == session_id)
    qtbot.waitUntil(
        lambda: (
            window.message_model.session_id == session_id
            and window.message_model.rowCount() > 0
            and window.detail.title.text().startswith("Item ")
        ),
        timeout=TIMEOUT,
    )


def _showing(window: Any) -> tuple[str | None, str | None]:
    current = window.sessions.current()
    return (current.session_id if current else None, window.message_model.session_id)


def test_a_renamed_session_stays_on_show_under_its_new_name(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    _open(qtbot, window, "shared-a")
    info = window.sessions.current()
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        window.operations.do_rename(info, "shared-a-renamed")
    qtbot.waitUntil(lambda: _showing(window) == ("shared-a-renamed",) * 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.message_model.rowCount() == info.message_count, timeout=TIMEOUT)
    assert window.messages.info.text() == f"{info.message_count} items"
    assert window.notice.level.value == "success"  # no "no session 'shared-a'" error


def test_a_moved_session_is_followed_into_its_new_store(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    _open(qtbot, window, "shared-b")
    info = window.sessions.current()
    target = store_folder / "moved.db"
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        window.operations.do_copy(info, target, move=True)
    qtbot.waitUntil(lambda: window.message_model.db_path == target, timeout=TIMEOUT)
    assert _showing(window) == ("shared-b", "shared-b")
    assert window.sessions.current().db_path == target


def test_a_deleted_session_empties_the_panes_and_says_so(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    _open(qtbot, window, "shared-b")
    plan = cleanup.plan_for_sessions([window.sessions.current()])
    assert [s.session_id for s in plan.sessions] == ["shared-b"] and not plan.files
    with qtbot.waitSignal(window.runner.succeeded, timeout=TIMEOUT):
        window.operations.do_run_cleanup(plan)
    qtbot.waitUntil(lambda: window.message_model.session_id is None, timeout=TIMEOUT)
    assert "shared-b" not in {i.session_id for i in list_sessions(store_folder)}
    assert window.message_model.rowCount() == 0
    assert "no longer" in window.messages.info.text()
    assert "shared-b" in window.detail.title.text()
    assert window.stats.stats is None


def test_a_problem_row_empties_the_panes_and_says_why(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    (store_folder / "notes.db").write_text("not a database")
    window = main_window(store_folder)
    qtbot.waitUntil(
        lambda: (
            window.session_model.problem_count() == 1
            and window.session_model.session_count() == 5
            and not window.scanner.busy
        ),
        timeout=TIMEOUT,
    )
    _open(qtbot, window, "plain-1")
    proxy = window.session_proxy
    problem = next(
        proxy.index(r, 0)
        for r in range(proxy.rowCount())
        if proxy.index(r, 0).data(Role.INFO) is None
    )
    window.session_view.setCurrentIndex(problem)
    qtbot.waitUntil(lambda: window.message_model.session_id is None, timeout=TIMEOUT)
    assert window.message_model.rowCount() == 0
    assert window.detail.title.text() == "notes.db cannot be read: not SQLite"
    explanation = window.detail.transcript.toPlainText()
    assert "not an SQLite database" in explanation
    assert "What to do: If it was encrypted with SQLCipher" in explanation
    assert window.messages.info.text() == "No session open"


def test_another_folder_leaves_nothing_of_the_last_on_the_panes(
    qtbot: Any, main_window: Any, store_folder: Path, tmp_path: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    _open(qtbot, window, "shared-b")
    assert window.messages.info.text() == "12 items"
    (tmp_path / "empty").mkdir()
    window.open_folder(tmp_path / "empty")
    assert window.message_model.rowCount() == 0
    assert window.messages.info.text() == "No session open"
    assert window.detail.title.text() == "Select a message to read it here."
