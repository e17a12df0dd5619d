"""Connections to a Redis store, and its errors told plainly.

redis-py is the client the SDK's RedisSession itself uses, so whatever URL works there
works here. Browsing sends read commands only (SCAN, HGETALL, LLEN, LRANGE, LINDEX,
PTTL, MEMORY USAGE): an ACL user limited to `+@read` (with PING and SELECT, which
redis-py sends on connecting) can browse everything.

A server that does not answer fails within the connect timeout (default 5 s; redis-py's
`socket_connect_timeout` and `socket_timeout` in the URL override it) with a StoreError
naming its host and port, and is never retried: a retry with backoff would only make
the user wait longer for the same answer. No message shows the password.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..util.errors import InputError
from ..util.urls import redact_text
from .errors import ProblemKind, StoreError
from .redis_url import RedisTarget

Client = redis.Redis

_REFUSED = (redis.exceptions.AuthenticationError, redis.exceptions.NoPermissionError)


def connect(target: RedisTarget) -> Client:
    """One connection, opened now (so a server that is not there says so at once), reads
    answered as bytes (items and ids need not be UTF-8)."""
    with translated(target):
        try:
            return Client.from_url(
                target.driver_url,
                socket_connect_timeout=target.connect_timeout,  # the URL's options win
                socket_timeout=target.connect_timeout,
                retry=Retry(NoBackoff(), 0),
                single_connection_client=True,
                decode_responses=False,
            )
        except (ValueError, TypeError) as exc:  # a URL redis-py cannot read: a bad port...
            raise InputError(f"{target.shown}: {_reason(exc, target)}") from None


@contextlib.contextmanager
def connected(target: RedisTarget) -> Iterator[Client]:
    client = connect(target)
    try:
        yield client
    finally:
        client.close()


@contextlib.contextmanager
def translated(target: RedisTarget) -> Iterator[None]:
    """redis-py's errors as StoreErrors: what went wrong, where, and never the password."""
    try:
        yield
    except _REFUSED as exc:
        raise StoreError(target.shown, ProblemKind.REFUSED, _reason(exc, target)) from None
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        detail = f"{target.address}: {_reason(exc, target)}"
        raise StoreError(target.shown, ProblemKind.UNREACHABLE, detail) from None
    except redis.exceptions.ResponseError as exc:  # NOAUTH, a database out of range, ...
        raise StoreError(target.shown, ProblemKind.REFUSED, _reason(exc, target)) from None


def _reason(error: BaseException, target: RedisTarget) -> str:
    """The driver's message in one line, with no password of the URL in it."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return redact_text(text, target.location)


def text_of(value: bytes | str | None) -> str:
    """A stored value as text: UTF-8 as the SDK writes it, anything else shown, not lost
    (U+FFFD where a byte is no UTF-8)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")
