"""RedisStore's safety: browsing sends read commands only, a server that does not answer
fails fast naming its host and port, and no message carries the password."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from agency_desktop.stores.errors import ProblemKind, StoreError
from agency_desktop.stores.redis import RedisStore
from agency_desktop.stores.redis_url import CONNECT_TIMEOUT_S, parse_target
from agency_desktop.stores.registry import open_store
from agency_desktop.util.errors import InputError
from tests.helpers.server_stores import write_redis
from tests.helpers.servers import HOST, RedisDatabase, RedisServer, free_port, start_redis

SECRET = "s3cret-Pa55"
# What redis-py itself sends on connecting, besides read commands.
HANDSHAKE = {"hello", "auth", "select", "client|setinfo", "ping"}
# What the test sends to look (on its own admin connection).
LOOKING = {"config|resetstat", "info", "acl|cat"}


@pytest.fixture
def written(redis_database: RedisDatabase) -> RedisDatabase:
    write_redis(redis_database.url(), "alpha", ("Paris",))
    write_redis(redis_database.url(), "beta", ("Oslo",), ttl=300)
    return redis_database


def _everything(database: RedisDatabase) -> dict[bytes, tuple[object, ...]]:
    """Every key of the database: its type, value and whether it expires."""
    found: dict[bytes, tuple[object, ...]] = {}
    with database.client() as admin:
        for key in admin.scan_iter(count=1000):
            kind = admin.type(key)
            value = admin.hgetall(key) if kind == b"hash" else admin.lrange(key, 0, -1)
            found[key] = (kind, str(value), admin.ttl(key) > 0)
    return found


def _browse(store: RedisStore) -> None:
    """What the app and the CLI do with a store: list, count, page, read, back up."""
    infos = list(store.sessions())
    store.stats()
    for info in infos:
        store.stats(info.session_id)
        store.read_session(info.session_id)
        with store.reader(info.session_id) as reader:
            reader.page_after(None, 10)
            reader.page_before(None, 10)
            reader.context(2)
            reader.data_version()
            list(reader.iter_stored_items())
    with store.item_tables() as tables:
        assert [table.tail()[1] for table in tables] == [4, 4]


def test_the_read_only_user_browses_everything_and_nothing_changes(written: RedisDatabase) -> None:
    before = _everything(written)
    _browse(open_store(written.url(reader=True)))  # `-@all +@read +ping +select`
    assert _everything(written) == before


def test_browsing_as_the_owner_sends_read_commands_only(written: RedisDatabase) -> None:
    with written.client() as admin:
        admin.config_resetstat()
        _browse(open_store(written.url()))  # the owner could write: nothing asks to
        sent = {name.removeprefix("cmdstat_") for name in admin.info("commandstats")}
        reads = {str(name) for name in admin.acl_cat("read")}
    assert "scan" in sent and "lrange" in sent
    assert sent - reads - HANDSHAKE - LOOKING == set()


def _url(port: int, query: str = "") -> str:
    return f"redis://someone:{SECRET}@{HOST}:{port}/0{query}"


def _fails_fast(url: str, within: float) -> StoreError:
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        list(open_store(url).sessions())
    assert time.monotonic() - started < within
    return caught.value


def test_a_server_nobody_listens_for_is_named_at_once() -> None:
    port = free_port()
    error = _fails_fast(_url(port), CONNECT_TIMEOUT_S)
    assert error.kind is ProblemKind.UNREACHABLE
    assert f"{HOST}:{port}" in str(error) and "cannot be reached" in str(error)
    assert SECRET not in str(error) and SECRET not in repr(error.args)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes connections and never answers: a hung server, or a firewall."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def test_a_server_that_never_answers_fails_within_the_timeout(silent_port: int) -> None:
    error = _fails_fast(_url(silent_port, "?socket_timeout=1&socket_connect_timeout=1"), 4.0)
    assert error.kind is ProblemKind.UNREACHABLE
    assert f"{HOST}:{silent_port}" in str(error) and SECRET not in str(error)


def test_the_default_timeout_is_five_seconds(silent_port: int) -> None:
    error = _fails_fast(_url(silent_port), CONNECT_TIMEOUT_S + 3)
    assert error.kind is ProblemKind.UNREACHABLE and SECRET not in str(error)
    assert parse_target(_url(1)).connect_timeout == CONNECT_TIMEOUT_S


def test_a_longer_connect_timeout_also_waits_for_the_first_answer(silent_port: int) -> None:
    started = time.monotonic()
    error = _fails_fast(_url(silent_port, "?socket_connect_timeout=1.5"), 4.0)
    assert time.monotonic() - started >= 1.4 and error.kind is ProblemKind.UNREACHABLE
    with pytest.raises(InputError, match="seconds"):
        parse_target(_url(1, "?socket_connect_timeout=soon"))


def test_a_wrong_password_is_refused_without_showing_it(redis_server: RedisServer) -> None:
    error = _fails_fast(f"redis://reader:{SECRET}@{HOST}:{redis_server.port}/0", 2.0)
    assert error.kind is ProblemKind.REFUSED
    assert SECRET not in str(error) and "reader:***@" in str(error)
    error = _fails_fast(f"redis://{HOST}:{redis_server.port}/0?password={SECRET}", 2.0)
    assert error.kind is ProblemKind.REFUSED and SECRET not in str(error)


def test_the_password_is_never_shown(written: RedisDatabase) -> None:
    secret = written.server.reader_password
    store = open_store(written.url(reader=True))
    assert secret not in repr(store) and secret not in store.shown
    for info in store.sessions():
        assert secret not in str(info.as_dict()) and secret not in str(info.db_path)
    assert secret not in str(store.stats().as_dict())
    with store.reader("alpha") as reader:
        assert secret not in reader.source


def test_the_url_keeps_redis_options_and_takes_out_the_prefix() -> None:
    target = parse_target(
        f"rediss://u:{SECRET}@cache.example:6380/3?ssl_cert_reqs=required&prefix=team%3Achat"
    )
    assert target.driver_url == f"rediss://u:{SECRET}@cache.example:6380/3?ssl_cert_reqs=required"
    assert target.prefix == "team:chat" and target.address == "cache.example:6380"
    assert parse_target("redis://h").prefix == "agents:session"
    assert parse_target("redis://h").address == "h:6379"
    assert parse_target("redis://[::1]:7000/0").address == "[::1]:7000"
    with pytest.raises(InputError, match="prefix"):
        parse_target("redis://h/0?prefix=")
    with pytest.raises(InputError):  # an option redis-py does not know, said plainly
        list(open_store(f"redis://u:{SECRET}@{HOST}:1/0?nonsense=1").sessions())


def test_a_dropped_connection_says_so_and_the_next_read_reconnects(
    written: RedisDatabase,
) -> None:
    with open_store(written.url(reader=True)).reader("alpha") as reader:
        assert len(reader.page_after(None, 10)) == 4
        with written.client() as admin:
            assert admin.client_kill_filter(user="reader") >= 1
        with pytest.raises(StoreError) as caught:
            reader.page_after(None, 10)
        assert caught.value.kind is ProblemKind.UNREACHABLE
        assert f"{HOST}:{written.server.port}" in str(caught.value)
        assert len(reader.page_after(None, 10)) == 4  # as Refresh reads again


def test_a_server_that_dies_under_an_open_reader_is_named() -> None:
    server = start_redis()
    try:
        write_redis(server.url(), "alpha", ("Paris",))
        with open_store(server.url(reader=True)).reader("alpha") as reader:
            assert reader.count() == 4
            server.process.kill()
            server.process.wait()
            for _ in range(2):  # the dropped connection, then the refused reconnection
                with pytest.raises(StoreError) as caught:
                    reader.page_after(None, 10)
                assert caught.value.kind is ProblemKind.UNREACHABLE
                assert f"{HOST}:{server.port}" in str(caught.value)
                assert server.reader_password not in str(caught.value)
    finally:
        server.stop()
