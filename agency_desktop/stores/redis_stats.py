"""A Redis store's stats: the items read a slice at a time and counted here.

The same figures `stats.py` gives for files, where Redis has them: items per kind and
tool, bytes, items that are not JSON, sessions, first and last activity (from each
session's metadata), and the memory its keys take on the server (MEMORY USAGE, a read
command). Redis cannot count inside list elements with read commands only, so the items
cross the network once, SLICE at a time. RedisSession keeps no time per item (so no
items per hour), no token usage and no branches: those stay empty. Where sessions have
a TTL, `expires_at` is the first of them to expire.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .items import classify_item, parse_item
from .records import latest
from .redis_listing import MESSAGES, expiry, unix_time
from .redis_target import Client, text_of, translated
from .redis_url import RedisTarget
from .stats import SessionStats

SLICE = 2000  # items per LRANGE


@dataclass
class RedisStats(SessionStats):
    """SessionStats with when the (first) session counted expires; None: never."""

    expires_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        expires = self.expires_at.isoformat() if self.expires_at else None
        return {**super().as_dict(), "expires_at": expires}


def redis_stats(
    client: Client, target: RedisTarget, session_ids: Iterable[str], single: str | None
) -> RedisStats:
    """Stats of the sessions named (one, `single`, or all the store's)."""
    stats = RedisStats(db_path=Path(target.shown), session_id=single, location=target.shown)
    for session_id in session_ids:
        stats.session_count += _add_session(client, target, session_id, stats)
    return stats


def _add_session(client: Client, target: RedisTarget, session_id: str, stats: RedisStats) -> bool:
    """Add one session's figures; False when the id names no session (no metadata hash,
    no items: a key of another kind under the prefix), which adds nothing."""
    meta_key, list_key = target.key(session_id), target.key(session_id, MESSAGES)
    pipe = client.pipeline(transaction=False)
    pipe.hlen(meta_key)
    pipe.hmget(meta_key, ["created_at", "updated_at"])
    pipe.llen(list_key)
    pipe.pttl(meta_key)
    pipe.pttl(list_key)
    pipe.memory_usage(meta_key)
    pipe.memory_usage(list_key)
    with translated(target):
        fields, times, length, *ttls, meta_bytes, list_bytes = pipe.execute(raise_on_error=False)
    length = length if isinstance(length, int) else 0
    if not length and not (isinstance(fields, int) and fields):
        return False
    stats.size_bytes += sum(n for n in (meta_bytes, list_bytes) if isinstance(n, int))
    _add_times(stats, times if isinstance(times, list) else [None, None])
    expires = expiry(time.time(), *ttls)
    if expires is not None:
        stats.expires_at = min(filter(None, (stats.expires_at, expires)))
    for start in range(0, length, SLICE):
        with translated(target):
            raw = client.lrange(list_key, start, start + SLICE - 1)
        for item in raw:
            _add_item(text_of(item), len(item), stats)
    return True


def _add_times(stats: SessionStats, times: list[Any]) -> None:
    created, updated = (unix_time(value) for value in times)
    firsts = [t for t in (stats.created_at, created) if t is not None]
    stats.created_at = min(firsts, default=None)
    stats.updated_at = latest(stats.updated_at, updated, created)


def _add_item(text: str, size: int, stats: SessionStats) -> None:
    stats.message_count += 1
    stats.data_bytes += size
    item, ok = parse_item(text)
    if not ok:
        stats.invalid_json_rows += 1
        return
    kind, tool = classify_item(item)
    stats.by_kind[kind] += 1
    if tool:
        stats.tool_calls[tool] += 1
