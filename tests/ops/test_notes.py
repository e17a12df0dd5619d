"""The user's own notes on sessions (ops/notes.py): kept in the app's data folder, never in
a store, and still attached after the app renames, moves, backs up and restores a store."""

from __future__ import annotations

import dataclasses
import shutil
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agency_desktop.ops.backup import backup_store
from agency_desktop.ops.notes import (
    NOTES_FILE,
    NoteBook,
    NoteFilter,
    NotesFileError,
    SessionNotes,
    find_session,
)
from agency_desktop.ops.reorganise import move_session, rename_session
from agency_desktop.ops.restore import plan_restore, run_restore
from agency_desktop.stores.listing import list_sessions, read_store_sessions
from agency_desktop.stores.records import SessionInfo
from agency_desktop.util.errors import InputError
from tests.helpers.stores import folder_snapshot, item_texts, write_plain


@pytest.fixture(autouse=True)
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's notes in a data folder of its own."""
    folder = tmp_path / "appdata"
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def book() -> Iterator[NoteBook]:
    with NoteBook() as notebook:
        yield notebook


def _info(store: Path, session_id: str) -> SessionInfo:
    return find_session(store, session_id)


def test_each_field_is_kept_and_read_back(book: NoteBook, store_folder: Path) -> None:
    info = _info(store_folder / "plain.db", "plain-1")
    assert book.get(info) == SessionNotes("plain-1")
    book.edit(info, title="  Oslo\n trip ", note="Line one\nline two", starred=True)
    notes = book.edit(info, add_tags=["weather", "Bug"])
    assert (notes.title, notes.note, notes.starred) == ("Oslo trip", "Line one\nline two", True)
    assert notes.tags == ("Bug", "weather")  # by name, ignoring case
    assert notes.updated_at is not None and notes.places[0].path == info.db_path
    assert book.get(info) == notes
    assert book.get(_info(store_folder / "shared.db", "shared-a")).empty
    cleared = book.edit(info, title="", note="  ", starred=False, remove_tags=["bug", "WEATHER"])
    assert cleared.empty and book.search() == []  # nothing noted: forgotten


def test_tags_are_added_and_removed_once(book: NoteBook, store_folder: Path) -> None:
    info = _info(store_folder / "plain.db", "plain-1")
    book.edit(info, add_tags=["Bug", "bug", " BUG "])
    book.edit(info, add_tags=["bug"])
    assert book.get(info).tags == ("Bug",)
    assert book.tags() == [("Bug", 1)]
    book.edit(info, remove_tags=["bUg"])
    book.edit(info, remove_tags=["bug", "never there"])
    assert book.get(info).tags == () and book.tags() == []
    with pytest.raises(InputError, match="empty"):
        book.edit(info, add_tags=["  "])


def test_bookmarks_are_added_listed_and_removed(book: NoteBook, store_folder: Path) -> None:
    info = _info(store_folder / "plain.db", "plain-1")
    book.add_bookmark(info, 3, "the tool's answer")
    book.add_bookmark(info, 1)
    book.add_bookmark(info, 3, "relabelled")
    marks = book.bookmarks(info)
    assert [(m.row_id, m.label, m.position) for m in marks] == [(1, "", 0), (3, "relabelled", 2)]
    assert book.get(info).bookmark_count == 2
    assert book.locate_bookmarks(info) == marks
    with pytest.raises(InputError, match="no item 999"):
        book.add_bookmark(info, 999)
    other = _info(store_folder / "shared.db", "shared-b")
    with pytest.raises(InputError, match="no item 1"):
        book.add_bookmark(other, 1)  # row 1 of that file is shared-a's
    assert book.remove_bookmark(info, 3) and not book.remove_bookmark(info, 3)
    assert [m.row_id for m in book.bookmarks(info)] == [1]


def test_the_store_is_never_written(book: NoteBook, store_folder: Path) -> None:
    before = folder_snapshot(store_folder)
    sessions = list_sessions(store_folder)
    for info in sessions:
        book.edit(info, title=f"about {info.session_id}", add_tags=["seen"], starred=True)
        book.add_bookmark(info, info.last_message_id or 1, "last")
        book.locate_bookmarks(info)
    copied = store_folder.parent / "copy"
    shutil.copytree(store_folder, copied)
    found = book.notes_for(list_sessions(copied))  # re-attached: reads first items
    assert len(found) == len(sessions)
    assert folder_snapshot(store_folder) == before  # byte-identical, no -wal/-shm beside
    assert folder_snapshot(copied) == before
    assert NoteBook().path.parent != store_folder


def test_notes_follow_the_apps_rename(book: NoteBook, store_folder: Path) -> None:
    store = store_folder / "plain.db"
    book.edit(_info(store, "plain-1"), title="kept", add_tags=["t"])
    book.add_bookmark(_info(store, "plain-1"), 2, "two")
    rename_session(store, "plain-1", "renamed")
    renamed = _info(store, "renamed")
    notes = book.notes_for([renamed], reattach=False)[store, "renamed"]  # by place: no read
    assert (notes.session_id, notes.title, notes.tags) == ("renamed", "kept", ("t",))
    assert [(m.row_id, m.label) for m in book.bookmarks(renamed)] == [(2, "two")]


def test_notes_and_bookmarks_follow_the_apps_move(book: NoteBook, store_folder: Path) -> None:
    source, target = store_folder / "plain.db", store_folder / "shared.db"
    info = _info(source, "plain-1")
    book.edit(info, note="moved along")
    book.add_bookmark(info, 3, "third")
    third = item_texts(source, "plain-1")[2]
    move_session(source, "plain-1", target, new_session_id="moved")
    moved = _info(target, "moved")
    assert book.notes_for([moved], reattach=False)[target, "moved"].note == "moved along"
    [mark] = book.bookmarks(moved)
    assert mark.row_id != 3  # the target numbers rows after shared-a's and shared-b's
    rows = {m.row_id: m for m in book.locate_bookmarks(moved)}
    assert rows[mark.row_id].found and rows[mark.row_id].label == "third"
    assert item_texts(target, "moved")[mark.position] == third


def test_a_restored_backup_is_reattached_by_identity(
    book: NoteBook, store_folder: Path, tmp_path: Path
) -> None:
    store = store_folder / "plain.db"
    book.edit(_info(store, "plain-1"), title="precious", starred=True)
    backup = backup_store(store, tmp_path / "backups").path
    store.unlink()
    report = run_restore(plan_restore(backup, tmp_path / "elsewhere"), conflict="skip")
    [restored] = read_store_sessions(report.restored[0].path)
    assert restored.db_path != store
    assert book.notes_for([restored], reattach=False) == {}  # a place never seen
    found = book.notes_for([restored])[restored.db_path, "plain-1"]
    assert (found.title, found.starred) == ("precious", True)
    assert book.notes_for([restored], reattach=False)  # now known at this place too


def test_a_session_with_the_same_id_but_other_items_gets_no_notes(
    book: NoteBook, tmp_path: Path
) -> None:
    first = write_plain(tmp_path / "a.db", "same", ("Paris",))
    other = write_plain(tmp_path / "b.db", "same", ("Oslo",))  # usually the same second
    book.edit(_info(first, "same"), title="Paris only")
    assert book.notes_for([_info(other, "same")]) == {}
    assert book.get(_info(first, "same")).title == "Paris only"


def test_two_notebooks_see_each_others_changes(store_folder: Path) -> None:
    info = _info(store_folder / "plain.db", "plain-1")
    with NoteBook() as window_a, NoteBook() as window_b:
        assert window_a.version() == window_b.version() == 0  # no file yet, none made
        assert not window_a.path.exists()
        window_a.edit(info, title="from A")
        seen = window_b.version()
        assert seen != 0 and window_b.get(info).title == "from A"
        assert window_b.version() == seen  # reading changes nothing
        window_a.edit(info, add_tags=["x"])
        assert window_b.version() != seen and window_b.get(info).tags == ("x",)
        seen = window_a.version()
        window_b.edit(info, starred=True)
        assert window_a.version() != seen and window_a.get(info).starred


def test_removing_the_data_folder_removes_every_note(
    book: NoteBook, store_folder: Path, data_folder: Path
) -> None:
    info = _info(store_folder / "plain.db", "plain-1")
    book.edit(info, title="gone soon", add_tags=["a"])
    seen = book.version()
    shutil.rmtree(data_folder)  # while this notebook is open, as the app would be
    assert book.get(info).empty and book.search() == [] and book.version() != seen
    assert not data_folder.exists()  # reading made nothing again
    with NoteBook() as fresh:
        assert fresh.search() == [] and fresh.tags() == []


def test_filters_by_tag_star_and_text(book: NoteBook, store_folder: Path) -> None:
    plain = _info(store_folder / "plain.db", "plain-1")
    shared = _info(store_folder / "shared.db", "shared-b")
    book.edit(plain, title="Trip to Oslo", add_tags=["Travel"], starred=True)
    book.edit(shared, note="Lima and Rome: the model got Rome wrong", add_tags=["bug"])

    def ids(note_filter: NoteFilter) -> list[str]:
        return [n.session_id for n in book.search(note_filter)]

    assert ids(NoteFilter(tag="travel")) == ["plain-1"]
    assert ids(NoteFilter(starred=True)) == ["plain-1"]
    assert ids(NoteFilter(text="rome WRONG")) == ["shared-b"]
    assert ids(NoteFilter(text="bug")) == ["shared-b"]  # tags are searched too
    assert ids(NoteFilter(tag="bug", starred=True)) == []
    assert sorted(ids(NoteFilter())) == ["plain-1", "shared-b"]
    assert NoteFilter().matches(None) and not NoteFilter(text="x").matches(None)


def test_ten_thousand_rows_are_matched_in_one_pass(book: NoteBook, store_folder: Path) -> None:
    info = _info(store_folder / "plain.db", "plain-1")
    book.edit(info, add_tags=["needle"])
    rows = [dataclasses.replace(info, session_id=f"s-{n}") for n in range(10_000)] + [info]
    started = time.perf_counter()
    found = book.notes_for(rows, reattach=False)
    assert list(found) == [(info.db_path, "plain-1")]
    assert time.perf_counter() - started < 1.0


def test_unicode_and_very_long_notes(book: NoteBook, store_folder: Path) -> None:
    info = _info(store_folder / "plain.db", "plain-1")
    text = "Ünïcödé ✓ 日本語 עברית 🙂\n\tindented\x00nul\n" + "long " * 190_000
    notes = book.edit(info, note=text, title="🙂 " * 200, add_tags=["日本", "🙂"])
    assert book.get(info).note == text and notes.title.startswith("🙂")
    assert NoteFilter(text="日本語").matches(notes) and NoteFilter(tag="🙂").matches(notes)
    with pytest.raises(InputError, match="too long"):
        book.edit(info, note="x" * 1_000_001)
    with pytest.raises(InputError, match="too long"):
        book.edit(info, title="x" * 501)
    assert book.get(info).note == text  # a refused edit changes nothing


def test_concurrent_writes_from_two_threads(book: NoteBook, store_folder: Path) -> None:
    info = _info(store_folder / "plain.db", "plain-1")
    book.edit(info, title="start")
    errors: list[BaseException] = []

    def write(prefix: str, own: bool) -> None:
        try:
            if own:  # a second window's notebook
                with NoteBook() as mine:
                    for n in range(40):
                        mine.edit(info, add_tags=[f"{prefix}{n}"])
            else:  # the app's worker threads share one notebook
                for n in range(40):
                    book.edit(info, add_tags=[f"{prefix}{n}"])
                    book.version()
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=("a", False)),
        threading.Thread(target=write, args=("b", False)),
        threading.Thread(target=write, args=("c", True)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(book.get(info).tags) == 120


def test_the_notes_file_is_private_and_a_damaged_one_is_named(
    book: NoteBook, store_folder: Path, data_folder: Path
) -> None:
    info = _info(store_folder / "plain.db", "plain-1")
    book.edit(info, title="private")
    book.close()
    path = data_folder / NOTES_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for side in ("-wal", "-shm"):
        assert not Path(f"{path}{side}").exists()  # closed means nothing left open
    path.write_bytes(b"not a database at all" * 100)
    with NoteBook() as damaged, pytest.raises(NotesFileError, match=str(path)):
        damaged.get(info)
