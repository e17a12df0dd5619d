"""A PostgreSQL store's sessions, counted and titled by the server in one query per pair.

What the file listing (`listing._to_info`) gives per session: its row's times, its item
count, first and last item, last item id, and the first user message's first line. The
server aggregates; only one row per session crosses the network.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from .listing import TITLE_SOURCE_CHARS, session_title
from .pg_sql import UTC_TIME, as_utc, has_is_json, json_doc
from .pg_tables import PgPair
from .pg_target import Connection, translated
from .pg_url import PgTarget
from .records import SessionInfo, latest
from .schema import StoreKind

_UTC_OF = UTC_TIME.replace("created_at", "{column}")

# Ids with items or with only a sessions row, what each session's items add up to, and
# its last item in the SDK's order (what a view's last page ends with; with late rows not
# the highest id). `{ctes}` define `items` (and what it counts over), `{ids}` the sessions.
_LISTING = """
WITH {ctes}
SELECT x.session_id, {s_created}, {s_updated}, coalesce(i.n, 0), {first_at}, l.last_id,
       {last_at}, t.title
FROM ({ids}) x
LEFT JOIN {s} s ON s.session_id = x.session_id
LEFT JOIN items i ON i.session_id = x.session_id
LEFT JOIN LATERAL (SELECT id AS last_id FROM {m} WHERE session_id = x.session_id
                   ORDER BY created_at DESC, id DESC LIMIT 1) l ON true
{titles}
WHERE x.session_id IS NOT NULL
"""
# Every session: one pass over the SDK's (session_id, created_at) index.
_ALL_ITEMS = (
    "items AS (SELECT session_id, count(*) AS n, min(created_at) AS first_at,"
    " max(created_at) AS last_at FROM {m} GROUP BY session_id)"
)
_ALL_IDS = "SELECT session_id FROM {s} UNION SELECT session_id FROM items"
# The sessions the SDK touched last (it sets updated_at at every add_items): a first page
# the window can show at once, each counted over its own index range, first and last
# times by two seeks.
_LATEST_ITEMS = (
    "latest AS (SELECT session_id FROM {s} ORDER BY updated_at DESC NULLS LAST LIMIT {n}),"
    " items AS (SELECT latest.session_id, c.n, e.first_at, e.last_at FROM latest"
    " CROSS JOIN LATERAL (SELECT count(*) AS n FROM {m} WHERE session_id = latest.session_id) c"
    " CROSS JOIN LATERAL (SELECT min(created_at) AS first_at, max(created_at) AS last_at"
    " FROM {m} WHERE session_id = latest.session_id) e)"
)
_LATEST_IDS = "SELECT session_id FROM latest"
FIRST_PAGE = 100
# Per session, the first user message in the SDK's order: looked for among its first
# HEAD_ITEMS items (only their keys sorted: cheap even when one add_items wrote them all
# with one time), and only if none is one, among all. Only rows with `"user"` in their
# text are parsed as JSON.
HEAD_ITEMS = 16
_FIRST_USER = """
(SELECT left(coalesce(d #>> '{{content,0,text}}', d ->> 'content'), {chars})
 FROM {m} f CROSS JOIN LATERAL (SELECT {doc} AS d OFFSET 0) j
 WHERE {among} AND f.message_data LIKE '%"user"%' AND d ->> 'role' = 'user'
 ORDER BY f.created_at, f.id LIMIT 1)
"""
_HEAD = (
    "f.id IN (SELECT id FROM {m} WHERE session_id = x.session_id"
    " ORDER BY created_at, id LIMIT {head})"
)
_TITLES = "LEFT JOIN LATERAL (SELECT coalesce({first}, {anywhere}) AS title) t ON true"
_NO_TITLES = "LEFT JOIN (SELECT NULL::text AS title) t ON true"


def listing_query(
    pair: PgPair, checked_json: bool | None, updated_last: int | None = None
) -> sql.Composed:
    """The pair's sessions (with `updated_last`, that many of those updated last);
    `checked_json`: whether the server has `IS JSON` (16+); None lists them untitled (no
    item is cast to JSON)."""
    titles = sql.SQL(_NO_TITLES) if checked_json is None else _titles(pair, checked_json)
    latest = updated_last is not None
    tables = {"m": pair.q_messages, "s": pair.q_sessions}
    ctes = sql.SQL(_LATEST_ITEMS if latest else _ALL_ITEMS).format(
        **tables, n=sql.Literal(updated_last)
    )
    return sql.SQL(_LISTING).format(
        ctes=ctes,
        ids=sql.SQL(_LATEST_IDS if latest else _ALL_IDS).format(**tables),
        m=pair.q_messages,
        s=pair.q_sessions,
        s_created=_utc("s.created_at"),
        s_updated=_utc("s.updated_at"),
        first_at=_utc("i.first_at"),
        last_at=_utc("i.last_at"),
        titles=titles,
    )


def _titles(pair: PgPair, checked_json: bool) -> sql.Composed:
    def first_user(among: sql.Composable) -> sql.Composed:
        return sql.SQL(_FIRST_USER).format(
            m=pair.q_messages,
            chars=sql.Literal(TITLE_SOURCE_CHARS),
            doc=json_doc("f.message_data", checked_json),
            among=among,
        )

    head = sql.SQL(_HEAD).format(m=pair.q_messages, head=sql.Literal(HEAD_ITEMS))
    anywhere = sql.SQL("f.session_id = x.session_id")
    return sql.SQL(_TITLES).format(first=first_user(head), anywhere=first_user(anywhere))


def _utc(column: str) -> sql.Composable:
    return sql.SQL(_UTC_OF.format(column=column))


def store_sessions(
    conn: Connection, target: PgTarget, pairs: Sequence[PgPair]
) -> Iterator[SessionInfo]:
    """Every session of the pairs, each once: first the FIRST_PAGE updated last (a
    fraction of the work, for a window to show while the rest is counted), then the rest."""
    shown: set[tuple[str, str]] = set()
    for page in (FIRST_PAGE, None):
        for pair in pairs:
            for info in pair_sessions(conn, target, pair, page):
                if (pair.messages_table, info.session_id) not in shown:
                    shown.add((pair.messages_table, info.session_id))
                    yield info


def pair_sessions(
    conn: Connection, target: PgTarget, pair: PgPair, updated_last: int | None = None
) -> list[SessionInfo]:
    """The pair's sessions (`listing_query`). Before PostgreSQL 16 an item that is not JSON
    fails the cast in the titles' query: then the sessions are listed again, untitled."""
    with translated(target):
        try:
            query = listing_query(pair, has_is_json(conn), updated_last)
            rows = conn.execute(query).fetchall()
        except psycopg.DataError:
            rows = conn.execute(listing_query(pair, None, updated_last)).fetchall()
    return [_to_info(target, pair, row) for row in rows]


def _to_info(target: PgTarget, pair: PgPair, row: tuple[Any, ...]) -> SessionInfo:
    session_id, meta_created, meta_updated, count, first_at, last_id, last_at, title = row
    created = as_utc(meta_created) or as_utc(first_at)
    return SessionInfo(
        session_id=str(session_id),
        db_path=Path(target.shown),  # a key for the views, never opened (records.py)
        message_count=int(count),
        created_at=created,
        updated_at=latest(as_utc(meta_updated), as_utc(last_at), created),
        size_bytes=0,  # a server's table sizes are no one session's: stats tell them
        kind=StoreKind.POSTGRESQL,
        sessions_table=pair.sessions_table,
        messages_table=pair.messages_table,
        last_message_id=last_id,
        title=session_title(title),
        location=target.shown,
    )
