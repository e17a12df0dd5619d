"""PostgresStore on the real server: what SQLAlchemySession wrote, listed, paged and counted,
all through the read-only role that may only SELECT."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg import sql

from agency_desktop.stores import pg_listing, pg_split
from agency_desktop.stores.errors import ProblemKind, SessionNotFoundError, StoreError
from agency_desktop.stores.items import ItemKind
from agency_desktop.stores.paging import MessageFilter
from agency_desktop.stores.pg_listing import HEAD_ITEMS
from agency_desktop.stores.postgres import PostgresStore
from agency_desktop.stores.registry import open_store
from agency_desktop.stores.schema import StoreKind
from tests.helpers.server_stores import (
    ITEMS_PER_TURN,
    add_sqlalchemy_items,
    read_sqlalchemy,
    write_sqlalchemy,
)
from tests.helpers.servers import PgDatabase, PostgresServer

CUSTOM = {"sessions_table": "team_sessions", "messages_table": "team_items"}
TABLES = ("agent_sessions", "agent_messages", *CUSTOM.values())
BATCH = 250  # items of one add_items: one transaction, so one created_at for all
LATE = 5  # rows a slower writer committed last with an earlier time (ids after, order before)


def _add_late_rows(database: PgDatabase, session_id: str) -> None:
    """Rows with higher ids but an earlier time than the session's first item: what a
    writer whose transaction began first but committed last leaves (the SDK orders by
    created_at, then id)."""
    with database.connect() as admin:
        for n in range(LATE):
            admin.execute(
                "INSERT INTO agent_messages (session_id, message_data, created_at)"
                " SELECT %s, %s, min(created_at) - interval '1 second' FROM agent_messages"
                " WHERE session_id = %s",
                (session_id, json.dumps({"role": "user", "content": f"late {n}"}), session_id),
            )


@pytest.fixture(scope="module")
def written(postgres_server: PostgresServer) -> Iterator[PgDatabase]:
    """Sessions written by the SDK: two in its default tables, one in custom ones, and a
    long one (turns, one big add_items, and late rows); SELECT granted to the reader."""
    database = postgres_server.create_database()
    url = database.url(driver="asyncpg")
    write_sqlalchemy(url, "alpha", ("Paris", "Oslo"))
    write_sqlalchemy(url, "beta", ("Lima",))
    write_sqlalchemy(url, "gamma", ("Rome",), **CUSTOM)
    write_sqlalchemy(url, "long", ("Quito", "Bern"))
    batch = [{"role": "user", "content": f"note {n}"} for n in range(BATCH)]
    add_sqlalchemy_items(url, "long", batch)
    _add_late_rows(database, "long")
    replies = [{"role": "assistant", "content": f"reply {n}"} for n in range(2 * HEAD_ITEMS)]
    add_sqlalchemy_items(url, "quiet", [*replies, {"role": "user", "content": "Anyone there?"}])
    database.grant_select(*TABLES)
    yield database
    database.drop()


@pytest.fixture(scope="module")
def store(written: PgDatabase) -> PostgresStore:
    opened = open_store(written.url(reader=True))
    assert isinstance(opened, PostgresStore)
    return opened


def sdk_items(database: PgDatabase, session_id: str, **tables: str) -> list[Any]:
    return read_sqlalchemy(database.url(driver="asyncpg"), session_id, **tables)


def texts_by_id(database: PgDatabase, table: str = "agent_messages") -> dict[int, str]:
    with database.connect() as admin:
        return dict(admin.execute(f"SELECT id, message_data FROM {table}").fetchall())


def test_every_url_form_of_the_sdk_opens_the_store(written: PgDatabase) -> None:
    for driver in (None, "asyncpg", "psycopg"):
        assert isinstance(open_store(written.url(driver=driver, reader=True)), PostgresStore)
    assert isinstance(
        open_store(written.url(reader=True).replace("postgresql", "postgres", 1)), PostgresStore
    )


def test_the_listing_is_what_the_sdk_wrote(store: PostgresStore, written: PgDatabase) -> None:
    found = {info.session_id: info for info in store.sessions()}
    assert set(found) == {"alpha", "beta", "gamma", "long", "quiet"}
    for session_id, info in found.items():
        tables = CUSTOM if session_id == "gamma" else {}
        assert info.message_count == len(sdk_items(written, session_id, **tables))
        assert info.kind is StoreKind.POSTGRESQL
        assert info.created_at is not None and info.updated_at is not None
        assert info.created_at <= info.updated_at
    assert found["alpha"].title == "Weather in Paris?"
    first_user = next(i for i in sdk_items(written, "long") if i.get("role") == "user")
    assert found["long"].title == first_user["content"] == f"late {LATE - 1}"  # SDK's order
    assert found["quiet"].title == "Anyone there?"  # after many items that are not the user's
    assert (found["gamma"].sessions_table, found["gamma"].messages_table) == (
        CUSTOM["sessions_table"],
        CUSTOM["messages_table"],
    )
    assert found["alpha"].location == store.shown
    assert found["alpha"].as_dict()["location"] == store.shown
    assert found["alpha"].as_dict()["db_path"] is None


def test_table_names_in_the_url_list_only_those_tables(written: PgDatabase) -> None:
    url = written.url(reader=True) + "?sessions_table=team_sessions&messages_table=team_items"
    assert [info.session_id for info in open_store(url).sessions()] == ["gamma"]
    with pytest.raises(StoreError, match="no table 'nowhere'") as caught:
        list(open_store(written.url(reader=True) + "?messages_table=nowhere").sessions())
    assert caught.value.kind is ProblemKind.NO_TABLES
    with pytest.raises(ValueError, match="plain table name"):
        open_store(written.url(reader=True) + "?sessions_table=x;drop")


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


def test_paging_follows_the_sdks_order_both_ways(store: PostgresStore, written: PgDatabase) -> None:
    expected = sdk_items(written, "long")
    assert len(expected) == 2 * ITEMS_PER_TURN + BATCH + LATE
    texts = texts_by_id(written)
    with store.reader("long") as reader:
        forward, backward = _forward(reader, 7), _backward(reader, 7)
        assert forward == backward
        assert [json.loads(texts[row_id]) for row_id in forward] == expected
        assert forward != sorted(forward)  # the late rows: the SDK's order is not the ids'
        assert reader.count() == len(expected)
        for place in (0, 1, LATE, len(forward) // 2, len(forward) - 1):
            assert reader.count_before(forward[place]) == place
        assert reader.positions_in_session(forward[3:9]) == list(range(4, 10))
        assert reader.last_row_id() == forward[-1]
        assert reader.read_item(forward[0]) == texts[forward[0]]


def test_a_filter_pages_and_counts_the_matching_rows(store: PostgresStore) -> None:
    with store.reader("alpha", MessageFilter(kinds=frozenset({ItemKind.FUNCTION_CALL}))) as reader:
        rows = reader.page_after(None, 10)
        assert [row.tool_name for row in rows] == ["get_weather", "get_weather"]
        assert reader.count() == 2
    with store.reader("alpha", MessageFilter(text="oslo")) as reader:
        assert reader.count() == 4  # the question, the call, its output, the answer
        assert "Oslo" in reader.page_after(None, 1)[0].preview


def test_bulk_reads_and_runs_cover_the_session_in_order(
    store: PostgresStore, written: PgDatabase
) -> None:
    with store.reader("long") as reader:
        order = _forward(reader, 50)
        items = [row_id for batch in reader.iter_stored_items(batch=40) for row_id, _, _ in batch]
        assert items == order
        ends = list(reader.range_ends(100))
        assert ends[:-1] == [order[99], order[199]] and ends[-1] is None
        middle = [
            r[0]
            for b in reader.iter_stored_items(batch=30, after=order[99], upto=order[199])
            for r in b
        ]
        assert middle == order[100:200]
    data = store.read_session("long")
    assert [json.loads(m.message_data) for m in data.messages] == sdk_items(written, "long")


def test_stats_are_counted_by_the_server(store: PostgresStore) -> None:
    stats = store.stats("alpha")
    assert stats.message_count == 2 * ITEMS_PER_TURN and stats.session_count == 1
    assert stats.by_kind[ItemKind.USER] == 2 and stats.by_kind[ItemKind.ASSISTANT] == 2
    assert (
        stats.by_kind[ItemKind.FUNCTION_CALL] == stats.by_kind[ItemKind.FUNCTION_CALL_OUTPUT] == 2
    )
    assert stats.tool_calls == {"get_weather": 2}
    assert sum(stats.timeline.values()) == stats.message_count
    assert stats.invalid_json_rows == 0 and stats.token_usage is None
    with store.reader("alpha") as reader:
        assert stats.data_bytes == sum(len(t.encode()) for _, _, t in reader.iter_items())
    whole = store.stats()
    assert whole.session_count == 5
    assert whole.message_count == sum(info.message_count for info in store.sessions())
    assert whole.size_bytes > 0
    assert store.stats("gamma").message_count == ITEMS_PER_TURN  # in the custom tables


def test_a_missing_session_is_named(store: PostgresStore) -> None:
    with pytest.raises(SessionNotFoundError, match="'nobody'") as caught:
        store.reader("nobody")
    assert "***" in str(caught.value)
    with pytest.raises(SessionNotFoundError):
        store.stats("nobody")


def test_the_conversation_view_reads_whole_turns(store: PostgresStore) -> None:
    with store.reader("alpha") as reader:
        ids = _forward(reader, 100)
        turn = reader.context(ids[1])  # around the first turn's tool call
        assert [item.row_id for item in turn] == ids[:ITEMS_PER_TURN]
        assert [item.row_id for item in reader.items_after(ids[3], 2)] == ids[4:6]
        assert [item.row_id for item in reader.items_before(None, 2)] == ids[-2:]
        assert [item.row_id for item in reader.items_before(ids[4], 2)] == ids[2:4]
        call_id = json.loads(turn[1].text)["call_id"]
        answer = reader.find_call_output(call_id, ids[1])
        assert answer is not None and answer.row_id == ids[2]
        assert reader.first_envelope() is None
        assert reader.branches() == [] and reader.turn_usage(ids) == {}
        assert reader.usage_total() is None


def test_the_data_version_changes_when_the_sdk_writes(postgres_database: PgDatabase) -> None:
    url = postgres_database.url(driver="asyncpg")
    write_sqlalchemy(url, "alpha", ("Paris",))
    with open_store(postgres_database.url()).reader("alpha") as reader:
        before = reader.data_version()
        assert reader.data_version() == before
        write_sqlalchemy(url, "alpha", ("Oslo",))
        assert reader.data_version() != before
        assert reader.count() == 2 * ITEMS_PER_TURN


def test_an_item_that_is_not_json_is_shown_and_counted(
    postgres_database: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_sqlalchemy(postgres_database.url(driver="asyncpg"), "alpha", ("Paris",))
    with postgres_database.connect() as admin:
        admin.execute(
            "INSERT INTO agent_messages (session_id, message_data) VALUES ('alpha', %s)",
            ('{"role": "user", broken',),
        )
        modern = admin.info.server_version >= 160000
    store = open_store(postgres_database.url())
    [info] = store.sessions()
    assert info.message_count == ITEMS_PER_TURN + 1
    stats = store.stats("alpha")
    assert stats.invalid_json_rows == 1 and stats.by_kind[ItemKind.USER] == 1
    monkeypatch.setattr(pg_split, "SPLIT_FROM_ROWS", 1)  # counted in two halves: the same
    assert _figures(store.stats("alpha")) == _figures(stats)
    with store.reader("alpha") as reader:
        last = reader.page_before(None, 1)[0]
        assert not last.valid_json and last.kind is ItemKind.OTHER
        assert "broken" in last.preview
    with store.reader("alpha", MessageFilter(kinds=frozenset({ItemKind.USER}))) as reader:
        if modern:
            assert reader.count() == 1
        else:  # the server cannot test before it casts: it says so, plainly
            with pytest.raises(StoreError, match="PostgreSQL 16"):
                reader.count()


def _figures(stats: Any) -> tuple[Any, ...]:
    return (
        stats.message_count,
        dict(stats.by_kind),
        dict(stats.tool_calls),
        dict(stats.timeline),
        stats.data_bytes,
        stats.invalid_json_rows,
        stats.created_at,
        stats.updated_at,
        stats.session_count,
    )


@pytest.mark.parametrize("session_id", ["long", "alpha", None])
def test_stats_counted_in_two_halves_are_the_stats_counted_whole(
    store: PostgresStore, session_id: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _figures(store.stats(session_id))
    halves: list[int] = []
    original = pg_split._join_snapshot

    def joining(conn: Any, exported: str) -> None:
        halves.append(1)
        original(conn, exported)

    monkeypatch.setattr(pg_split, "SPLIT_FROM_ROWS", 1)
    monkeypatch.setattr(pg_split, "_join_snapshot", joining)
    assert _figures(store.stats(session_id)) == whole
    # Each pair of tables' second half was counted by a second connection.
    assert len(halves) == (1 if session_id else 2)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_times_are_utc_whatever_the_servers_time_zone(
    postgres_database: PgDatabase, zone: str
) -> None:
    """The SDK's times are the server's local time; every read gives them as UTC, the
    hours of the timeline too (zones with half-hour offsets included)."""
    with postgres_database.connect() as admin:
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET TimeZone = {}").format(
                sql.Identifier(postgres_database.name), sql.Literal(zone)
            )
        )
    before = datetime.now(UTC).replace(microsecond=0)
    write_sqlalchemy(postgres_database.url(driver="asyncpg"), "alpha", ("Paris",))
    after = datetime.now(UTC)
    store = open_store(postgres_database.url())
    stats = store.stats("alpha")
    [info] = store.sessions()
    for moment in (stats.created_at, stats.updated_at, info.created_at, info.updated_at):
        assert moment is not None and before <= moment <= after
    hours = {moment.strftime("%Y-%m-%d %H") for moment in (before, after)}
    assert set(stats.timeline) <= hours
    low, high = (moment.strftime("%Y-%m-%d %H:%M:%S") for moment in (before, after))
    stored = store.read_session("alpha").messages  # as the SDK's files keep times: UTC text
    assert stored and all(low <= str(item.created_at) <= high for item in stored)


def test_the_sessions_updated_last_are_listed_first_then_every_other_once(
    store: PostgresStore, written: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = sorted((info.session_id, info.messages_table) for info in store.sessions())
    monkeypatch.setattr(pg_listing, "FIRST_PAGE", 2)
    listed = list(store.sessions())
    assert sorted((info.session_id, info.messages_table) for info in listed) == whole
    with written.connect() as admin:
        latest = admin.execute(
            "SELECT session_id FROM agent_sessions ORDER BY updated_at DESC LIMIT 2"
        ).fetchall()
    assert {info.session_id for info in listed[:2]} == {row[0] for row in latest}


@pytest.mark.parametrize("first_page", [100, 2])
def test_a_listed_last_item_is_the_last_in_the_sdks_order(
    store: PostgresStore, monkeypatch: pytest.MonkeyPatch, first_page: int
) -> None:
    """Late rows have the highest ids but not the last place: the view's last page ends
    with the row the listing names, whichever phase of the listing named it."""
    monkeypatch.setattr(pg_listing, "FIRST_PAGE", first_page)
    for info in store.sessions():
        with store.reader(info.session_id) as reader:
            assert info.last_message_id == reader.page_before(None, 1)[0].row_id
