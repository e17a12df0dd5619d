"""The store doctor finds what the SDK hides or loses, on stores the SDK wrote."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession
from agents.extensions.memory import EncryptedSession
from cryptography.fernet import Fernet

from agency_desktop.ops.repair import REPAIRABLE
from agency_desktop.stores import doctor
from agency_desktop.stores.doctor import FindingKind
from agency_desktop.stores.encrypted import KEYS, Secret
from agency_desktop.stores.health import check_store
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.paging import SessionReader
from tests.helpers.stores import (
    corrupt_row,
    folder_snapshot,
    run_turns,
    write_long,
    write_plain,
    write_upgraded,
)

KEY = Fernet.generate_key().decode("ascii")
OTHER_KEY = Fernet.generate_key().decode("ascii")


def _upgraded(path: Path) -> Path:
    return write_upgraded(path)


def _found(path: Path) -> dict[FindingKind, tuple[str | None, int]]:
    health = check_store(path)
    return {f.kind: (f.session_id, f.rows) for f in health.findings}


def test_history_hidden_by_an_upgrade_to_advanced_is_found_and_explained(tmp_path: Path) -> None:
    path = _upgraded(tmp_path / "chat.db")
    before = folder_snapshot(tmp_path)
    health = check_store(path)
    assert folder_snapshot(tmp_path) == before  # looking changes nothing
    (finding,) = [f for f in health.findings if f.kind is FindingKind.HIDDEN_HISTORY]
    assert (finding.session_id, finding.rows) == ("chat", 8)  # the two turns before the upgrade
    assert finding.sdk_issue == "https://github.com/openai/openai-agents-python/issues/4729"
    assert "pop_item" in finding.explanation and "structure rows" in finding.repair
    assert not health.ok
    assert health.as_dict()["findings"][0]["kind"] == "hidden history"
    assert check_store(str(path)).findings == health.findings  # a location as a str too


def test_a_store_the_sdk_wrote_cleanly_has_no_findings(tmp_path: Path) -> None:
    from tests.helpers.stores import write_advanced

    assert _found(write_advanced(tmp_path / "adv.db", "adv")) == {}
    assert _found(write_plain(tmp_path / "plain.db", "plain")) == {}


def test_unreadable_items_lost_session_rows_and_empty_sessions(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "plain.db", "chat", ("Paris",))
    corrupt_row(path, "null")
    conn = sqlite3.connect(path)
    with conn:  # deliberately broken: the kinds of damage the doctor is for
        conn.execute("UPDATE agent_messages SET message_data = '{not json' WHERE id = 1")
        conn.execute("INSERT INTO agent_messages (session_id, message_data) VALUES ('lost', '{}')")
        conn.execute("INSERT INTO agent_sessions (session_id) VALUES ('empty')")
    conn.close()
    found = _found(path)
    assert found[FindingKind.UNREADABLE_ITEMS] == ("chat", 2)
    assert found[FindingKind.MESSAGES_WITHOUT_SESSION] == ("lost", 1)
    assert found[FindingKind.EMPTY_SESSION] == ("empty", 0)


def test_check_prints_each_finding_with_its_session_and_sdk_issue(capsys, tmp_path: Path) -> None:
    from agency_desktop.cli import main

    _upgraded(tmp_path / "chat.db")
    code = main(["check", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "hidden history: session chat, 8 rows" in out
    assert "issues/4729" in out


def test_the_files_upkeep_is_advice_not_a_problem(tmp_path: Path) -> None:
    from agents import SQLiteSession

    from tests.helpers.stores import write_long

    path = write_long(tmp_path / "long.db", "long", 20_000)
    write_plain(path, "kept", ("Paris",))
    session = SQLiteSession("long", path)
    try:
        asyncio.run(session.clear_session())  # the SDK frees the pages, SQLite keeps them
    finally:
        session.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")  # deliberately: not as the SDK left it
    conn.close()
    health = check_store(path)
    found = {f.kind: f for f in health.findings}
    assert set(found) == {FindingKind.FREE_SPACE, FindingKind.NOT_WAL}
    assert (
        found[FindingKind.FREE_SPACE].rows > 100
        and "Vacuum" in found[FindingKind.FREE_SPACE].repair
    )
    assert health.ok  # advice: nothing is hidden or lost


# --- EncryptedSession stores ---


class _MadeEarlier:
    """A session's own Fernet, stamping its tokens `age` seconds ago.

    EncryptedSession takes no clock: its envelopes come from `self.cipher.encrypt`, which
    stamps time.time(). Fernet's own `encrypt_at_time` makes the same token as if made
    earlier, so envelopes age as an hour would age them, with no row edited."""

    def __init__(self, cipher: Fernet, age: int) -> None:
        self._cipher, self._age = cipher, age

    def encrypt(self, data: bytes) -> bytes:
        return self._cipher.encrypt_at_time(data, int(time.time()) - self._age)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cipher, name)


def _write_encrypted(
    path: Path,
    session_id: str,
    cities: Sequence[str],
    key: str = KEY,
    *,
    age: int = 0,
    kid: str | None = None,
) -> None:
    """Turns run by the SDK's Runner through its EncryptedSession over a SQLiteSession."""
    underlying = SQLiteSession(session_id, path)
    session = EncryptedSession(session_id, underlying, key)
    if age:
        session.cipher = _MadeEarlier(session.cipher, age)  # type: ignore[assignment]
    if kid is not None:
        # This SDK writes the one key id "hkdf-v1" whatever the key; another version (or a
        # subclass rotating keys) writes another, set where its __init__ sets it.
        session._kid = kid
    try:
        asyncio.run(run_turns(session, cities))
    finally:
        underlying.close()


def _sdk_items(path: Path, session_id: str, key: str = KEY) -> list[Any]:
    """What an agent gets back: the SDK's own get_items() with its default TTL."""
    underlying = SQLiteSession(session_id, path)
    try:
        return asyncio.run(EncryptedSession(session_id, underlying, key).get_items())
    finally:
        underlying.close()


def test_items_older_than_the_sdks_ttl_are_counted_without_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agency_desktop.cli import main

    path = tmp_path / "vault.db"
    _write_encrypted(path, "vault", ("Paris", "Oslo"), age=3600)  # 8 items, an hour old
    _write_encrypted(path, "vault", ("Lima",), age=500)  # 4 items, still within the TTL
    _write_encrypted(path, "vault", ("Rome",))  # 4 items, just made
    _write_encrypted(path, "fresh", ("Paris",))
    before = folder_snapshot(tmp_path)
    health = check_store(path)
    assert folder_snapshot(tmp_path) == before  # looking changes nothing, leaves nothing
    assert [(f.kind, f.session_id, f.rows) for f in health.findings] == [
        (FindingKind.EXPIRED_ENVELOPES, "vault", 8)
    ]
    (finding,) = health.findings
    assert not health.ok and finding.kind.is_problem
    assert "600 s" in finding.explanation and "longer ttl" in finding.repair
    assert finding.kind not in REPAIRABLE
    # As the SDK sees it: those 8 are gone for an agent, the other 8 are there.
    assert len(_sdk_items(path, "vault")) == 16 - 8
    # While the viewer, given the key, still shows all 16.
    try:
        with SessionReader(path, "vault") as reader:
            sample = reader.first_envelope()
            assert sample is not None
            KEYS.unlock(path, "vault", Secret(KEY), sample)
            rows = reader.page_after(None, 50)
        assert len(rows) == 16 and ItemKind.ENCRYPTED not in {row.kind for row in rows}
    finally:
        KEYS.forget()
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "items the SDK no longer returns (older than its TTL): session vault, 8 rows" in out


def test_a_session_under_two_key_ids_is_found(tmp_path: Path) -> None:
    path = tmp_path / "rotated.db"
    _write_encrypted(path, "chat", ("Paris", "Oslo"))  # 8 items under KEY, "hkdf-v1"
    _write_encrypted(path, "chat", ("Lima",), OTHER_KEY, kid="hkdf-v2")  # 4 under another
    _write_encrypted(path, "solo", ("Rome",), OTHER_KEY, kid="hkdf-v2")  # one key id: fine
    before = folder_snapshot(tmp_path)
    health = check_store(path)
    assert folder_snapshot(tmp_path) == before
    assert [(f.kind, f.session_id, f.rows) for f in health.findings] == [
        (FindingKind.MIXED_KEY_IDS, "chat", 4)  # the items not under the common key id
    ]
    assert not health.ok and FindingKind.MIXED_KEY_IDS not in REPAIRABLE
    assert "kid" in health.findings[0].explanation
    # An agent holding either key gets only that key's items.
    assert len(_sdk_items(path, "chat")) == 8
    assert len(_sdk_items(path, "chat", OTHER_KEY)) == 4


def test_a_store_without_envelopes_has_neither_finding(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "plain.db", "plain", ("Paris", "Oslo"))
    session = SQLiteSession("plain", path)
    old_token = Fernet(KEY).encrypt_at_time(b"{}", int(time.time()) - 3600).decode()
    envelope_like = {"__enc__": 1, "v": 1, "kid": "hkdf-v1", "payload": old_token}
    # Without "v" the SDK takes it for plain text and skips it, whatever its age.
    incomplete = {"__enc__": 1, "kid": "other", "payload": old_token}
    try:  # an item that quotes an envelope is not one either
        quoted = {"role": "user", "content": json.dumps(envelope_like)}
        asyncio.run(session.add_items([quoted, incomplete]))  # type: ignore[list-item]
    finally:
        session.close()
    before = folder_snapshot(tmp_path)
    assert _found(path) == {}
    assert folder_snapshot(tmp_path) == before


# --- the WAL ---


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def _digests(path: Path) -> dict[str, str]:
    """The store and its WAL (the -shm is shared memory every reader writes its mark to)."""
    return {
        file.name: hashlib.sha256(file.read_bytes()).hexdigest()
        for file in (path, _wal(path))
        if file.exists()
    }


def test_a_wal_far_larger_than_its_store_is_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_long(tmp_path / "chat.db", "chat", 2_000)
    main_bytes = path.stat().st_size
    monkeypatch.setattr(doctor, "LARGE_WAL_BYTES", 64 * 1024)  # not 64 MB: a quick test
    # A reader that never ends its read transaction: no checkpoint can copy the agent's
    # later writes into the main file, so they pile up in the WAL.
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM agent_messages").fetchone()
    page_size = reader.execute("PRAGMA page_size").fetchone()[0]
    session = SQLiteSession("chat", path)
    try:
        turn = asyncio.run(session.get_items(limit=8))

        def grow(until: int) -> int:
            """Add the turn's items again through the SDK until the WAL is over `until`."""
            while not _wal(path).exists() or _wal(path).stat().st_size <= until:
                asyncio.run(session.add_items(turn))
            return _wal(path).stat().st_size

        wal_bytes = grow(doctor.LARGE_WAL_BYTES)
        assert wal_bytes < main_bytes  # over the limit, but not larger than the store
        assert FindingKind.LARGE_WAL not in _found(path)
        wal_bytes = grow(main_bytes)
        assert path.stat().st_size == main_bytes  # the store itself has not grown
        before, names = _digests(path), folder_snapshot(tmp_path).keys()
        health = check_store(path)
        assert _digests(path) == before and folder_snapshot(tmp_path).keys() == names
    finally:
        reader.close()
        session.close()
    (finding,) = [f for f in health.findings if f.kind is FindingKind.LARGE_WAL]
    assert (finding.session_id, finding.size_bytes) == (None, wal_bytes)
    assert finding.rows == (wal_bytes - 32) // (page_size + 24)  # its pages (frames)
    assert f"{wal_bytes:,} bytes" in finding.explanation
    assert finding.as_dict()["size_bytes"] == wal_bytes and "vacuum" in finding.repair
    assert health.ok and finding.kind not in REPAIRABLE  # advice: nothing is lost
