"""RedisStore on the real server: what RedisSession wrote, listed, paged, counted and read
whole, all through the ACL user limited to read commands."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from agents.extensions.memory import RedisSession

from agency_desktop.stores.errors import SessionNotFoundError
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.paging import MessageFilter
from agency_desktop.stores.redis import RedisStore
from agency_desktop.stores.redis_listing import HEAD_ITEMS, RedisSessionInfo
from agency_desktop.stores.registry import open_store
from agency_desktop.stores.schema import StoreKind
from agency_desktop.stores.sqlite_file import SQLiteFileStore
from tests.helpers.server_stores import ITEMS_PER_TURN, read_redis, write_redis
from tests.helpers.servers import RedisDatabase, RedisServer
from tests.helpers.stores import write_plain

PREFIX = "team:chat"
TTL_S = 600
BATCH = 250  # items of one add_items


def add_redis_items(url: str, session_id: str, items: Sequence[Any], **options: Any) -> None:
    """Items stored by the SDK's own add_items, in one call."""

    async def add() -> None:
        session = RedisSession.from_url(session_id, url=url, **options)
        try:
            await session.add_items(list(items))
        finally:
            await session.close()

    asyncio.run(add())


@pytest.fixture(scope="module")
def written(redis_server: RedisServer) -> RedisDatabase:
    """Sessions written by the SDK: two short ones, a long one (turns and one big
    add_items), one that opens with many replies, and one under a custom prefix with a TTL."""
    database = redis_server.new_database()
    url = database.url()
    write_redis(url, "alpha", ("Paris", "Oslo"))
    write_redis(url, "beta", ("Lima",))
    write_redis(url, "long", ("Quito", "Bern"))
    add_redis_items(url, "long", [{"role": "user", "content": f"note {n}"} for n in range(BATCH)])
    replies = [{"role": "assistant", "content": f"reply {n}"} for n in range(HEAD_ITEMS - 2)]
    add_redis_items(url, "quiet", [*replies, {"role": "user", "content": "Anyone there?"}])
    write_redis(url, "gamma", ("Rome",), key_prefix=PREFIX, ttl=TTL_S)
    return database


@pytest.fixture(scope="module")
def store(written: RedisDatabase) -> RedisStore:
    opened = open_store(written.url(reader=True))
    assert isinstance(opened, RedisStore)
    return opened


def sdk_items(database: RedisDatabase, session_id: str, **options: Any) -> list[Any]:
    return read_redis(database.url(), session_id, **options)


def _forward(reader: Any, size: int) -> list[int]:
    ids: list[int] = []
    while page := reader.page_after(ids[-1] if ids else None, size):
        ids += [row.row_id for row in page]
    return ids


def _backward(reader: Any, size: int) -> list[int]:
    ids: list[int] = []
    while page := reader.page_before(ids[0] if ids else None, size):
        ids = [row.row_id for row in page] + ids
    return ids


def test_both_url_schemes_open_a_redis_store(written: RedisDatabase) -> None:
    assert isinstance(open_store(written.url(reader=True)), RedisStore)
    assert isinstance(open_store("rediss://reader:pw@cache.example:6380/2"), RedisStore)
    assert open_store("rediss://h/0").target.driver_url == "rediss://h/0"  # TLS passes through


def test_the_listing_is_what_the_sdk_wrote(store: RedisStore, written: RedisDatabase) -> None:
    found = {info.session_id: info for info in store.sessions()}
    assert set(found) == {"alpha", "beta", "long", "quiet"}  # gamma is under another prefix
    for session_id, info in found.items():
        assert info.message_count == len(sdk_items(written, session_id))
        assert info.kind is StoreKind.REDIS
        assert info.created_at is not None and info.updated_at is not None
        assert info.created_at <= info.updated_at
        assert info.last_message_id == info.message_count
        assert isinstance(info, RedisSessionInfo) and info.expires_at is None
    assert found["alpha"].title == "Weather in Paris?"
    assert found["long"].title == "Weather in Quito?"
    assert found["quiet"].title == "Anyone there?"  # after items that are not the user's
    assert found["alpha"].messages_table == "agents:session:alpha:messages"
    assert found["alpha"].location == store.shown and "reader:***@" in store.shown
    shown = found["alpha"].as_dict()
    assert shown["location"] == store.shown and shown["db_path"] is None
    assert shown["expires_at"] is None


def test_a_custom_prefix_lists_its_sessions_and_their_ttl(written: RedisDatabase) -> None:
    store = open_store(written.url(reader=True) + f"?prefix={PREFIX}")
    [info] = store.sessions()
    assert info.session_id == "gamma" and info.message_count == ITEMS_PER_TURN
    assert info.title == "Weather in Rome?"
    assert isinstance(info, RedisSessionInfo) and info.expires_at is not None
    left = info.expires_at - datetime.now(UTC)
    assert timedelta(seconds=TTL_S - 60) < left <= timedelta(seconds=TTL_S)
    assert info.as_dict()["expires_at"] == info.expires_at.isoformat()
    stats = store.stats("gamma")
    assert stats.expires_at is not None and stats.as_dict()["expires_at"]
    assert abs((stats.expires_at - info.expires_at).total_seconds()) < 60
    time.sleep(0.01)
    assert list(store.sessions()) == [info]  # the expiry is the server's, not now + TTL
    encoded = open_store(written.url(reader=True) + "?prefix=team%3Achat")
    assert [i.expires_at for i in encoded.sessions()] == [info.expires_at]


def test_without_pexpiretime_the_expiry_comes_from_the_ttl(
    written: RedisDatabase, redis_server: RedisServer
) -> None:
    """Redis before 7.0 has no PEXPIRETIME: a user who may not run it stands in for one."""
    with redis_server.client() as admin:
        admin.acl_setuser(
            "old", enabled=True, passwords=["+old-pw"], keys=["*"],
            commands=["+@read", "-pexpiretime", "+ping", "+select"],
        )  # fmt: skip
    try:
        url = written.url(reader=True).replace(
            f"reader:{redis_server.reader_password}@", "old:old-pw@"
        )
        [info] = open_store(f"{url}?prefix={PREFIX}").sessions()
        assert isinstance(info, RedisSessionInfo) and info.expires_at is not None
        left = info.expires_at - datetime.now(UTC)
        assert timedelta(seconds=TTL_S - 60) < left <= timedelta(seconds=TTL_S)
        assert {i.expires_at for i in open_store(url).sessions()} == {None}
    finally:
        with redis_server.client() as admin:
            admin.acl_deluser("old")


def test_paging_follows_the_list_both_ways(store: RedisStore, written: RedisDatabase) -> None:
    expected = sdk_items(written, "long")
    assert len(expected) == 2 * ITEMS_PER_TURN + BATCH
    with store.reader("long") as reader:
        forward, backward = _forward(reader, 7), _backward(reader, 7)
        assert forward == backward == list(range(1, len(expected) + 1))
        texts = [reader.read_item(row_id) for row_id in forward]
        assert [json.loads(text) for text in texts if text] == expected
        assert reader.count() == len(expected)
        for place in (0, 1, len(forward) // 2, len(forward) - 1):
            assert reader.count_before(forward[place]) == place
        assert reader.positions_in_session(forward[3:9]) == list(range(4, 10))
        assert reader.last_row_id() == forward[-1]
        assert reader.read_item(len(expected) + 1) is None
        last = reader.page_before(None, 3)
        assert [row.preview for row in last] == [f"note {n}" for n in range(BATCH - 3, BATCH)]
        assert all(row.created_at is None for row in last)  # RedisSession keeps no item times


def test_a_filter_pages_and_counts_the_matching_rows(store: RedisStore) -> None:
    calls = MessageFilter(kinds=frozenset({ItemKind.FUNCTION_CALL}))
    with store.reader("alpha", calls) as reader:
        rows = reader.page_after(None, 10)
        assert [row.tool_name for row in rows] == ["get_weather", "get_weather"]
        assert reader.count() == 2
        assert [row.row_id for row in reader.page_before(None, 1)] == [rows[-1].row_id]
        assert reader.count_before(rows[-1].row_id) == 1
    with store.reader("alpha", MessageFilter(text="oslo")) as reader:
        assert reader.count() == 4  # the question, the call, its output, the answer
        assert "Oslo" in reader.page_after(None, 1)[0].preview
    with store.reader("long", MessageFilter(text="NOTE 1")) as reader:
        found = _forward(reader, 9)
        assert len(found) == reader.count() == 1 + 10 + 100  # note 1, 1x, 1xx
        assert found == _backward(reader, 9)


def test_bulk_reads_and_runs_cover_the_session_in_order(
    store: RedisStore, written: RedisDatabase
) -> None:
    with store.reader("long") as reader:
        order = _forward(reader, 50)
        items = [row_id for batch in reader.iter_stored_items(batch=40) for row_id, _, _ in batch]
        assert items == order
        ends = list(reader.range_ends(100))
        assert ends == [order[99], order[199], None]
        middle = [
            r[0]
            for b in reader.iter_stored_items(batch=30, after=order[99], upto=order[199])
            for r in b
        ]
        assert middle == order[100:200]
    data = store.read_session("long")
    assert [json.loads(m.message_data) for m in data.messages] == sdk_items(written, "long")
    assert data.created_at is not None and data.updated_at is not None


def test_a_session_read_whole_backs_up_into_a_file_the_sdk_reads(
    store: RedisStore, written: RedisDatabase, tmp_path: Path
) -> None:
    from agents import SQLiteSession

    write_plain(tmp_path / "backup.db", "other")  # a store the SDK made
    target = SQLiteFileStore(tmp_path / "backup.db")
    target.append_session(store.read_session("alpha"))

    async def items() -> list[Any]:
        session = SQLiteSession("alpha", tmp_path / "backup.db")
        try:
            return list(await session.get_items())
        finally:
            session.close()

    assert asyncio.run(items()) == sdk_items(written, "alpha")


def test_stats_are_counted_from_the_lists(store: RedisStore) -> None:
    stats = store.stats("alpha")
    assert stats.message_count == 2 * ITEMS_PER_TURN and stats.session_count == 1
    assert stats.by_kind[ItemKind.USER] == 2 and stats.by_kind[ItemKind.ASSISTANT] == 2
    assert (
        stats.by_kind[ItemKind.FUNCTION_CALL] == stats.by_kind[ItemKind.FUNCTION_CALL_OUTPUT] == 2
    )
    assert stats.tool_calls == {"get_weather": 2}
    assert stats.invalid_json_rows == 0 and stats.token_usage is None
    assert stats.created_at is not None and stats.expires_at is None
    assert stats.size_bytes > 0  # MEMORY USAGE of its keys
    with store.reader("alpha") as reader:
        assert stats.data_bytes == sum(len(t.encode()) for _, _, t in reader.iter_items())
    whole = store.stats()
    assert whole.session_count == 4
    assert whole.message_count == sum(info.message_count for info in store.sessions())


def test_a_missing_session_is_named(store: RedisStore) -> None:
    with pytest.raises(SessionNotFoundError, match="'nobody'") as caught:
        store.reader("nobody")
    assert "***" in str(caught.value)
    with pytest.raises(SessionNotFoundError):
        store.stats("nobody")
    with pytest.raises(SessionNotFoundError):
        store.read_session("nobody")


def test_the_conversation_view_reads_whole_turns(store: RedisStore) -> None:
    with store.reader("alpha") as reader:
        ids = _forward(reader, 100)
        turn = reader.context(ids[1])  # around the first turn's tool call
        assert [item.row_id for item in turn] == ids[:ITEMS_PER_TURN]
        assert [item.row_id for item in reader.context(ids[5])] == ids[ITEMS_PER_TURN:]
        assert reader.context(len(ids) + 5) == []
        assert [item.row_id for item in reader.items_after(ids[3], 2)] == ids[4:6]
        assert [item.row_id for item in reader.items_before(None, 2)] == ids[-2:]
        assert [item.row_id for item in reader.items_before(ids[4], 2)] == ids[2:4]
        call_id = json.loads(turn[1].text)["call_id"]
        answer = reader.find_call_output(call_id, ids[1])
        assert answer is not None and answer.row_id == ids[2]
        assert reader.find_call_output("call_nowhere", ids[1]) is None
        assert reader.first_envelope() is None
        assert reader.branches() == [] and reader.turn_usage(ids) == {}
        assert reader.usage_total() is None


def test_the_data_version_changes_when_the_sdk_writes(redis_database: RedisDatabase) -> None:
    url = redis_database.url()
    write_redis(url, "alpha", ("Paris",))
    with open_store(redis_database.url(reader=True)).reader("alpha") as reader:
        before = reader.data_version()
        assert reader.data_version() == before
        write_redis(url, "alpha", ("Oslo",))
        assert reader.data_version() != before
        assert reader.count() == 2 * ITEMS_PER_TURN


def test_an_item_that_is_not_json_is_shown_and_counted(redis_database: RedisDatabase) -> None:
    write_redis(redis_database.url(), "alpha", ("Paris",))
    with redis_database.client() as admin:
        admin.rpush("agents:session:alpha:messages", b'{"role": "user", broken', b"\xff\xfe")
    store = open_store(redis_database.url(reader=True))
    [info] = store.sessions()
    assert info.message_count == ITEMS_PER_TURN + 2
    stats = store.stats("alpha")
    assert stats.invalid_json_rows == 2 and stats.by_kind[ItemKind.USER] == 1
    with store.reader("alpha") as reader:
        broken, undecodable = reader.page_before(None, 2)
        assert not broken.valid_json and broken.kind is ItemKind.OTHER
        assert "broken" in broken.preview and not undecodable.valid_json
    assert store.read_session("alpha").messages[-1].message_data == b"\xff\xfe"  # as stored


def test_keys_of_other_shapes_under_the_prefix_are_no_sessions(
    redis_database: RedisDatabase,
) -> None:
    write_redis(redis_database.url(), "alpha", ("Paris",))
    write_redis(redis_database.url(), "odd:messages", ("Lima",))  # an id ending as a list key
    with redis_database.client() as admin:
        admin.set("agents:session:flag", "1")  # not a session's
        admin.rpush("agents:session:bare:messages", '{"role": "user", "content": "Hi"}')
        admin.expire("agents:session:bare:messages", 300)
    store = open_store(redis_database.url(reader=True))
    found = {info.session_id: info for info in store.sessions()}
    assert set(found) == {"alpha", "bare", "odd:messages"}  # a bare list is a session too
    assert found["bare"].title == "Hi" and found["bare"].created_at is None
    assert isinstance(found["bare"], RedisSessionInfo) and found["bare"].expires_at is not None
    assert found["odd:messages"].message_count == ITEMS_PER_TURN
    assert found["odd:messages"].title == "Weather in Lima?"
    assert store.stats().session_count == 3
    assert store.stats("odd:messages").message_count == ITEMS_PER_TURN


def test_a_prefix_with_glob_characters_matches_only_itself(redis_database: RedisDatabase) -> None:
    url = redis_database.url()
    write_redis(url, "delta", ("Oslo",), key_prefix="odd[1]*?")
    write_redis(url, "other", ("Lima",), key_prefix="odd1xy")  # what the glob would match
    store = open_store(redis_database.url(reader=True) + "?prefix=odd%5B1%5D%2A%3F")
    assert [info.session_id for info in store.sessions()] == ["delta"]
    assert store.stats().message_count == ITEMS_PER_TURN
    with store.reader("delta") as reader:
        assert reader.count() == ITEMS_PER_TURN


def test_the_driver_is_imported_by_the_first_read_only() -> None:
    """The registry asks every location at start-up: redis-py waits for a Redis store."""
    code = (
        "import sys; from agency_desktop.stores.registry import open_store;"
        " open_store('redis://h/0?prefix=p'); print('redis' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
