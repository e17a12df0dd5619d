"""The real Redis server the suite starts: the SDK's sessions on it, and the reader."""

from __future__ import annotations

import pytest
import redis

from tests.helpers.server_stores import ITEMS_PER_TURN, read_redis, write_redis
from tests.helpers.servers import RedisDatabase, RedisServer

TTL_S = 600


@pytest.fixture(scope="module")
def written(redis_server: RedisServer) -> RedisDatabase:
    """A database of this module's: two sessions under the SDK's default prefix, one under
    a custom prefix with a TTL."""
    database = redis_server.new_database()
    url = database.url()
    write_redis(url, "alpha", ("Paris", "Oslo"))
    write_redis(url, "beta", ("Lima",))
    write_redis(url, "gamma", ("Rome",), key_prefix="team:chat", ttl=TTL_S)
    return database


def test_a_fresh_database_is_empty(redis_database: RedisDatabase) -> None:
    with redis_database.client() as client:
        assert client.dbsize() == 0


def test_the_sdk_reads_back_what_it_wrote(written: RedisDatabase) -> None:
    alpha = read_redis(written.url(), "alpha")
    assert len(alpha) == 2 * ITEMS_PER_TURN
    assert alpha[0] == {"role": "user", "content": "Weather in Paris?"}
    assert len(read_redis(written.url(), "beta")) == ITEMS_PER_TURN
    with written.client() as client:
        assert client.type("agents:session:alpha") == b"hash"
        assert client.type("agents:session:alpha:messages") == b"list"


def test_a_custom_prefix_and_ttl(written: RedisDatabase) -> None:
    assert len(read_redis(written.url(), "gamma", key_prefix="team:chat")) == ITEMS_PER_TURN
    assert read_redis(written.url(), "gamma") == []  # not under the default prefix
    with written.client() as client:
        keys = sorted(client.scan_iter(match="team:chat:*"))
        assert keys == [b"team:chat:gamma", b"team:chat:gamma:messages"]  # no counter: unused
        assert all(0 < client.pttl(key) <= TTL_S * 1000 for key in keys)
        assert client.ttl("agents:session:alpha") == -1  # no TTL unless one is given


def test_the_reader_reads(written: RedisDatabase) -> None:
    with written.client(reader=True) as client:
        assert client.llen("agents:session:alpha:messages") == 2 * ITEMS_PER_TURN
        assert len(client.lrange("agents:session:beta:messages", 0, -1)) == ITEMS_PER_TURN
        assert client.hgetall("agents:session:alpha")[b"session_id"] == b"alpha"
        assert len(list(client.scan_iter(match="agents:session:*", count=100))) == 4
    # and so can the SDK, through the same user
    assert len(read_redis(written.url(reader=True), "beta")) == ITEMS_PER_TURN


@pytest.mark.parametrize(
    "command",
    [
        ("RPUSH", "agents:session:alpha:messages", "{}"),
        ("HSET", "agents:session:alpha", "updated_at", "0"),
        ("DEL", "agents:session:beta"),
        ("EXPIRE", "agents:session:alpha", "1"),
        ("FLUSHDB",),
    ],
    ids=lambda command: command[0].lower(),
)
def test_the_reader_cannot_write(written: RedisDatabase, command: tuple[str, ...]) -> None:
    with written.client(reader=True) as client, pytest.raises(redis.exceptions.NoPermissionError):
        client.execute_command(*command)
    with written.client() as client:
        assert client.llen("agents:session:alpha:messages") == 2 * ITEMS_PER_TURN
