"""Searching a server store finds what searching a file of the same conversations finds:
the same items, kinds, tools and snippets, with the same filters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agency_desktop import cli
from agency_desktop.search import server as server_search
from agency_desktop.search.folder import search_files
from agency_desktop.search.records import SearchFilter, SearchHit
from agency_desktop.search.text import Query
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.registry import open_store
from tests.helpers.server_stores import write_redis, write_sqlalchemy
from tests.helpers.servers import PgDatabase, PostgresServer, RedisServer
from tests.helpers.stores import write_plain

SESSIONS = {"alpha": ("Paris", "Málaga"), "beta": ("Lima",), "gamma": ("Paris",)}
QUERIES = ["paris", "málaga", "weather lima", "sunny", "get_weather", "nothing-like-this"]

# What a hit is, wherever it was found (row ids differ between stores).
Found = tuple[str, ItemKind, str | None, str]


def _found(hits: list[Any]) -> list[Found]:
    return sorted(
        (h.session_id, h.kind, h.tool, h.snippet) for h in hits if isinstance(h, SearchHit)
    )


@pytest.fixture(scope="module")
def file_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("file") / "same.db"
    for session_id, cities in SESSIONS.items():
        write_plain(path, session_id, cities)
    return path


@pytest.fixture(scope="module")
def pg(postgres_server: PostgresServer) -> Iterator[PgDatabase]:
    database = postgres_server.create_database()
    for session_id, cities in SESSIONS.items():
        write_sqlalchemy(database.url(driver="asyncpg"), session_id, cities)
    database.grant_select("agent_sessions", "agent_messages")
    yield database
    database.drop()


@pytest.fixture(scope="module")
def redis_url(redis_server: RedisServer) -> str:
    database = redis_server.new_database()
    for session_id, cities in SESSIONS.items():
        write_redis(database.url(), session_id, cities)
    return database.url(reader=True)


def _in_file(path: Path, text: str, **filters: Any) -> list[Found]:
    return _found(list(search_files([path], Query.parse(text), SearchFilter(**filters))))


def _in_server(location: str, text: str, **filters: Any) -> list[Found]:
    hits = server_search.search_store(
        open_store(location), Query.parse(text), SearchFilter(**filters)
    )
    return _found(hits)


@pytest.mark.parametrize("text", QUERIES)
def test_a_server_store_is_searched_as_a_file_is(
    file_store: Path, pg: PgDatabase, redis_url: str, text: str
) -> None:
    expected = _in_file(file_store, text)
    assert expected or text == "nothing-like-this"
    assert _in_server(pg.url(reader=True), text) == expected
    assert _in_server(redis_url, text) == expected


@pytest.mark.parametrize(
    "filters",
    [
        {"session_id": "gamma"},
        {"kinds": frozenset({ItemKind.USER})},
        {"tool": "get_weather"},
        {"since": datetime.now(UTC) - timedelta(days=1)},
        {"until": datetime.now(UTC) - timedelta(days=1)},
    ],
    ids=["session", "kind", "tool", "since", "until"],
)
def test_filters_narrow_a_server_search_as_a_files(
    file_store: Path, pg: PgDatabase, filters: dict[str, Any]
) -> None:
    assert _in_server(pg.url(), "paris", **filters) == _in_file(file_store, "paris", **filters)


def test_redis_items_have_no_time_so_a_time_range_finds_none(redis_url: str) -> None:
    assert _in_server(redis_url, "paris")
    assert _in_server(redis_url, "paris", since=datetime(2000, 1, 1, tzinfo=UTC)) == []


def test_postgresql_narrows_on_the_server_and_finds_the_same(
    pg: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    narrowed = _in_server(pg.url(), "weather paris")
    monkeypatch.setattr(server_search, "NarrowingTable", type("Never", (), {}))
    assert _in_server(pg.url(), "weather paris") == narrowed and narrowed


def test_a_limit_stops_the_search(pg: PgDatabase) -> None:
    store = open_store(pg.url())
    assert len(server_search.search_store(store, Query.parse("weather"), SearchFilter(), 2)) == 2


def test_the_cli_searches_a_server_store(
    capsys: pytest.CaptureFixture[str], pg: PgDatabase, redis_url: str
) -> None:
    for url in (pg.url(driver="asyncpg", reader=True), redis_url):
        assert cli.main(["search", url, "málaga", "--json"]) == 0
        captured = capsys.readouterr()
        hits = json.loads(captured.out)["hits"]
        assert {hit["session_id"] for hit in hits} == {"alpha"}
        assert all("***" in hit["location"] for hit in hits)
        assert cli.main(["search", url, "lima"]) == 0
        text = capsys.readouterr().out
        assert "beta" in text and "matches" in text
        for secret in (pg.server.password, pg.server.reader_password):
            assert secret not in captured.out + text
