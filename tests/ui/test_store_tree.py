"""View > Group Sessions by Store: files of several sessions as nodes above them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agency_desktop.stores.listing import scan_directory
from agency_desktop.ui.models.session_list import Column, SessionFilterProxy, SessionListModel
from agency_desktop.ui.models.store_tree import StoreTreeModel
from tests.ui.test_operations import TIMEOUT, _ready


def _tops(model: StoreTreeModel) -> dict[str, list[str]]:
    tops = {}
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        tops[index.data()] = [model.index(r, 0, index).data() for r in range(model.rowCount(index))]
    return tops


def test_a_store_of_several_sessions_is_a_node_and_the_model_passes_the_tester(
    qapp: Any, qtmodeltester: Any, store_folder: Path
) -> None:
    source = SessionListModel()
    source.reset(store_folder)
    for scan in scan_directory(store_folder):
        source.apply_scan(scan)
    proxy = SessionFilterProxy()
    proxy.setSourceModel(source)
    proxy.sort(Column.SESSION)
    tree = StoreTreeModel(proxy)
    qtmodeltester.check(tree)
    assert _tops(tree) == {
        "adv-1": [],
        "custom-1": [],
        "plain-1": [],
        "shared.db": ["shared-a", "shared-b"],
    }
    node = next(
        tree.index(r, 0) for r in range(tree.rowCount()) if tree.index(r, 0).data() == "shared.db"
    )
    assert tree.index(node.row(), Column.TITLE).data() == "2 sessions"
    assert tree.index(node.row(), Column.ITEMS).data() == "16"  # shared-a 4 + shared-b 12
    proxy.setFilterFixedString("shared-b")  # one session of the file left: a row of its own
    tree.regroup()
    assert _tops(tree) == {"shared-b": []}


def test_the_tree_and_the_list_share_the_open_session(
    qtbot: Any, main_window: Any, store_folder: Path
) -> None:
    window = _ready(qtbot, main_window, store_folder)
    window.show()
    window.menus.group_by_store.trigger()
    tree = window.sessions.tree
    assert tree is not None and window.sessions.views.currentWidget() is tree
    assert window.settings.group_by_store
    groups = tree.groups
    node = next(
        groups.index(r, 0) for r in range(groups.rowCount()) if groups.is_store(groups.index(r, 0))
    )
    assert tree.isExpanded(node)
    child = groups.index(1, 0, node)
    tree.setCurrentIndex(child)
    qtbot.waitUntil(lambda: window.message_model.session_id == child.data(), timeout=TIMEOUT)
    window.view.select(lambda info: info.session_id == "plain-1")
    assert tree.currentIndex().data() == "plain-1"  # the tree follows the list
    window.menus.group_by_store.trigger()
    assert (
        window.sessions.tree is None
        and window.sessions.views.currentWidget() is window.session_view
    )
    assert window.sessions.current().session_id == "plain-1"
