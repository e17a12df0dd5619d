"""A session copied into a PostgreSQL store: `COPY ... FROM STDIN` in one transaction,
verified before it commits.

The rows go in as SQLAlchemySession would have written them: a sessions row and one
messages row per item, numbered by the table's own sequence, with created_at in the
server's local time (the SDK's columns are `TIMESTAMP WITHOUT TIME ZONE` filled with
CURRENT_TIMESTAMP; the copied session's times are UTC text, as the SDK's SQLite stores
keep them). The SDK reads items back ordered by (created_at, id), so the times are kept
from going backwards (a clock set back, or the hour a summer time ends): the SDK then
reads the items in the order they were copied. COPY rather than INSERT: it is the
server's bulk path, several times faster than a row per statement.

Before COMMIT the session is read back in the SDK's order, and its count and digest
must be the source's: a copy is all or nothing, a process killed mid-way included (the
server rolls back a transaction whose client went away).
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import accumulate, pairwise
from typing import Any

import psycopg
from psycopg import sql

from ..util.errors import InputError
from ..util.progress import Reporter
from .pg_sql import utc_of
from .pg_tables import PgPair
from .pg_target import Connection
from .pg_url import PgTarget
from .pg_write import (
    ServerSessionExistsError,
    delete_rows,
    holds,
    require_privileges,
    write_pairs,
)
from .session_data import MessageRecord, SessionData, items_digest

COPY_BATCH = 50_000  # rows between progress reports (and chances to cancel)
STREAM_ROWS = 8192  # rows a chunk when the copy is read back
CHUNKED_LIBPQ = 170000  # libpq's version from which results stream in chunks


def append_in(
    conn: Connection,
    target: PgTarget,
    data: SessionData,
    new_id: str,
    *,
    replace: bool,
    table_ddl: Sequence[str],
    report: Reporter | None,
) -> bool:
    """`PostgresStore.append_session` inside the caller's transaction: the tables (made
    by `table_ddl` only where there are none), the privileges, room for `new_id`, the
    copy. Returns whether an existing session was replaced."""
    pair = _pair_for(write_pairs(conn, target, table_ddl=table_ddl), data)
    require_privileges(conn, target, pair, ("SELECT", "INSERT"), ids=True)
    exists = holds(conn, pair, new_id)
    if exists and not replace:
        raise ServerSessionExistsError(target.shown, new_id)
    if exists:
        require_privileges(conn, target, pair, ("DELETE",), ids=False)
        delete_rows(conn, pair, new_id)
    try:
        copy_session(conn, pair, data, new_id, report or Reporter())
    except psycopg.errors.UniqueViolation:  # an agent began the session meanwhile
        raise ServerSessionExistsError(target.shown, new_id) from None
    return exists


def _pair_for(pairs: tuple[PgPair, ...], data: SessionData) -> PgPair:
    """The tables named as the session's own, else the store's first pair."""
    names = (data.sessions_table, data.messages_table)
    return next((p for p in pairs if (p.sessions_table, p.messages_table) == names), pairs[0])


def copy_session(
    conn: Connection, pair: PgPair, data: SessionData, new_id: str, report: Reporter
) -> None:
    """Write `data` as `new_id` with COPY and verify it; the caller owns the transaction
    (and has made room: the session is not in the store)."""
    stamps = local_times(conn, [data.created_at, data.updated_at])
    sessions = sql.SQL("COPY {} (session_id, created_at, updated_at) FROM STDIN").format(
        pair.q_sessions
    )
    with conn.cursor().copy(sessions) as copy:
        copy.write_row((new_id, *stamps))
    # The source's digest is worked out while the COPY waits on the server (which
    # releases the GIL): a million items' second and a half, off the clock.
    with ThreadPoolExecutor(1, thread_name_prefix="digest") as pool:
        source_digest = pool.submit(data.digest)
        _copy_items(conn, pair, data.messages, new_id, report)
        expected = len(data.messages), source_digest.result()
    report(len(data.messages), len(data.messages), "verifying")
    if stored_digest(conn, pair, new_id) != expected:
        raise OSError(errno.EIO, "verification failed: the written items differ from the source")
    report.check()  # the last chance to cancel: nothing is committed yet


def _copy_items(
    conn: Connection,
    pair: PgPair,
    messages: Sequence[MessageRecord],
    new_id: str,
    report: Reporter,
) -> None:
    times = in_order(local_times(conn, [m.created_at for m in messages]))
    texts = [_text(m.message_data, m.row_id) for m in messages]
    query = sql.SQL("COPY {} (session_id, message_data, created_at) FROM STDIN").format(
        pair.q_messages
    )
    total = len(texts)
    with conn.cursor().copy(query) as copy:
        for start in range(0, total, COPY_BATCH):
            end = start + COPY_BATCH
            for text, when in zip(texts[start:end], times[start:end], strict=True):
                copy.write_row((new_id, text, when))
            report(min(start + COPY_BATCH, total), total, "items")


def _text(value: str | bytes, row_id: int) -> str:
    """An item as PostgreSQL's text column holds it: a BLOB must be UTF-8, and no item may
    hold NUL, which PostgreSQL's text cannot store (refused before anything is sent)."""
    text = value if isinstance(value, str) else _decoded(value, row_id)
    if "\x00" in text:
        raise InputError(f"item {row_id} holds a NUL character, which PostgreSQL text cannot store")
    return text


def _decoded(value: bytes, row_id: int) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        detail = f"item {row_id} is binary, not UTF-8 text: PostgreSQL cannot store it"
        raise InputError(detail) from None


def local_times(conn: Connection, utc_texts: Sequence[str | None]) -> list[str]:
    """UTC times (text) as the server's local time, as CURRENT_TIMESTAMP would have stored
    them; a missing time is the transaction's own (what the column's default gives).

    Where the connection's TimeZone is UTC (most servers) the texts are used as they are;
    elsewhere the server converts each distinct time with its own zone rules, in one query.
    """
    now = conn.execute("SELECT localtimestamp::text").fetchone()
    default = str(now[0]) if now else None
    if utc_of(conn) == "created_at":  # the session's TimeZone is UTC
        return [text or default or "" for text in utc_texts]
    distinct = sorted({text for text in utc_texts if text})
    converted: dict[str, str] = dict(
        conn.execute(
            "SELECT u, ((u::timestamp AT TIME ZONE 'UTC')"
            " AT TIME ZONE current_setting('TimeZone'))::text FROM unnest(%s::text[]) AS u",
            (distinct,),
        ).fetchall()
    )
    return [converted[text] if text else default or "" for text in utc_texts]


def in_order(times: list[str]) -> list[str]:
    """Each time at least the one before it (texts of one format compare as times do)."""
    if all(a <= b for a, b in pairwise(times)):
        return times
    return list(accumulate(times, max))


def stored_digest(conn: Connection, pair: PgPair, session_id: str) -> tuple[int, str]:
    """Count and digest of the session's items as the server now holds them, in the SDK's
    order (created_at, id). Each item comes as its UTF-8 bytes in binary (hashed as they
    come, never decoded into text and encoded again: a third faster than text, or than
    COPY TO, whose rows psycopg parses in Python), streamed in chunks where libpq can
    (17+): the server sends the next rows while these are hashed, in bounded memory."""
    query = sql.SQL(
        "SELECT convert_to(message_data, 'UTF8') FROM {}"
        " WHERE session_id = %s ORDER BY created_at, id"
    ).format(pair.q_messages)
    cursor = conn.cursor(binary=True)
    if psycopg.pq.version() >= CHUNKED_LIBPQ:
        rows: Iterable[tuple[Any, ...]] = cursor.stream(query, (session_id,), size=STREAM_ROWS)
    else:
        rows = cursor.execute(query, (session_id,)).fetchall()
    seen = [0]

    def texts() -> Iterator[bytes]:
        for row in rows:
            seen[0] += 1
            yield row[0]

    digest = items_digest(texts())
    return seen[0], digest
