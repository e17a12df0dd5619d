"""Where a Redis store is, from the URL a user pastes (without importing the driver: the
registry asks every location, and the app starts faster without redis-py).

`redis://user:password@host:6379/0` and `rediss://...` (TLS) are what `RedisSession.from_url`
takes, so they are what users have. redis-py reads the URL itself (its query options, such
as `ssl_cert_reqs` or `socket_timeout`, pass through); ours, `prefix=` (RedisSession's
`key_prefix`, default `agents:session`), is taken out first, since redis-py would hand an
unknown option to its connection and fail. `socket_connect_timeout`, where given, also
bounds the wait for the server's first answer (a server that takes the connection and
never answers is as unreachable as one that refuses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..util.errors import InputError
from ..util.urls import is_url, redact_url

SCHEMES = frozenset({"redis", "rediss"})
PREFIX_OPTIONS = ("prefix", "key_prefix")  # ours, and the SDK's own name for it
DEFAULT_PREFIX = "agents:session"  # RedisSession's key_prefix default
CONNECT_TIMEOUT_S = 5
DEFAULT_PORT = 6379


def claims(location: str) -> bool:
    return is_url(location) and location.split("://", 1)[0].lower() in SCHEMES


@dataclass(frozen=True)
class RedisTarget:
    """A Redis store's address: `location` as given (with its password: it opens the
    store, and is never shown), `driver_url` for redis-py, and the sessions' key prefix."""

    location: str
    driver_url: str
    prefix: str = DEFAULT_PREFIX
    connect_timeout: float = CONNECT_TIMEOUT_S  # the URL's socket_connect_timeout, if given

    @property
    def shown(self) -> str:
        """The location as messages and listings show it: the password masked."""
        return redact_url(self.location)

    @property
    def address(self) -> str:
        """host:port, as an error about reaching the server names it."""
        parts = urlsplit(self.driver_url)
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:  # a port that is no number: redis-py says so when connecting
            port = DEFAULT_PORT
        host = parts.hostname or "localhost"
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def key(self, session_id: str, suffix: str = "") -> bytes:
        """A session's key as RedisSession names it: `{prefix}:{id}` for its metadata hash,
        with `:messages` for its items. Bytes: an id need not be valid UTF-8 (listing
        decodes keys with surrogateescape, and this turns them back into the same bytes)."""
        return f"{self.prefix}:{session_id}{suffix}".encode("utf-8", "surrogateescape")


def parse_target(location: str) -> RedisTarget:
    """The target a Redis URL names (InputError for an empty prefix; redis-py judges the
    rest when connecting)."""
    scheme, _, rest = location.partition("://")
    if scheme.lower() not in SCHEMES:
        raise InputError(f"{redact_url(location)}: not a Redis URL")
    head, mark, query = rest.partition("?")
    kept, prefix, timeout = [], DEFAULT_PREFIX, float(CONNECT_TIMEOUT_S)
    for part in query.split("&") if mark else ():
        key, _, value = part.partition("=")
        if key in PREFIX_OPTIONS:
            prefix = unquote(value)
            if not prefix:
                raise InputError(f"{redact_url(location)}: option {key!r} needs a key prefix")
            continue
        if key == "socket_connect_timeout":
            timeout = _seconds(location, key, value)
        if part:
            kept.append(part)
    driver_url = f"{scheme}://{head}" + ("?" + "&".join(kept) if kept else "")
    return RedisTarget(location, driver_url, prefix, timeout)


def _seconds(location: str, key: str, value: str) -> float:
    try:
        seconds = float(unquote(value))
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise InputError(f"{redact_url(location)}: option {key!r} needs seconds, not {value!r}")
    return seconds
