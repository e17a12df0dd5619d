"""`show --branch`, `export --branch` and `stats` per branch, on a store the SDK branched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agency_desktop.cli import main
from tests.helpers.stores import folder_snapshot, write_branched


@pytest.fixture(scope="module")
def branched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_branched(tmp_path_factory.mktemp("cli-branches") / "branched.db")


def test_show_prints_one_branch(branched: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(branched), "--session", "branched", "--branch", "what-if-rome"]) == 0
    text = capsys.readouterr().out
    assert "branch what-if-rome" in text
    assert "Weather in Paris?" in text and "Weather in Rome?" in text
    assert "Weather in Lima?" not in text  # main's turn 3 is not on the branch


def test_show_json_of_main_leaves_the_branch_out(
    branched: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(branched), "--session", "branched", "--branch", "main", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 16 and "Rome" not in json.dumps(items)


def test_export_writes_a_branch_on_its_own(
    branched: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = folder_snapshot(branched.parent)
    target = tmp_path / "rome.jsonl"
    args = ["export", str(branched), "--session", "branched", "--branch", "what-if-rome"]
    assert main([*args, "-o", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["item_count"] == 8
    lines = target.read_text().splitlines()
    assert len(lines) == 8 and "Rome" in lines[4]
    assert folder_snapshot(branched.parent) == before


def test_stats_shows_each_branch_and_where_it_forks(
    branched: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", str(branched), "--session", "branched"]) == 0
    text = capsys.readouterr().out
    assert "what-if-rome  8      2           220     at turn 2, after 4 shared items" in text
    assert main(["stats", str(branched), "--session", "branched", "--json"]) == 0
    details = json.loads(capsys.readouterr().out)["branch_details"]
    assert [(b["branch_id"], b["items"], b["fork_turn"]) for b in details] == [
        ("main", 16, None),
        ("what-if-rome", 8, 2),
    ]


def test_an_unknown_branch_is_bad_input_naming_the_branches(
    branched: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(branched), "--session", "branched", "--branch", "nope"]) == 2
    assert "branches: main, what-if-rome" in capsys.readouterr().err
