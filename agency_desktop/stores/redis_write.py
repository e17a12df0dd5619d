"""Sessions written to a Redis store as the SDK's RedisSession writes them, and deleted.

A copy is first written to a staging list outside the store's key prefix (so no listing
sees it), with a TTL so that a copy killed half-way leaves nothing for long; it is
checked there (count and digest of what the server holds), and only then put in place:
under WATCH of the session's keys, one MULTI/EXEC renames the staging list to the
session's list, drops its TTL and writes the metadata hash (`session_id`, `created_at`,
`updated_at` as Unix seconds, as RedisSession writes them). An agent that writes the
session meanwhile makes EXEC fail: nothing is changed and the copy says so.

A delete reads what its guard needs under WATCH of every key it deletes, then deletes
them all in one MULTI/EXEC; a write meanwhile makes it fail with nothing deleted.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from itertools import batched

import redis

from ..util.progress import Reporter
from .base import DeleteGuard, StoreChangedError
from .pg_write import ServerSessionExistsError
from .records import SessionInfo, parse_timestamp
from .redis_listing import MESSAGES, batch_sessions
from .redis_target import Client, translated
from .redis_url import RedisTarget
from .session_data import SessionData, items_digest

COUNTER = ":counter"  # RedisSession's id counter: deleted with the session
STAGING_PREFIX = "agency-desktop:staging:"
STAGING_TTL_S = 3600  # a killed copy's staging list goes after this long
PUSH_BATCH = 1000  # items per RPUSH
READ_BATCH = 10_000  # items per LRANGE when the staged copy is checked
CHANGED = "the session changed while it was being written; nothing was changed"


def session_keys(target: RedisTarget, session_id: str) -> tuple[bytes, bytes, bytes]:
    """The metadata hash, the items' list and the id counter of a session."""
    return (
        target.key(session_id),
        target.key(session_id, MESSAGES),
        target.key(session_id, COUNTER),
    )


def append_in(
    client: Client,
    target: RedisTarget,
    data: SessionData,
    new_id: str,
    *,
    replace: bool,
    report: Reporter | None,
) -> bool:
    """Write `data` as `new_id` (see the module's text); returns whether a session was
    replaced. ServerSessionExistsError when it is there and `replace` is not asked."""
    report = report or Reporter()
    keys = session_keys(target, new_id)
    with translated(target):
        if not replace and client.exists(*keys[:2]):  # before the items are sent
            raise ServerSessionExistsError(target.shown, new_id)
        staging = f"{STAGING_PREFIX}{uuid.uuid4().hex}".encode()
        try:
            _stage(client, staging, data, report)
            report(len(data.messages), len(data.messages), "verifying")
            _verify(client, staging, data)
            report.check()  # the last chance to cancel: the session is not touched yet
            return _put_in_place(client, target, staging, data, new_id, replace=replace)
        finally:  # gone already when it was put in place; else its TTL ends it
            with contextlib.suppress(redis.RedisError):
                client.delete(staging)


def _stage(client: Client, staging: bytes, data: SessionData, report: Reporter) -> None:
    total, done = len(data.messages), 0
    pipe = client.pipeline(transaction=False)
    for batch in batched((m.message_data for m in data.messages), PUSH_BATCH):
        pipe.rpush(staging, *batch)
        pipe.expire(staging, STAGING_TTL_S)
        done += len(batch)
        if len(pipe) >= 2 * 20:  # twenty batches a round trip
            pipe.execute()
            report(done, total, "items")
    pipe.execute()
    report(done, total, "items")


def _verify(client: Client, staging: bytes, data: SessionData) -> None:
    stored = items_digest(_read_list(client, staging))
    if client.llen(staging) != len(data.messages) or stored != data.digest():
        raise OSError("verification failed: the written items differ from the source")


def _read_list(client: Client, key: bytes) -> Iterator[bytes | str]:
    start = 0
    while True:
        part = client.lrange(key, start, start + READ_BATCH - 1)
        yield from part
        if len(part) < READ_BATCH:
            return
        start += READ_BATCH


def _put_in_place(
    client: Client,
    target: RedisTarget,
    staging: bytes,
    data: SessionData,
    new_id: str,
    *,
    replace: bool,
) -> bool:
    keys = session_keys(target, new_id)
    meta, messages, _ = keys
    with client.pipeline(transaction=True) as pipe:
        try:
            pipe.watch(*keys)  # type: ignore[no-untyped-call]
            exists = bool(pipe.exists(meta, messages))
            if exists and not replace:  # an agent began the session meanwhile
                raise ServerSessionExistsError(target.shown, new_id)
            pipe.multi()
            if exists:
                pipe.delete(*keys)
            if data.messages:
                pipe.rename(staging, messages)
                pipe.persist(messages)
            now = datetime.now(UTC)
            pipe.hset(meta, "session_id", new_id.encode("utf-8", "surrogateescape"))
            pipe.hset(meta, "created_at", _unix_seconds(data.created_at, now))
            pipe.hset(meta, "updated_at", _unix_seconds(data.updated_at, now))
            pipe.execute()
        except redis.WatchError:
            raise StoreChangedError(CHANGED) from None
    return exists


def _unix_seconds(stored: str | None, default: datetime) -> str:
    """A time as RedisSession keeps it: whole seconds since 1970, as text."""
    moment = parse_timestamp(stored) or default
    return str(int(moment.timestamp()))


class RedisNow:
    """The store for a delete's guard, read while its keys are WATCHed: a write after
    this read makes the delete fail, so what the guard saw is what is deleted."""

    def __init__(self, client: Client, target: RedisTarget) -> None:
        self._client, self._target = client, target

    def info(self, session: SessionInfo | str) -> SessionInfo | None:
        found = batch_sessions(self._client, self._target, [_session_id(session)])
        return found[0] if found else None

    def digest(self, session: SessionInfo | str) -> tuple[int, str]:
        key = self._target.key(_session_id(session), MESSAGES)
        return self._client.llen(key), items_digest(_read_list(self._client, key))


def delete_in(
    client: Client,
    target: RedisTarget,
    sessions: Sequence[SessionInfo | str],
    guard: DeleteGuard | None,
) -> int:
    """Delete `sessions` in one transaction; StoreChangedError (nothing deleted) when the
    guard gives a reason or a session is written meanwhile. Returns the items deleted."""
    ids = list(dict.fromkeys(map(_session_id, sessions)))
    keys = [key for session_id in ids for key in session_keys(target, session_id)]
    with translated(target), client.pipeline(transaction=True) as pipe:
        try:
            # WATCH holds on the pipeline's connection; the reads go on the client's.
            pipe.watch(*keys)  # type: ignore[no-untyped-call]
            if guard is not None and (reason := guard(RedisNow(client, target))) is not None:
                raise StoreChangedError(reason)
            counts = [client.llen(target.key(session_id, MESSAGES)) for session_id in ids]
            pipe.multi()
            for part in batched(keys, 300):
                pipe.delete(*part)
            pipe.execute()
        except redis.WatchError:
            raise StoreChangedError(CHANGED.replace("written", "deleted")) from None
    return sum(counts)


def _session_id(session: SessionInfo | str) -> str:
    return session if isinstance(session, str) else session.session_id


def staged_lists(client: Client) -> list[bytes]:
    """Staging lists on the server (a copy running, or killed within the hour)."""
    return list(client.scan_iter(match=f"{STAGING_PREFIX}*".encode()))
