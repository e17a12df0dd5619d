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
    client: Client, target: RedisTarget, id_batches: Iterable[list[str]], single: str | None
) -> RedisStats:
    """Stats of the sessions named, a batch of ids at a time (one, `single`, or all the
    store's): each batch's facts in one round trip, and its short lists in a few more."""
    stats = RedisStats(db_path=Path(target.shown), session_id=single, location=target.shown)
    for ids in id_batches:
        present = _add_facts(client, target, ids, stats)
        _add_items(client, target, present, stats)
    return stats


def _add_facts(
    client: Client, target: RedisTarget, ids: list[str], stats: RedisStats
) -> list[tuple[bytes, int]]:
    """Add the sessions' times, sizes and expiry; the list key and length of each id that
    names a session (a metadata hash or items: not a key of another kind under the prefix)."""
    pipe = client.pipeline(transaction=False)
    for session_id in ids:
        meta_key, list_key = target.key(session_id), target.key(session_id, MESSAGES)
        pipe.hgetall(meta_key)
        pipe.llen(list_key)
        pipe.pttl(meta_key)  # the SDK gives all of a session's keys the same TTL
        pipe.memory_usage(meta_key)
        pipe.memory_usage(list_key)
    with translated(target):
        answers = pipe.execute(raise_on_error=False)
    now, present = time.time(), []
    for n, session_id in enumerate(ids):
        meta, length, ttl, meta_bytes, list_bytes = answers[5 * n : 5 * n + 5]
        meta = meta if isinstance(meta, dict) else {}
        length = length if isinstance(length, int) else 0
        if not length and not meta:
            continue
        stats.session_count += 1
        stats.size_bytes += sum(b for b in (meta_bytes, list_bytes) if isinstance(b, int))
        _add_times(stats, [meta.get(b"created_at"), meta.get(b"updated_at")])
        expires = expiry(now, ttl)
        if expires is not None:
            stats.expires_at = min(filter(None, (stats.expires_at, expires)))
        present.append((target.key(session_id, MESSAGES), length))
    return present


def _add_items(
    client: Client, target: RedisTarget, lists: list[tuple[bytes, int]], stats: RedisStats
) -> None:
    """Count the lists' items: their first SLICE items in pipelines of about SLICE items
    in all (many short sessions, few round trips; memory bounded all the same), the rest
    of a long list a slice at a time."""
    group: list[bytes] = []
    held = 0
    for n, (key, length) in enumerate(lists):
        group.append(key)
        held += min(length, SLICE)
        if held >= SLICE or n == len(lists) - 1:
            _add_heads(client, target, group, stats)
            group, held = [], 0
    for key, length in lists:
        for start in range(SLICE, length, SLICE):
            with translated(target):
                raw = client.lrange(key, start, start + SLICE - 1)
            for item in raw:
                _add_item(text_of(item), len(item), stats)


def _add_heads(client: Client, target: RedisTarget, keys: list[bytes], stats: RedisStats) -> None:
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.lrange(key, 0, SLICE - 1)
    with translated(target):
        heads = pipe.execute()
    for head in heads:
        for item in head:
            _add_item(text_of(item), len(item), stats)


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
