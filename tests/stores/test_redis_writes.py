"""Sessions copied to a real Redis server and deleted from it: read back by the SDK's
RedisSession as they were, an existing session refused unless replaced, the read-only
ACL user told which command it may not run with nothing written, a custom key prefix
kept, a cancelled or killed copy leaving the target session as it was (and no staging
list for long), and a delete refused whole when its guard or an agent says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agency_desktop.stores.base import StoreChangedError
from agency_desktop.stores.errors import ProblemKind, StoreError
from agency_desktop.stores.redis_write import STAGING_PREFIX, STAGING_TTL_S, staged_lists
from agency_desktop.stores.registry import open_store
from agency_desktop.stores.sqlite_file import SQLiteFileStore
from agency_desktop.util.progress import CancelToken, OperationCancelled, Reporter
from tests.helpers.server_stores import kill_copy, read_redis, write_redis
from tests.helpers.servers import RedisDatabase
from tests.helpers.stores import item_texts, sdk_items, write_long, write_plain


def _everything(database: RedisDatabase) -> dict[bytes, Any]:
    """Every key of the database with its value (lists and hashes read whole)."""
    found: dict[bytes, Any] = {}
    with database.client() as admin:
        for key in sorted(admin.scan_iter()):
            kind = admin.type(key)
            if kind == b"list":
                found[key] = admin.lrange(key, 0, -1)
            elif kind == b"hash":
                found[key] = admin.hgetall(key)
            else:
                found[key] = admin.get(key)
    return found


@pytest.fixture
def local(tmp_path: Path) -> Path:
    return write_plain(tmp_path / "local.db", "local", ("Paris", "Oslo"))


@pytest.fixture
def server(redis_database: RedisDatabase) -> RedisDatabase:
    write_redis(redis_database.url(), "theirs", ("Lima",))
    return redis_database


def test_a_copy_reads_back_through_the_sdk_as_it_was(local: Path, server: RedisDatabase) -> None:
    data = SQLiteFileStore(local).read_session("local")
    store = open_store(server.url())
    assert store.append_session(data) is False
    assert read_redis(server.url(), "local") == sdk_items(local, "local")
    listed = {info.session_id: info for info in store.sessions()}
    assert listed["local"].message_count == len(item_texts(local, "local"))
    created = listed["local"].created_at
    assert created is not None and created.strftime("%F %T") == data.created_at
    assert store.read_session("local").digest() == data.digest()
    with server.client() as admin:  # no TTL: that is the agent's setting
        assert admin.ttl(b"agents:session:local:messages") == -1
        assert admin.hget(b"agents:session:local", "session_id") == b"local"
        assert staged_lists(admin) == []


def test_a_custom_key_prefix_is_written_to(local: Path, redis_database: RedisDatabase) -> None:
    url = f"{redis_database.url()}?prefix=team:chats"
    open_store(url).append_session(SQLiteFileStore(local).read_session("local"), session_id="x")
    assert read_redis(redis_database.url(), "x", key_prefix="team:chats") == sdk_items(
        local, "local"
    )
    assert [info.session_id for info in open_store(url).sessions()] == ["x"]


def test_an_existing_session_is_refused_unless_replaced(local: Path, server: RedisDatabase) -> None:
    store = open_store(server.url())
    data = SQLiteFileStore(local).read_session("local")
    before = _everything(server)
    with pytest.raises(FileExistsError, match="already exists"):
        store.append_session(data, session_id="theirs")
    assert _everything(server) == before
    assert store.append_session(data, session_id="theirs", replace=True) is True
    assert read_redis(server.url(), "theirs") == sdk_items(local, "local")


def test_the_read_only_user_is_told_which_command_it_may_not_run(
    local: Path, server: RedisDatabase
) -> None:
    before = _everything(server)
    store = open_store(server.url(reader=True))
    data = SQLiteFileStore(local).read_session("local")
    with pytest.raises(StoreError) as refused:
        store.append_session(data)
    assert refused.value.kind is ProblemKind.REFUSED
    assert "rpush" in str(refused.value).lower()
    assert server.server.reader_password not in str(refused.value)
    with pytest.raises(StoreError, match=r"(?i)no permissions"):
        store.delete_sessions(["theirs"])
    assert _everything(server) == before


def test_a_cancelled_copy_writes_nothing(tmp_path: Path, server: RedisDatabase) -> None:
    source = write_long(tmp_path / "long.db", "long", 60_000)
    cancel = CancelToken()

    def progress(done: int, total: int, message: str) -> None:
        if done >= 30_000:
            cancel.cancel()

    before = _everything(server)
    data = SQLiteFileStore(source).read_session("long")
    with pytest.raises(OperationCancelled):
        open_store(server.url()).append_session(data, report=Reporter(progress, cancel))
    assert _everything(server) == before  # the staging list is gone too


def test_sessions_are_deleted_in_one_transaction_after_the_guard(
    local: Path, server: RedisDatabase
) -> None:
    store = open_store(server.url())
    store.append_session(SQLiteFileStore(local).read_session("local"))
    before = _everything(server)
    with pytest.raises(StoreChangedError, match="changed"):
        store.delete_sessions(["local"], guard=lambda now: "changed")
    assert _everything(server) == before  # refused: still there
    seen: list[Any] = []

    def guard(now: Any) -> None:
        seen.append((now.info("theirs").message_count, now.digest("theirs")[0]))

    deleted = store.delete_sessions(["local", "theirs"], guard=guard)
    assert deleted == len(item_texts(local, "local")) + 4
    assert seen == [(4, 4)]
    assert _everything(server) == {}


def test_a_write_after_the_guard_looked_refuses_the_whole_delete(
    local: Path, server: RedisDatabase
) -> None:
    store = open_store(server.url())
    store.append_session(SQLiteFileStore(local).read_session("local"))

    def agent_writes_meanwhile(now: Any) -> None:
        assert now.info("theirs") is not None
        write_redis(server.url(), "theirs", ("Rome",))  # an agent's turn, after the look

    before_count = len(read_redis(server.url(), "theirs"))
    with pytest.raises(StoreChangedError, match="changed"):
        store.delete_sessions(["local", "theirs"], guard=agent_writes_meanwhile)
    assert len(read_redis(server.url(), "theirs")) == before_count + 4  # kept, with its turn
    assert read_redis(server.url(), "local")  # and the other session too: all or nothing


@pytest.mark.parametrize("when", ["items", "verifying"])  # mid-copy, and before the rename
def test_a_copy_killed_midway_leaves_the_target_session_as_it_was(
    tmp_path: Path, server: RedisDatabase, when: str
) -> None:
    source = write_long(tmp_path / "long.db", "long", 100_000)
    before = _everything(server)
    kill_copy(source, server.url(), when, 60_000)
    with server.client() as admin:
        [staging] = staged_lists(admin)  # outside the store's prefix, and going
        assert staging.startswith(STAGING_PREFIX.encode())
        assert 0 < admin.ttl(staging) <= STAGING_TTL_S
        admin.delete(staging)
    assert _everything(server) == before
    assert len(read_redis(server.url(), "theirs")) == 4
