"""A session read in bulk: batches and runs of rows give every item once, in order, as
the tolerant reading of one item at a time gives it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agency_desktop.stores.items import is_json, parse_item
from agency_desktop.stores.paging import SessionReader
from tests.helpers.stores import write_plain

SESSION = "bulk"


@pytest.fixture
def bulk_store(tmp_path: Path) -> Path:
    """Six SDK turns, then rows other writers leave: not UTF-8, a BLOB, a number, empty."""
    db = write_plain(tmp_path / "bulk.db", SESSION, ("Paris", "Oslo", "Lima", "Rome") * 2)
    conn = sqlite3.connect(db)
    with conn:
        insert = "INSERT INTO agent_messages (session_id, message_data) VALUES (?, {})"
        for value in ("CAST(x'7b2261223aff7d' AS TEXT)", "x'7b7d'", "12.5", "''"):
            conn.execute(insert.format(value), (SESSION,))
    conn.close()
    return db


def _one_at_a_time(db: Path) -> list[tuple[int, str]]:
    with SessionReader(db, SESSION) as reader:
        return [(row_id, text) for row_id, _, text in reader.iter_items(batch=1)]


def test_batches_hold_every_item_as_read_one_at_a_time(bulk_store: Path) -> None:
    expected = _one_at_a_time(bulk_store)
    assert expected[-4:][0][1] == '{"a":\ufffd}' and expected[-3][1] == "{}"
    with SessionReader(bulk_store, SESSION) as reader:
        items = [(r, t) for rows in reader.iter_stored_items(batch=5) for r, _, t in rows]
        sevens = [(r, t) for rows in reader.iter_stored_items(batch=7) for r, _, t in rows]
    assert items == sevens == expected


@pytest.mark.parametrize("size", [1, 3, 5, 100])
def test_runs_cover_the_session_once(bulk_store: Path, size: int) -> None:
    expected = _one_at_a_time(bulk_store)
    with SessionReader(bulk_store, SESSION) as reader:
        seen, after = [], -1
        for end in reader.range_ends(size):
            run = [(r, t) for rows in reader.iter_stored_items(2, after, end) for r, _, t in rows]
            assert len(run) == size or end is None
            seen += run
            if end is None:
                break
            after = end
    assert seen == expected


def test_json_validity_is_parse_items(bulk_store: Path) -> None:
    with SessionReader(bulk_store, SESSION) as reader:
        texts = [text for rows in reader.iter_stored_items() for _, _, text in rows]
    valid = list(map(is_json, texts))
    assert valid == [parse_item(text)[1] for text in texts]
    assert valid[:-4] == [True] * (len(valid) - 4)
    assert valid[-4:] == [False, True, True, False]  # not UTF-8 inside JSON, {}, 12.5, empty
