"""Branches of AdvancedSQLiteSession, made by the SDK: listed, forked, read one at a time."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from agents.extensions.memory import AdvancedSQLiteSession

from agency_desktop.stores.branches import BranchNotFoundError
from agency_desktop.stores.registry import open_store
from tests.helpers.stores import folder_snapshot, write_branched, write_plain


@pytest.fixture(scope="module")
def branched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_branched(tmp_path_factory.mktemp("branches") / "branched.db")


def _sdk_items(path: Path, branch: str) -> list[object]:
    session = AdvancedSQLiteSession(session_id="branched", db_path=path)
    try:
        return asyncio.run(session.get_items(branch_id=branch))
    finally:
        session.close()


def test_branches_are_listed_main_first_with_where_each_forks(branched: Path) -> None:
    with open_store(str(branched)).reader("branched") as reader:
        branches = reader.branches()
    main, rome = branches
    assert (main.branch_id, main.items, main.user_turns, main.fork_turn) == ("main", 16, 4, None)
    assert main.shared_items == 16 and main.tokens == 220 + 222 + 224 + 220
    assert (rome.branch_id, rome.items, rome.user_turns) == ("what-if-rome", 8, 2)
    # create_branch_from_turn(2) kept turn 1 (four items); its own items begin at turn 2
    assert (rome.shared_items, rome.fork_turn, rome.first_own_position) == (4, 2, 5)
    assert rome.tokens == 220
    assert rome.as_dict()["fork_turn"] == 2


def test_a_branch_reads_exactly_what_the_sdk_returns_for_it(branched: Path) -> None:
    before = folder_snapshot(branched.parent)
    store = open_store(str(branched))
    for branch in ("main", "what-if-rome"):
        with store.reader("branched", branch=branch) as reader:
            texts = [json.loads(text) for _, _, text in reader.iter_items(batch=3)]
            rows = reader.page_after(None, 100)
            assert reader.count() == len(rows) == len(texts)
            assert [r.row_id for r in rows[-2:]] == [r.row_id for r in reader.page_before(None, 2)]
            assert reader.positions_in_session([rows[-1].row_id]) == [len(rows)]
            assert reader.last_row_id() == rows[-1].row_id
        assert texts == _sdk_items(branched, branch)
    assert folder_snapshot(branched.parent) == before


def test_the_whole_session_is_still_read_when_no_branch_is_asked_for(branched: Path) -> None:
    with open_store(str(branched)).reader("branched") as reader:
        assert reader.count() == 20  # every stored item, of every branch
        assert reader.usage_total().total_tokens == 220 + 222 + 224 + 220 + 220


def test_a_branch_has_its_own_usage_and_turns(branched: Path) -> None:
    with open_store(str(branched)).reader("branched", branch="what-if-rome") as reader:
        assert reader.usage_total().total_tokens == 220
        own_user_message = reader.page_after(None, 100)[4]
        usage = reader.turn_usage([own_user_message.row_id])
        assert usage[own_user_message.row_id].turn == 2
        turn = reader.context(own_user_message.row_id + 1)
        assert turn[0].row_id == own_user_message.row_id


def test_an_unknown_branch_names_the_ones_there_are(branched: Path, tmp_path: Path) -> None:
    with pytest.raises(BranchNotFoundError, match="branches: main, what-if-rome"):
        open_store(str(branched)).reader("branched", branch="nope")
    plain = write_plain(tmp_path / "plain.db", "plain")
    with open_store(str(plain)).reader("plain") as reader:
        assert reader.branches() == []
    with pytest.raises(BranchNotFoundError, match="branches: none"):
        open_store(str(plain)).reader("plain", branch="main")


def test_opening_asks_for_branches_only_when_there_are_several(
    branched: Path, tmp_path: Path
) -> None:
    from tests.helpers.stores import write_advanced

    with open_store(str(branched)).reader("branched") as reader:
        assert len(reader.branches(only_if_several=True)) == 2
    single = write_advanced(tmp_path / "adv.db", "adv")
    with open_store(str(single)).reader("adv") as reader:
        assert reader.branches(only_if_several=True) == []
        assert [b.branch_id for b in reader.branches()] == ["main"]
