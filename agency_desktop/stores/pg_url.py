"""Where a PostgreSQL store is, from the URL a user pastes (without importing a driver:
the registry asks every location, and the app starts faster without psycopg).

Users paste the URL of their SDK code (`postgresql+asyncpg://...`): the `+driver` goes
(libpq reads `postgresql://`), libpq's own options (`sslmode`, `sslrootcert`, ...) stay,
and ours (`sessions_table`, `messages_table`: SQLAlchemySession's custom table names)
are taken out. Without `connect_timeout` (or PGCONNECT_TIMEOUT) a connection gives up
after CONNECT_TIMEOUT_S.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from ..util.errors import InputError
from ..util.urls import is_url, redact_url
from .options import sdk_safe_table_name

SCHEMES = frozenset({"postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg"})
TABLE_OPTIONS = ("sessions_table", "messages_table")
CONNECT_TIMEOUT_S = 5
DEFAULT_PORT = "5432"


def claims(location: str) -> bool:
    return is_url(location) and location.split("://", 1)[0].lower() in SCHEMES


@dataclass(frozen=True)
class PgTarget:
    """A PostgreSQL store's address: `location` as given (with its password: it opens the
    store, and is never shown), `conninfo` for libpq, and the table names if given."""

    location: str
    conninfo: str
    sessions_table: str | None = None
    messages_table: str | None = None

    @property
    def shown(self) -> str:
        """The location as messages and listings show it: the password masked."""
        return redact_url(self.location)

    @property
    def address(self) -> str:
        """host:port as libpq tries them (several, comma-separated, for a multi-host URL)."""
        rest = self.conninfo.split("://", 1)[1]
        authority, _, query = rest.partition("?")
        netloc = authority.split("/", 1)[0].rpartition("@")[2]
        options = dict(parse_qsl(query))
        hosts, ports = [], []
        for part in netloc.split(",") if netloc else []:
            host, port = _host_port(part)
            hosts.append(unquote(host))
            ports.append(port)
        hosts = options.get("host", "").split(",") if "host" in options else hosts
        ports = options.get("port", "").split(",") if "port" in options else ports
        hosts = [h for h in hosts if h] or [os.environ.get("PGHOST") or "localhost"]
        default = os.environ.get("PGPORT") or DEFAULT_PORT
        ports = [p or default for p in ports] or [default]
        ports += [ports[-1]] * (len(hosts) - len(ports))
        return ",".join(f"{h}:{p}" for h, p in zip(hosts, ports, strict=False))


def _host_port(part: str) -> tuple[str, str]:
    if part.startswith("["):  # [::1]:5432
        host, _, tail = part[1:].partition("]")
        return host, tail.removeprefix(":")
    host, _, port = part.partition(":")
    return host, port


def parse_target(location: str) -> PgTarget:
    """The target a PostgreSQL URL names (InputError for a table option that is no table
    name; libpq judges the rest when connecting)."""
    scheme, _, rest = location.partition("://")
    if scheme.lower() not in SCHEMES:
        raise InputError(f"{redact_url(location)}: not a PostgreSQL URL")
    head, mark, query = rest.partition("?")
    kept, tables = [], {}
    for part in query.split("&") if mark else ():
        key, _, value = part.partition("=")
        if key in TABLE_OPTIONS:
            tables[key] = _table_name(key, unquote(value))
        elif part:
            kept.append(part)
    timed = any(part.startswith("connect_timeout=") for part in kept)
    if not timed and "PGCONNECT_TIMEOUT" not in os.environ:
        kept.append(f"connect_timeout={CONNECT_TIMEOUT_S}")
    conninfo = "postgresql://" + head + ("?" + "&".join(kept) if kept else "")
    return PgTarget(location, conninfo, tables.get(TABLE_OPTIONS[0]), tables.get(TABLE_OPTIONS[1]))


def _table_name(key: str, value: str) -> str:
    if not sdk_safe_table_name(value):
        raise InputError(
            f"option {key!r} must be a plain table name (letters, digits, _; not an SQL"
            f" keyword), not {value!r}"
        )
    return value
