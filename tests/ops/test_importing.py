"""Importing a JSON/JSONL export into a new store: streamed, verified, then renamed."""

from __future__ import annotations

import asyncio
import errno
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.ops import importing
from agency_desktop.ops.export import export_session
from agency_desktop.ops.importing import import_items
from agency_desktop.ops.items_file import REPORT_EVERY, _whole_file_items, read_items_file
from agency_desktop.ops.store_writer import SessionExistsError
from agency_desktop.stores.bulk_load import ROWS_PER_INSERT, Loaded
from agency_desktop.util.errors import InputError
from agency_desktop.util.progress import CancelToken, OperationCancelled
from tests.helpers.stores import item_texts, sdk_items, write_plain


def _schema(path: Path) -> list[tuple[str, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        ).fetchall()
    finally:
        conn.close()


def _pragmas(path: Path) -> dict[str, object]:
    conn = sqlite3.connect(path)
    try:
        names = ("journal_mode", "page_size", "encoding", "auto_vacuum", "user_version")
        return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def long_export(long_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 110,000 items of the long SDK session as a JSONL export: many full INSERT
    statements, a shorter last one, and many progress reports."""
    out = tmp_path_factory.mktemp("export") / "long.jsonl"
    export_session(long_store, "long", "jsonl", out)
    return out


def test_a_long_import_reads_back_as_the_sdk_reads_the_original(
    long_store: Path, long_export: Path, tmp_path: Path
) -> None:
    target = tmp_path / "imported.db"
    reports: list[tuple[int, int, str]] = []
    result = import_items(long_export, target, "long", progress=lambda *r: reports.append(r))
    assert result.message_count == len(item_texts(long_store, "long")) > 10 * ROWS_PER_INSERT
    assert result.created_file and not result.replaced_session
    assert item_texts(target, "long") == item_texts(long_store, "long")  # byte for byte
    assert sdk_items(target, "long") == sdk_items(long_store, "long")
    assert len(reports) > result.message_count // REPORT_EVERY - 1
    assert reports[-1][0] == reports[-1][1]  # the bar ends full
    assert [p.name for p in tmp_path.iterdir()] == ["imported.db"]


def test_the_new_store_has_the_schema_the_sdk_creates(store_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.jsonl"
    export_session(store_folder / "plain.db", "plain-1", "jsonl", out)
    import_items(out, tmp_path / "imported.db", "plain-1")
    sdk_made = write_plain(tmp_path / "sdk.db", "plain-1", ("Paris",))
    assert _schema(tmp_path / "imported.db") == _schema(sdk_made)
    assert _pragmas(tmp_path / "imported.db") == _pragmas(sdk_made)
    # The SDK goes on appending where the import stopped, ids and all.
    session = SQLiteSession("plain-1", tmp_path / "imported.db")
    try:
        asyncio.run(session.add_items([{"role": "user", "content": "and now?"}]))
    finally:
        session.close()
    texts = item_texts(tmp_path / "imported.db", "plain-1")
    assert texts[:-1] == item_texts(store_folder / "plain.db", "plain-1")
    assert "and now?" in texts[-1]


def test_a_bad_line_names_the_file_and_the_line_and_leaves_nothing(
    long_export: Path, tmp_path: Path
) -> None:
    lines = long_export.read_text(encoding="utf-8").split("\n")
    bad_at = 3 * REPORT_EVERY + 7  # well into the insert
    lines[bad_at - 1] = lines[bad_at - 1][:-1]  # a truncated item
    items = tmp_path / "items" / "bad.jsonl"
    items.parent.mkdir()
    items.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError, match=rf"bad\.jsonl: line {bad_at} is not valid JSON"):
        import_items(items, out / "imported.db", "s")
    assert list(out.iterdir()) == []  # no store under the final name, no temporary file


def test_a_line_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    items = tmp_path / "bad.jsonl"
    items.write_bytes(b'{"a": 1}\n\n{"b": "caf\xe9"}\n')
    with pytest.raises(InputError, match=r"bad\.jsonl: line 3 is not UTF-8 text .* byte 20\)"):
        import_items(items, tmp_path / "out" / "imported.db", "s")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_missing_export_fails_before_anything_is_made(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        import_items(tmp_path / "nothing.jsonl", tmp_path / "out" / "imported.db", "s")
    assert list((tmp_path / "out").iterdir()) == []


def test_cancelled_mid_way_leaves_nothing(long_export: Path, tmp_path: Path) -> None:
    token = CancelToken()

    def progress(done: int, total: int, _message: str) -> None:
        if done > total // 2:
            token.cancel()

    with pytest.raises(OperationCancelled):
        import_items(long_export, tmp_path / "imported.db", "s", progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_verification_leaves_nothing(
    store_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "e.jsonl"
    export_session(store_folder / "plain.db", "plain-1", "jsonl", out)
    real = importing.load_session

    def one_short(*args: Any) -> Loaded:
        loaded = real(*args)
        return Loaded(loaded.items - 1, loaded.characters)

    monkeypatch.setattr(importing, "load_session", one_short)
    with pytest.raises(OSError, match="verification failed") as caught:
        import_items(out, tmp_path / "new" / "imported.db", "s")
    assert caught.value.errno == errno.EIO
    assert list((tmp_path / "new").iterdir()) == []


def test_an_existing_session_is_only_replaced_when_asked(
    store_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "e.jsonl"
    export_session(store_folder / "shared.db", "shared-b", "jsonl", out)
    target = store_folder / "plain.db"
    before = item_texts(target, "plain-1")
    with pytest.raises(SessionExistsError):
        import_items(out, target, "plain-1")
    assert item_texts(target, "plain-1") == before
    result = import_items(out, target, "plain-1", overwrite=True)
    assert result.replaced_session and not result.created_file
    assert item_texts(target, "plain-1") == item_texts(store_folder / "shared.db", "shared-b")


@pytest.mark.parametrize(
    "content",
    [
        '{"a": 1}\r\n{"b": 2}\r\n',  # Windows line ends
        '\n\n  \n{"a": 1}\n\n{"b": "x\u2028y"}',  # blank lines, no last newline, U+2028
        ' {"a": 1} \n{"b":\r2}\n',  # space around an item, a lone CR inside one
        '{"notes": {"title": "t"}}\n{"a": 1}\n',  # an export made with notes
        '{"notes": {}}\n[{"a": 1}]\n',  # notes, then an array: read whole
        '{"notes": {}, "items": [{"a": 1}]}',  # a JSON export with notes
        '{"agency_desktop_invalid_json": "{broken"}\n{"a": 1}\n',  # a row that was not JSON
        '{"a": 1}\n{"b": NaN}\n[1, 2]\n"text"\n',  # what json.loads takes, item or not
        '{"a": 1}\n{"b": 2} x\n',  # something after an item
        '{"a":\n1}\n',  # one item over two lines
        "",
    ],
)
def test_the_stream_reads_what_the_whole_file_reader_reads(content: str, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_bytes(content.encode("utf-8"))
    try:
        expected: list[str] | str = _whole_file_items(items)
    except InputError as exc:
        expected = str(exc)
    try:
        got: list[str] | str = read_items_file(items)
    except InputError as exc:
        got = str(exc)
    assert got == expected
