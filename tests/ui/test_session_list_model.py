from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from agency_desktop.stores.listing import scan_directory, scan_store
from agency_desktop.ui.models.session_list import Column, Role, SessionFilterProxy, SessionListModel


def _filled(folder: Path) -> SessionListModel:
    model = SessionListModel()
    model.reset(folder)
    for scan in scan_directory(folder):
        model.apply_scan(scan)
    return model


def test_model_passes_qt_model_tester(qapp: Any, qtmodeltester: Any, store_folder: Path) -> None:
    (store_folder / "junk.db").write_bytes(b"junk")
    model = _filled(store_folder)
    qtmodeltester.check(model)
    assert model.rowCount() == 6 and model.session_count() == 5 and model.problem_count() == 1
    proxy = SessionFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)


def test_one_row_per_session_and_a_state_for_bad_files(qapp: Any, store_folder: Path) -> None:
    (store_folder / "junk.db").write_bytes(b"junk")
    model = _filled(store_folder)
    rows = {model.index(r, Column.SESSION).data(): r for r in range(model.rowCount())}
    assert {"plain-1", "shared-a", "shared-b", "adv-1", "custom-1"} <= set(rows)
    shared = rows["shared-b"]
    assert model.index(shared, Column.FILE).data() == "shared.db"
    assert model.index(shared, Column.ITEMS).data() == "12"
    assert model.index(shared, Column.STATE).data() == "ok"
    assert model.index(rows["adv-1"], Column.KIND).data() == "advanced"
    junk = next(
        r for r in range(model.rowCount()) if model.index(r, Column.FILE).data() == "junk.db"
    )
    assert model.index(junk, Column.STATE).data() == "not SQLite"  # short: the reason
    assert model.index(junk, Column.SESSION).data() == "junk.db"  # not the error, cut off
    assert not model.index(junk, Column.SESSION).data(Qt.ItemDataRole.DecorationRole).isNull()
    assert model.index(shared, Column.SESSION).data(Qt.ItemDataRole.DecorationRole) is None
    assert model.index(junk, 0).data(Role.INFO) is None
    assert "junk.db" in model.index(junk, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_rescanning_a_file_replaces_its_block(store_folder: Path) -> None:
    from tests.helpers.stores import write_plain

    model = _filled(store_folder)
    before = model.rowCount()
    write_plain(store_folder / "shared.db", "shared-c")
    model.apply_scan(scan_store(store_folder / "shared.db"))
    assert model.rowCount() == before + 1
    files = [model.index(r, Column.FILE).data() for r in range(model.rowCount())]
    first = files.index("shared.db")
    assert files[first : first + 3] == ["shared.db"] * 3
    model.remove_path(store_folder / "shared.db")
    assert model.rowCount() == before - 2


def test_proxy_filters_text_and_sorts_by_value(store_folder: Path) -> None:
    model = _filled(store_folder)
    proxy = SessionFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.ITEMS, Qt.SortOrder.DescendingOrder)
    counts = [proxy.index(r, Column.ITEMS).data(Role.SORT) for r in range(proxy.rowCount())]
    assert counts == sorted(counts, reverse=True) and counts[0] == 12
    proxy.setFilterFixedString("SHARED")
    assert proxy.rowCount() == 2


def test_a_discarded_model_is_emptied_a_slice_at_a_time_then_deleted(
    qtbot: Any, store_folder: Path, monkeypatch: Any
) -> None:
    from agency_desktop.ui.models import base

    monkeypatch.setattr(base, "DISCARD_SLICE", 2)
    model = _filled(store_folder)
    counts: list[int] = []
    model.rowsRemoved.connect(lambda *_: counts.append(model.rowCount()))
    with qtbot.waitSignal(model.destroyed, timeout=5000):
        base.discard_in_slices(model)
    assert counts == [3, 1, 0]  # five rows, two per turn of the event loop


def test_a_renewed_model_keeps_only_the_scratch_sessions(store_folder: Path) -> None:
    model = _filled(store_folder)
    scratch = scan_store(store_folder / "plain.db")
    model.apply_scratch(scratch)
    renewed = model.renewed(None)
    assert renewed.rowCount() == 1 and renewed.row_object(0).scratch
    assert model.rowCount() == 5  # the old one is left as it was, for discard_in_slices


def test_session_and_problem_totals_follow_every_change(store_folder: Path) -> None:
    from agency_desktop.stores.errors import ProblemKind
    from agency_desktop.stores.listing import StoreScan
    from agency_desktop.stores.records import StoreProblem

    def counted(model: SessionListModel) -> tuple[int, int]:
        rows = [model.row_object(r) for r in range(model.rowCount())]
        assert model.paths() == {r.path for r in rows}  # the files listed, kept as rows go
        infos = [r.info for r in rows if r.info is not None]
        assert dict(model.listed_sessions()) == {(i.db_path, i.session_id): i for i in infos}
        return sum(r.info is not None for r in rows), sum(r.problem is not None for r in rows)

    model = _filled(store_folder)
    assert (model.session_count(), model.problem_count()) == counted(model) == (5, 0)
    shared = store_folder / "shared.db"
    broken = StoreScan(shared, problem=StoreProblem(shared, ProblemKind.CORRUPT))
    model.apply_scan(broken)  # two sessions become one problem row
    assert (model.session_count(), model.problem_count()) == counted(model) == (3, 1)
    model.apply_scans([scan_store(shared)])  # listed already: its block is replaced
    model.remove_path(store_folder / "plain.db")
    assert (model.session_count(), model.problem_count()) == counted(model) == (4, 0)
    model.apply_scans([scan_store(store_folder / "plain.db")])  # new again: at the end
    assert model.row_object(model.rowCount() - 1).path == store_folder / "plain.db"
    assert (model.session_count(), model.problem_count()) == counted(model) == (5, 0)
    model.clear_rows()
    assert (model.session_count(), model.problem_count()) == counted(model) == (0, 0)


def test_tokens_column_shows_usage_and_sorts_by_number(qapp: Any, store_folder: Path) -> None:
    model = _filled(store_folder)
    texts = {
        model.index(r, Column.SESSION).data(): model.index(r, Column.TOKENS).data()
        for r in range(model.rowCount())
    }
    assert texts["adv-1"] == "442" and texts["plain-1"] == ""  # no usage kept: blank, not 0
    assert model.headerData(Column.TOKENS, Qt.Orientation.Horizontal) == "Tokens"
    proxy = SessionFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.TOKENS, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, Column.SESSION).data() == "adv-1"
