"""Stores an agent wrote through the SDK's EncryptedSession: shown as encrypted, read only
once the user gives the key, and the key (or what it opens) never written anywhere."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession
from agents.extensions.memory import EncryptedSession
from cryptography.fernet import Fernet

from agency_desktop.search.folder import search_files, update_index
from agency_desktop.search.index import SearchIndex
from agency_desktop.search.text import Query
from agency_desktop.stores.encrypted import KEYS, Secret, WrongKey
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.listing import read_store_sessions
from agency_desktop.stores.paging import LOCKED_PREVIEW, SessionReader
from agency_desktop.stores.stats import get_session_stats
from agency_desktop.util import logs
from agency_desktop.util.paths import data_dir
from tests.helpers.stores import run_turns

KEY = Fernet.generate_key().decode("ascii")
WRONG_KEY = "my-other-password-4471"
PLAIN_WORD = "Zanzibarish"  # only inside the encrypted items


@pytest.fixture(scope="module")
def _encrypted_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("encrypted") / "vault.db"
    underlying = SQLiteSession("vault-1", path)
    session = EncryptedSession("vault-1", underlying, KEY, ttl=600)
    asyncio.run(run_turns(session, ["Paris", "Oslo"]))
    asyncio.run(session.add_items([{"role": "user", "content": f"My code word is {PLAIN_WORD}"}]))
    underlying.close()
    return path


@pytest.fixture
def vault(_encrypted_template: Path, tmp_path: Path) -> Path:
    KEYS.forget()
    copy = tmp_path / "vault.db"
    copy.write_bytes(_encrypted_template.read_bytes())
    yield copy
    KEYS.forget()


def _kinds(path: Path) -> list[ItemKind]:
    with SessionReader(path, "vault-1") as reader:
        return [row.kind for row in reader.page_after(None, 50)]


def test_an_encrypted_session_is_listed_and_shown_as_encrypted(vault: Path) -> None:
    (info,) = read_store_sessions(vault)
    assert info.message_count == 9  # two turns of four items, and one more
    stats = get_session_stats(vault, "vault-1")
    assert stats.by_kind[ItemKind.ENCRYPTED] == 9 and stats.invalid_json_rows == 0
    with SessionReader(vault, "vault-1") as reader:
        rows = reader.page_after(None, 50)
        assert {row.kind for row in rows} == {ItemKind.ENCRYPTED}
        assert {row.preview for row in rows} == {LOCKED_PREVIEW}
        assert PLAIN_WORD not in (reader.read_item(rows[-1].row_id) or "")


def test_a_wrong_key_opens_nothing(vault: Path) -> None:
    with SessionReader(vault, "vault-1") as reader:
        sample = reader.first_envelope()
    assert sample is not None
    with pytest.raises(WrongKey):
        KEYS.unlock(vault, "vault-1", Secret(Fernet.generate_key().decode()), sample)
    assert set(_kinds(vault)) == {ItemKind.ENCRYPTED}


def test_the_right_key_makes_it_readable_in_this_process_only(vault: Path) -> None:
    with SessionReader(vault, "vault-1") as reader:
        sample = reader.first_envelope()
        assert sample is not None
        KEYS.unlock(vault, "vault-1", Secret(KEY), sample)
        rows = reader.page_after(None, 50)  # the same reader: the key counts at once
        assert [row.kind for row in rows[:4]] == [
            ItemKind.USER,
            ItemKind.FUNCTION_CALL,
            ItemKind.FUNCTION_CALL_OUTPUT,
            ItemKind.ASSISTANT,
        ]
        assert rows[1].tool_name == "get_weather"
        assert PLAIN_WORD in rows[-1].preview
        assert PLAIN_WORD in (reader.read_item(rows[-1].row_id) or "")
        assert any(PLAIN_WORD in entry.text for entry in reader.context(rows[-1].row_id))
    KEYS.forget()
    assert set(_kinds(vault)) == {ItemKind.ENCRYPTED}


def test_the_key_and_what_it_opens_are_never_written(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not in the search index, the caches, or the log, even with debug logging (which
    records the variables of failing frames)."""
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    logs.configure(debug=True)
    try:
        with SessionReader(vault, "vault-1") as reader:
            sample = reader.first_envelope()
        assert sample is not None
        KEYS.unlock(vault, "vault-1", Secret(KEY), sample)
        try:
            KEYS.unlock(vault, "vault-1", Secret(WRONG_KEY), sample)
        except WrongKey as exc:  # logged as a worker logs a failure: frames and their variables
            logs.log.warning(
                "unlock failed\n%s", logs.describe_exception(type(exc), exc, exc.__traceback__)
            )
        index = SearchIndex(data_dir() / "cache" / "index.sqlite3")
        update_index(index, [vault])
        assert list(search_files([vault], Query.parse(PLAIN_WORD), index=index)) == []
        assert list(search_files([vault], Query.parse(PLAIN_WORD))) == []
        get_session_stats(vault, "vault-1")
    finally:
        logging.shutdown()
        logs.configure(debug=False)
    written = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert any(p.name.startswith("agency-desktop.log") for p in written)
    for path in [*written, vault]:
        data = path.read_bytes()
        assert KEY.encode() not in data, path
        assert WRONG_KEY.encode() not in data, path  # a mistyped key is a secret too
        assert PLAIN_WORD.encode() not in data, path


def test_the_window_unlocks_a_session_with_the_key_the_user_gives(
    qtbot: Any, main_window: Any, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agency_desktop.ui import unlocking
    from agency_desktop.ui.models.message_table import Column

    monkeypatch.setattr(unlocking, "ask_key", lambda parent, session_id: Secret(KEY))
    window = main_window(vault.parent)
    model = window.message_model
    qtbot.waitUntil(lambda: model.rowCount() == 9, timeout=10_000)
    assert {model.index(r, Column.KIND).data() for r in range(9)} == {"encrypted"}
    window.unlocker.unlock_current()
    qtbot.waitUntil(
        lambda: model.rowCount() == 9 and model.index(0, Column.KIND).data() == "user",
        timeout=10_000,
    )
    assert PLAIN_WORD in model.index(8, Column.PREVIEW).data()
    window.unlocker.forget_keys()
    qtbot.waitUntil(
        lambda: model.rowCount() == 9 and model.index(0, Column.KIND).data() == "encrypted",
        timeout=10_000,
    )
