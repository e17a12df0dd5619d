"""The CLI's contract: every subcommand gives a JSON result with --json (before or after
its name), and exit statuses tell bad input (2) from failures and bugs (1)."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from agency_desktop import cli
from agency_desktop.ops import maintenance

Args = Callable[[Path, Path], list[str]]


def _copy(store: Path, folder: Path) -> str:
    """A byte copy (its backup, say): identical, so `diff` exits 0."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / store.name
    shutil.copyfile(store, copy)
    return str(copy)


# One valid use of each subcommand: (store folder, scratch folder) -> its arguments.
USES: dict[str, Args] = {
    "list": lambda s, t: [str(s)],
    "stats": lambda s, t: [str(s / "advanced.db"), "--session", "adv-1"],
    "show": lambda s, t: [str(s / "plain.db"), "--session", "plain-1"],
    "backup": lambda s, t: [str(s), str(t / "backups")],
    "cleanup": lambda s, t: [str(s), "--older-than", "30", "--yes"],
    "migrate": lambda s, t: [str(s / "shared.db"), str(t / "m.db"), "--session", "shared-b"],
    "export": lambda s, t: [str(s / "plain.db"), "--session", "plain-1", "-o", str(t / "e.md")],
    "search": lambda s, t: [str(s), "paris", "--no-index"],
    "check": lambda s, t: [str(s)],
    "export-all": lambda s, t: [str(s), str(t / "exports")],
    "archive": lambda s, t: [str(s), str(t / "a.zip")],
    "restore": lambda s, t: [str(s), str(t / "restored")],
    "move": lambda s, t: [str(s / "shared.db"), str(t / "moved.db"), "--session", "shared-a"],
    "rename": lambda s, t: [str(s / "plain.db"), "--session", "plain-1", "--to", "renamed"],
    "merge": lambda s, t: [str(t / "merged.db"), str(s / "plain.db"), str(s / "custom.db")],
    "split": lambda s, t: [str(s / "shared.db"), str(t / "split")],
    "vacuum": lambda s, t: [str(s / "plain.db")],
    "remove-empty": lambda s, t: [str(s), "--yes"],
    "demo": lambda s, t: [],
    "repair": lambda s, t: [str(s / "advanced.db"), "--yes"],
    "diff": lambda s, t: [str(s / "plain.db"), _copy(s / "plain.db", t), "--session", "plain-1"],
    "tag": lambda s, t: [str(s / "plain.db"), "--session", "plain-1", "--add", "x"],
    "note": lambda s, t: [str(s / "plain.db"), "--session", "plain-1", "a note"],
    "title": lambda s, t: [str(s / "plain.db"), "--session", "plain-1"],
    "star": lambda s, t: [str(s / "plain.db"), "--session", "plain-1"],
    "bookmark": lambda s, t: [str(s / "plain.db"), "--session", "plain-1", "--item", "1"],
    "notes": lambda s, t: [str(s)],
}


def _subcommands() -> list[str]:
    parser = cli.build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(actions[0].choices)


def test_every_subcommand_has_a_use_here() -> None:
    """A new subcommand must join the JSON contract below."""
    assert sorted(USES) == _subcommands()


@pytest.mark.parametrize("command", sorted(USES))
@pytest.mark.parametrize("flag_first", [False, True], ids=["after", "before"])
def test_json_output_parses_wherever_the_flag_is(
    command: str,
    flag_first: bool,
    capsys: pytest.CaptureFixture[str],
    store_folder: Path,
    tmp_path: Path,
) -> None:
    args = [command, *USES[command](store_folder, tmp_path / "scratch")]
    argv = ["--json", *args] if flag_first else [*args, "--json"]
    code = cli.main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    assert json.loads(out) is not None  # one JSON document, nothing else on stdout


def test_a_bug_in_the_core_is_a_failure_not_bad_input(
    capsys: pytest.CaptureFixture[str], store_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("a bug, not the user's fault")

    monkeypatch.setattr(maintenance, "VacuumResult", broken)
    code = cli.main(["vacuum", str(store_folder / "plain.db")])
    err = capsys.readouterr().err
    assert code == 1 and "unexpected error" in err and "--debug" in err
    assert "Traceback" not in err
    code = cli.main(["--debug", "vacuum", str(store_folder / "plain.db")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" in err and "a bug, not the user's fault" in err


def test_bad_input_from_the_core_is_status_2(
    capsys: pytest.CaptureFixture[str], store_folder: Path
) -> None:
    code = cli.main(
        ["rename", str(store_folder / "plain.db"), "--session", "plain-1", "--to", "plain-1"]
    )
    assert code == 2 and "new, different session id" in capsys.readouterr().err
    code = cli.main(["export", str(store_folder / "plain.db"), "--session", "plain-1", "--json"])
    assert code == 2 and "-o FILE" in capsys.readouterr().err
