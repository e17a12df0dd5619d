"""agency-sessions tag, note, title, star, bookmark and notes, `list` with notes and
`export --with-notes`: run in-process through main(), output captured."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from agency_desktop.ops.notes import NOTES_FILE
from tests.helpers.cli import run
from tests.helpers.stores import folder_snapshot, item_texts


@pytest.fixture(autouse=True)
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "appdata"
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(folder))
    return folder


def as_json(capsys: pytest.CaptureFixture[str], *args: object) -> dict:  # type: ignore[type-arg]
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


# One valid use of each new subcommand: store folder -> its arguments.
USES: dict[str, Callable[[Path], list[str]]] = {
    "tag": lambda s: [str(s / "plain.db"), "--session", "plain-1", "--add", "x"],
    "note": lambda s: [str(s / "plain.db"), "--session", "plain-1", "a note"],
    "title": lambda s: [str(s / "plain.db"), "--session", "plain-1"],
    "star": lambda s: [str(s / "plain.db"), "--session", "plain-1", "--off"],
    "bookmark": lambda s: [str(s / "plain.db"), "--session", "plain-1", "--item", "1"],
    "notes": lambda s: [str(s), "-r"],
}


@pytest.mark.parametrize("command", sorted(USES))
@pytest.mark.parametrize("flag_first", [False, True], ids=["after", "before"])
def test_json_output_parses_wherever_the_flag_is(
    command: str, flag_first: bool, capsys: pytest.CaptureFixture[str], store_folder: Path
) -> None:
    args = [command, *USES[command](store_folder)]
    code, out, err = run(capsys, *(["--json", *args] if flag_first else [*args, "--json"]))
    assert code == 0, err
    assert json.loads(out) is not None


def test_each_command_sets_and_shows_its_field(
    capsys: pytest.CaptureFixture[str], store_folder: Path
) -> None:
    store = store_folder / "plain.db"
    on = [store, "--session", "plain-1"]
    code, out, _ = run(capsys, "tag", *on)
    assert code == 0 and "(no tags)" in out
    assert as_json(capsys, "tag", *on, "--add", "Bug", "--add", "bug", "--add", "ux")["tags"] == [
        "Bug",
        "ux",
    ]
    assert as_json(capsys, "tag", *on, "--remove", "BUG", "--remove", "absent")["tags"] == ["ux"]
    assert run(capsys, "tag", *on)[1].strip() == "ux"
    run(capsys, "note", *on, "Line one\nline two")  # TEXT after the options
    assert run(capsys, "note", *on)[1] == "Line one\nline two\n"
    run(capsys, "title", store, "Oslo trip", "--session", "plain-1")  # and before them
    assert as_json(capsys, "title", *on)["title"] == "Oslo trip"
    assert as_json(capsys, "star", *on)["starred"] is True
    assert as_json(capsys, "star", *on, "--off")["starred"] is False
    assert as_json(capsys, "note", *on, "--clear")["note"] == ""
    code, _, err = run(capsys, "note", *on, "text", "--clear")
    assert code == 2 and "not both" in err


def test_note_from_standard_input(
    capsys: pytest.CaptureFixture[str], store_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("from a pipe ✓\n" * 3))
    data = as_json(capsys, "note", store_folder / "plain.db", "--session", "plain-1", "-")
    assert data["note"] == "from a pipe ✓\n" * 3


def test_bookmarks(capsys: pytest.CaptureFixture[str], store_folder: Path) -> None:
    on = [store_folder / "plain.db", "--session", "plain-1"]
    assert run(capsys, "bookmark", *on)[1].strip() == "(no bookmarks)"
    run(capsys, "bookmark", *on, "--item", "3", "--label", "the [bold]answer")
    run(capsys, "bookmark", *on, "--item", "1")
    marks = as_json(capsys, "bookmark", *on)["bookmarks"]
    assert [(m["row_id"], m["label"], m["found"]) for m in marks] == [
        (1, "", True),
        (3, "the [bold]answer", True),
    ]
    assert "the [bold]answer" in run(capsys, "bookmark", *on)[1]
    assert "was not bookmarked" in run(capsys, "bookmark", *on, "--remove", "2")[1]
    assert as_json(capsys, "bookmark", *on, "--remove", "3")["bookmark_count"] == 1
    code, _, err = run(capsys, "bookmark", *on, "--item", "404")
    assert code == 2 and "no item 404" in err
    code, _, err = run(capsys, "bookmark", *on, "--label", "no item")
    assert code == 2 and "--label goes with --item" in err


def test_the_store_stays_byte_identical_after_every_command(
    capsys: pytest.CaptureFixture[str], store_folder: Path, data_folder: Path
) -> None:
    before = folder_snapshot(store_folder)
    on = [store_folder / "shared.db", "--session", "shared-b"]
    for args in (
        ["tag", *on, "--add", "x"],
        ["tag", *on],
        ["note", *on, "text"],
        ["note", *on],
        ["title", *on, "t"],
        ["star", *on],
        ["bookmark", *on, "--item", "6"],
        ["bookmark", *on],
        ["notes", store_folder],
        ["notes"],
        ["list", store_folder],
        ["export", *on, "--with-notes", "--format", "html", "-o", data_folder / "e.html"],
    ):
        code, _, err = run(capsys, *args)
        assert code == 0, (args, err)
        assert folder_snapshot(store_folder) == before, args  # no -wal/-shm either
    assert (data_folder / NOTES_FILE).exists()


def test_a_session_or_store_that_is_not_there_is_bad_input(
    capsys: pytest.CaptureFixture[str], store_folder: Path, data_folder: Path
) -> None:
    for command in ("tag", "note", "title", "star", "bookmark"):
        code, _, err = run(capsys, command, store_folder / "plain.db", "--session", "nope")
        assert code == 2 and "plain.db" in err and "'nope'" in err, command
        code, _, err = run(capsys, command, store_folder / "absent.db", "--session", "x")
        assert code == 2 and "absent.db" in err, command
    code, _, err = run(
        capsys, "export", store_folder / "plain.db", "--session", "nope", "--with-notes"
    )
    assert code == 2 and "'nope'" in err
    assert not data_folder.exists()  # nothing was noted, so no notes file was made


def test_notes_survive_the_rename_and_move_commands(
    capsys: pytest.CaptureFixture[str], store_folder: Path, tmp_path: Path
) -> None:
    store = store_folder / "plain.db"
    run(capsys, "tag", store, "--session", "plain-1", "--add", "keep")
    run(capsys, "bookmark", store, "--session", "plain-1", "--item", "2")
    assert run(capsys, "rename", store, "--session", "plain-1", "--to", "renamed")[0] == 0
    assert as_json(capsys, "tag", store, "--session", "renamed")["tags"] == ["keep"]
    target = store_folder / "shared.db"
    code, _, err = run(capsys, "move", store, target, "--session", "renamed", "--no-backup")
    assert code == 0, err
    assert as_json(capsys, "tag", target, "--session", "renamed")["tags"] == ["keep"]
    [mark] = as_json(capsys, "bookmark", target, "--session", "renamed")["bookmarks"]
    assert mark["found"] and mark["row_id"] > 16  # after shared-a's and shared-b's rows
    notes = as_json(capsys, "notes")["notes"]
    assert [(n["db_path"], n["session_id"]) for n in notes] == [(str(target), "renamed")]


def test_list_shows_the_title_and_tags(
    capsys: pytest.CaptureFixture[str], store_folder: Path
) -> None:
    code, out, _ = run(capsys, "list", store_folder)
    assert code == 0 and "tags" not in out  # no notes: the table as it always was
    run(capsys, "title", store_folder / "plain.db", "--session", "plain-1", "My own title")
    run(capsys, "tag", store_folder / "plain.db", "--session", "plain-1", "--add", "[/red]")
    run(capsys, "star", store_folder / "plain.db", "--session", "plain-1")
    code, out, _ = run(capsys, "list", store_folder)
    assert code == 0 and "★ My own title" in out and "[/red]" in out  # words, not markup
    assert "Weather in Lima?" in out  # others keep their first message's title
    code, out, _ = run(capsys, "notes")
    assert code == 0 and "[/red]" in out
    sessions = {s["session_id"]: s for s in as_json(capsys, "list", store_folder)["sessions"]}
    assert sessions["plain-1"]["notes"]["title"] == "My own title"
    assert sessions["plain-1"]["notes"]["tags"] == ["[/red]"]
    assert sessions["shared-a"]["notes"] is None


def test_a_damaged_notes_file_does_not_stop_list(
    capsys: pytest.CaptureFixture[str], store_folder: Path, data_folder: Path
) -> None:
    data_folder.mkdir()
    (data_folder / NOTES_FILE).write_bytes(b"garbage" * 1000)
    code, out, err = run(capsys, "list", store_folder)
    assert code == 0 and "plain-1" in out and "notes not shown" in err
    code, _, err = run(capsys, "tag", store_folder / "plain.db", "--session", "plain-1")
    assert code == 1 and NOTES_FILE in err and "unexpected" not in err


def test_the_notes_command_filters(capsys: pytest.CaptureFixture[str], store_folder: Path) -> None:
    run(capsys, "tag", store_folder / "plain.db", "--session", "plain-1", "--add", "travel")
    run(capsys, "star", store_folder / "plain.db", "--session", "plain-1")
    run(capsys, "note", store_folder / "shared.db", "--session", "shared-a", "Rome was wrong")
    run(capsys, "tag", store_folder / "advanced.db", "--session", "adv-1", "--add", "Travel")

    def ids(*args: object) -> list[str]:
        return sorted(n["session_id"] for n in as_json(capsys, "notes", *args)["notes"])

    assert ids() == ["adv-1", "plain-1", "shared-a"]
    assert ids("--tag", "TRAVEL") == ["adv-1", "plain-1"]
    assert ids("--starred") == ["plain-1"]
    assert ids("--text", "rome") == ["shared-a"]
    assert ids(store_folder, "--tag", "travel", "--starred") == ["plain-1"]
    assert ids(store_folder.parent) == []  # no stores there
    code, out, _ = run(capsys, "notes", "--tag", "travel")
    assert code == 0 and "2 annotated sessions" in out and "★" in out


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_with_notes_and_import_it_again(
    fmt: str, capsys: pytest.CaptureFixture[str], store_folder: Path, tmp_path: Path
) -> None:
    store = store_folder / "plain.db"
    run(capsys, "title", store, "--session", "plain-1", "Exported")
    run(capsys, "bookmark", store, "--session", "plain-1", "--item", "2", "--label", "call")
    output = tmp_path / f"e.{fmt}"
    code, _, err = run(
        capsys,
        "export",
        store,
        "--session",
        "plain-1",
        "--format",
        fmt,
        "--with-notes",
        "-o",
        output,
    )
    assert code == 0, err
    text = output.read_text(encoding="utf-8")
    notes = json.loads(text)["notes"] if fmt == "json" else json.loads(text.split("\n")[0])["notes"]
    assert notes["title"] == "Exported" and notes["bookmarks"][0]["label"] == "call"
    target = tmp_path / "imported.db"
    code, _, err = run(capsys, "migrate", output, target, "--session", "again")
    assert code == 0, err
    assert item_texts(target, "again") == item_texts(store, "plain-1")  # items only, exactly


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_export_with_notes_as_a_readable_document(
    fmt: str, capsys: pytest.CaptureFixture[str], store_folder: Path
) -> None:
    store = store_folder / "plain.db"
    run(capsys, "title", store, "--session", "plain-1", "<b>Trip</b> & more")
    run(capsys, "tag", store, "--session", "plain-1", "--add", "travel")
    run(capsys, "note", store, "--session", "plain-1", "first line\nsecond line")
    run(capsys, "bookmark", store, "--session", "plain-1", "--item", "3", "--label", "answer")
    code, out, _ = run(capsys, "export", store, "--session", "plain-1", "--format", fmt)
    assert code == 0 and "Notes" not in out  # only when asked for
    code, out, _ = run(
        capsys, "export", store, "--session", "plain-1", "--format", fmt, "--with-notes"
    )
    assert code == 0 and "travel" in out and "second line" in out and "answer" in out
    if fmt == "html":
        assert "&lt;b&gt;Trip&lt;/b&gt; &amp; more" in out and 'href="#item-3"' in out
        assert out.index('class="notes"') < out.index('id="item-1"')
    else:
        assert "**Title:** <b>Trip</b> & more" in out
        assert out.index("## Notes") < out.index("Weather in Paris?")
