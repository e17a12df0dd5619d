"""A Redis session read whole (what backups read), and its list read by row id (what
search indexing reads).

A backup reads the items with one `LRANGE 0 -1`: one command is atomic in Redis, so the
copy is the list as it was at one moment, whatever an agent appends meanwhile (a read-only
user cannot MULTI). The copy goes into the SDK's SQLite layout with its default table
names; the session's times are RedisSession's metadata, and its items carry no time of
their own (RedisSession keeps none), so none is made up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .redis_listing import MESSAGES, unix_time
from .redis_target import Client, translated
from .redis_url import RedisTarget
from .session_data import MessageRecord, SessionData

SESSIONS_TABLE, MESSAGES_TABLE = "agent_sessions", "agent_messages"  # the SDK's SQLite names


def session_data(client: Client, target: RedisTarget, session_id: str) -> SessionData:
    pipe = client.pipeline(transaction=False)
    pipe.hmget(target.key(session_id), ["created_at", "updated_at"])
    pipe.lrange(target.key(session_id, MESSAGES), 0, -1)
    with translated(target):
        (created, updated), items = pipe.execute()
    return SessionData(
        session_id=session_id,
        sessions_table=SESSIONS_TABLE,
        messages_table=MESSAGES_TABLE,
        advanced=False,
        created_at=_stored(unix_time(created)),
        updated_at=_stored(unix_time(updated)),
        messages=[MessageRecord(n, _kept(raw), None) for n, raw in enumerate(items, 1)],
    )


def _stored(moment: datetime | None) -> str | None:
    """A time as SQLite's CURRENT_TIMESTAMP writes it (UTC), as the SDK's files keep it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def _kept(raw: bytes | str) -> str | bytes:
    """An item as text, or as its bytes where they are no UTF-8 (copied, not altered)."""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


class SessionList:
    """One session's list of items, as search indexing reads it (by row id: new items
    come last). Redis has no sequence across sessions, so each session is a table of its
    own, named by its list's key (the `messages_table` its listing gives)."""

    def __init__(self, client: Client, target: RedisTarget, session_id: str) -> None:
        self._client, self._target, self.session_id = client, target, session_id
        self._key = target.key(session_id, MESSAGES)
        self.name = self._key.decode("utf-8", "surrogateescape")

    def rows_after(self, after_id: int, limit: int) -> list[tuple[int, Any, Any, Any]]:
        start = max(after_id, 0)
        with translated(self._target):
            raw = self._client.lrange(self._key, start, start + limit - 1)
        return [(start + n + 1, self.session_id, None, _kept(item)) for n, item in enumerate(raw)]

    def count_upto(self, last_id: int) -> int:
        return min(max(last_id, 0), self.tail()[1])

    def tail(self) -> tuple[int | None, int]:
        with translated(self._target):
            length = int(self._client.llen(self._key))
        return length or None, length
