"""A Redis store's sessions: found by SCAN, their facts read in one pipeline per batch.

RedisSession keeps no index of sessions, only each session's keys under its prefix: a
hash `{prefix}:{id}` (session_id, created_at, updated_at as Unix seconds), a list
`{prefix}:{id}:messages` of JSON items, and maybe a `:counter`; all expiring together when
the session has a TTL. So the sessions are the ids those keys name, found by SCAN with
MATCH (never KEYS, which blocks the server while it walks every key) a batch at a time;
each batch's facts (HGETALL, LLEN, PEXPIRETIME, the first item for the title) come back
in one round trip. A key of another shape under the prefix is answered with WRONGTYPE, which
only means it is no session's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .items import parse_item
from .listing import TITLE_SOURCE_CHARS, session_title
from .records import SessionInfo, latest
from .redis_rows import first_user_text
from .redis_target import Client, text_of, translated
from .redis_url import RedisTarget
from .schema import StoreKind

SCAN_COUNT = 1000  # keys the server looks at per SCAN call: a batch, not a block
HEAD_ITEMS = 16  # where a session's title is looked for when its first item is not the user's
MESSAGES = ":messages"
COUNTER = ":counter"
_GLOB_SPECIALS = "\\*?[]"


@dataclass(frozen=True)
class RedisSessionInfo(SessionInfo):
    """A Redis session, with when its keys expire (None: they never do), for "expires in"."""

    expires_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        expires = self.expires_at.isoformat() if self.expires_at else None
        return {**super().as_dict(), "expires_at": expires}


def glob_escaped(prefix: str) -> bytes:
    """The prefix as a literal in a SCAN MATCH pattern."""
    escaped = "".join("\\" + c if c in _GLOB_SPECIALS else c for c in prefix)
    return escaped.encode("utf-8", "surrogateescape")


def scan_id_batches(client: Client, target: RedisTarget) -> Iterator[list[str]]:
    """The ids of the sessions' keys, a SCAN batch at a time, each id once (a session's
    hash and list may come in different batches; SCAN may return a key twice)."""
    head = target.prefix.encode("utf-8", "surrogateescape") + b":"
    pattern = glob_escaped(target.prefix) + b":*"
    seen: set[str] = set()
    cursor: int = 0
    while True:
        with translated(target):
            cursor, keys = client.scan(cursor, match=pattern, count=SCAN_COUNT)
        fresh = [i for i in (_session_of(_raw(k)[len(head) :]) for k in keys) if i not in seen]
        seen.update(fresh)
        if fresh:
            yield list(dict.fromkeys(fresh))
        if cursor == 0:
            return


def _raw(key: bytes | str) -> bytes:
    return key if isinstance(key, bytes) else key.encode("utf-8", "surrogateescape")


def _session_of(rest: bytes) -> str:
    """The session id a key names, from what follows the prefix: `id:messages` is a
    session's list, `id:counter` its counter, anything else its hash (a hash whose id
    itself ends so is found through its own list, `id:messages:messages`)."""
    text = rest.decode("utf-8", "surrogateescape")
    for suffix in (MESSAGES, COUNTER):
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def session_facts(client: Client, target: RedisTarget, ids: list[str]) -> list[list[Any]]:
    """Per id: its hash, its item count, its hash's expiry and its first item, in one round
    trip (four commands a session: redis-py's parsing of the answers is most of a listing's
    time). A key of another type answers with an error object, kept in place."""
    pipe = client.pipeline(transaction=False)
    for session_id in ids:
        meta, messages = target.key(session_id), target.key(session_id, MESSAGES)
        pipe.hgetall(meta)
        pipe.llen(messages)
        # absolute (PTTL is relative to now): the same at every listing, so rows compare
        # equal; redis-py types its key as str, but sends any key as given
        pipe.pexpiretime(meta)  # type: ignore[arg-type]
        pipe.lindex(messages, 0)
    with translated(target):
        answers = pipe.execute(raise_on_error=False)
    return [answers[n : n + 4] for n in range(0, len(answers), 4)]


def batch_sessions(client: Client, target: RedisTarget, ids: list[str]) -> list[RedisSessionInfo]:
    """The sessions among `ids` (those with a metadata hash or items)."""
    now, shown = time.time(), target.shown
    found: list[RedisSessionInfo] = []
    late: list[int] = []  # expiry asked again: a list without a hash, or Redis before 7.0
    for session_id, (meta, length, expires, first) in zip(
        ids, session_facts(client, target, ids), strict=True
    ):
        count = length if isinstance(length, int) else 0  # an error: no list of items
        facts = _Facts(meta if isinstance(meta, dict) else {}, count, expiry_at(expires), first)
        if facts.meta or facts.count:
            late += [len(found)] if not facts.meta or isinstance(expires, Exception) else []
            found.append(_to_info(target, shown, session_id, facts))
    _add_head_titles(client, target, found)
    _add_late_expiry(client, target, found, late, now)
    return found


@dataclass(frozen=True)
class _Facts:
    """What session_facts found of one session."""

    meta: dict[bytes, Any]
    count: int
    expires_at: datetime | None
    first: Any  # the first item's bytes (None: no items)


def expiry_at(pexpiretime: Any) -> datetime | None:
    """When a key expires, from its PEXPIRETIME: Unix milliseconds (-1: never; -2: no
    such key; an error: a server before Redis 7.0)."""
    if not isinstance(pexpiretime, int) or pexpiretime < 0:
        return None
    return datetime.fromtimestamp(pexpiretime / 1000, UTC)


def expiry(now: float, *ttls: Any) -> datetime | None:
    """When a session's keys expire, from their PTTLs in milliseconds (-1: never; -2: no
    such key; an error: not a key of the session's): the earliest of them."""
    left = [ttl for ttl in ttls if isinstance(ttl, int) and ttl >= 0]
    return datetime.fromtimestamp(now + min(left) / 1000, UTC) if left else None


def unix_time(value: Any) -> datetime | None:
    """RedisSession's created_at/updated_at: Unix seconds, as text."""
    try:
        return datetime.fromtimestamp(float(text_of(value)), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _to_info(target: RedisTarget, shown: str, session_id: str, facts: _Facts) -> RedisSessionInfo:
    created = unix_time(facts.meta.get(b"created_at"))
    return RedisSessionInfo(
        session_id=session_id,
        db_path=Path(shown),  # a key for the views, never opened (records.py)
        message_count=facts.count,
        created_at=created,
        updated_at=latest(unix_time(facts.meta.get(b"updated_at")), created),
        size_bytes=0,  # no one session's share of the server: stats tell the keys' memory
        kind=StoreKind.REDIS,
        sessions_table=target.key(session_id).decode("utf-8", "surrogateescape"),
        messages_table=target.key(session_id, MESSAGES).decode("utf-8", "surrogateescape"),
        last_message_id=facts.count or None,  # row ids are list positions from 1
        title=_title(facts.first),
        location=shown,
        expires_at=facts.expires_at,
    )


def _title(first: Any) -> str:
    """The title a session's first item gives: its first line, if it is the user's."""
    if not isinstance(first, bytes) or b"user" not in first:
        return ""
    text = first_user_text(parse_item(text_of(first))[0])
    return session_title(text[:TITLE_SOURCE_CHARS]) if text else ""


def _add_head_titles(client: Client, target: RedisTarget, found: list[RedisSessionInfo]) -> None:
    untitled = [n for n, info in enumerate(found) if not info.title and info.message_count > 1]
    if untitled:
        titles = _head_titles(client, target, [found[n].session_id for n in untitled])
        for n, title in zip(untitled, titles, strict=True):
            if title:
                found[n] = replace(found[n], title=session_title(title[:TITLE_SOURCE_CHARS]))


def _add_late_expiry(
    client: Client, target: RedisTarget, found: list[RedisSessionInfo], late: list[int], now: float
) -> None:
    """The expiry of sessions whose hash did not tell it, from their keys' PTTLs: a list
    without a metadata hash (not the SDK's doing, but a session all the same), or any
    session on a server before Redis 7.0, which has no PEXPIRETIME."""
    if not late:
        return
    pipe = client.pipeline(transaction=False)
    for n in late:
        pipe.pttl(target.key(found[n].session_id))
        pipe.pttl(target.key(found[n].session_id, MESSAGES))
    with translated(target):
        ttls = pipe.execute(raise_on_error=False)
    for number, n in enumerate(late):
        found[n] = replace(found[n], expires_at=expiry(now, *ttls[2 * number : 2 * number + 2]))


def _head_titles(client: Client, target: RedisTarget, ids: list[str]) -> list[str | None]:
    """The first user message's text among each session's first HEAD_ITEMS items (a
    session that opens otherwise, say with a developer message, is rare: one more round
    trip for those, and never a read of a whole session)."""
    pipe = client.pipeline(transaction=False)
    for session_id in ids:
        pipe.lrange(target.key(session_id, MESSAGES), 0, HEAD_ITEMS - 1)
    with translated(target):
        heads = pipe.execute(raise_on_error=False)
    titles: list[str | None] = []
    for head in heads:
        items = head if isinstance(head, list) else []
        texts = (first_user_text(parse_item(text_of(raw))[0]) for raw in items)
        titles.append(next((text for text in texts if text), None))
    return titles
