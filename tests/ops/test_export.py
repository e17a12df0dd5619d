from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from agency_desktop.ops.export import INVALID_KEY, export_session, import_items, read_items_file
from tests.helpers.stores import corrupt_row, item_texts


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_then_import_round_trips_exactly(
    store_folder: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"export.{fmt}"
    assert export_session(store_folder / "shared.db", "shared-b", fmt, out) == 12
    result = import_items(out, tmp_path / "new.db", "restored")
    assert result.message_count == 12
    assert item_texts(tmp_path / "new.db", "restored") == item_texts(
        store_folder / "shared.db", "shared-b"
    )


def test_json_export_is_an_array_of_the_stored_items(store_folder: Path) -> None:
    buffer = io.StringIO()
    export_session(store_folder / "plain.db", "plain-1", "json", buffer)
    items = json.loads(buffer.getvalue())
    assert [json.dumps(i) for i in items] == item_texts(store_folder / "plain.db", "plain-1")


def test_invalid_rows_survive_export_and_import(store_folder: Path, tmp_path: Path) -> None:
    corrupt_row(store_folder / "plain.db", "{broken")
    out = tmp_path / "e.jsonl"
    export_session(store_folder / "plain.db", "plain-1", "jsonl", out)
    assert INVALID_KEY in out.read_text()
    assert "{broken" in read_items_file(out)
    import_items(out, tmp_path / "n.db", "n")
    assert item_texts(tmp_path / "n.db", "n") == item_texts(store_folder / "plain.db", "plain-1")


def test_markdown_transcript(store_folder: Path) -> None:
    buffer = io.StringIO()
    export_session(store_folder / "plain.db", "plain-1", "markdown", buffer)
    text = buffer.getvalue()
    assert text.startswith("# Session `plain-1`")
    assert "**User**" in text and "Weather in Paris?" in text
    assert "**Tool call: get_weather**" in text and '"city": "Paris"' in text
    assert "**Tool result**" in text and "Paris: sunny" in text


def test_export_refuses_to_overwrite_and_leaves_no_temp(store_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "e.json"
    export_session(store_folder / "plain.db", "plain-1", "json", out)
    with pytest.raises(FileExistsError):
        export_session(store_folder / "plain.db", "plain-1", "json", out)
    assert [p.name for p in out.parent.iterdir()] == ["e.json"]


def test_bad_import_files_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[{}, nope]")
    with pytest.raises(ValueError, match=r"bad\.json"):
        read_items_file(tmp_path / "bad.json")
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\nnope\n')
    with pytest.raises(ValueError, match="line 2"):
        read_items_file(tmp_path / "bad.jsonl")
