"""Read-only connections to a PostgreSQL store, and its errors told plainly.

psycopg 3 rather than SQLAlchemy: browsing needs a handful of fixed queries, not an
ORM, and psycopg is the maintained libpq driver SQLAlchemy itself drives. Every browsing connection runs with `default_transaction_read_only=on`: whatever a bug
might send, the server refuses to write. A server that does not answer fails within the
connect timeout (`connect_timeout` in the URL, default 5 s) with a StoreError naming its
host and port; no message shows the password.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..util.errors import InputError
from ..util.urls import redact_text
from .errors import ProblemKind, StoreError
from .pg_url import PgTarget

READ_ONLY = "-c default_transaction_read_only=on"
APPLICATION = "agency-desktop"

Connection = psycopg.Connection[tuple[Any, ...]]


def connect(target: PgTarget) -> Connection:
    """A read-only connection in autocommit mode (each query its own read-only
    transaction; `snapshot` reads several from one)."""
    try:
        params = conninfo_to_dict(target.conninfo)
    except psycopg.ProgrammingError as exc:  # a URL libpq cannot read
        raise InputError(f"{target.shown}: {redact_text(str(exc), target.location)}") from None
    options = f"{params.get('options') or ''} {READ_ONLY}".strip()
    with translated(target):
        conn = psycopg.connect(
            target.conninfo,
            autocommit=True,
            options=options,
            fallback_application_name=APPLICATION,
        )
    # Never a prepared statement: its generic plan would guess a tie's size from the
    # column's statistics, where each query's own plan sees one add_items' million rows.
    conn.prepare_threshold = None
    return conn


@contextlib.contextmanager
def snapshot(conn: Connection, target: PgTarget) -> Iterator[Connection]:
    """One REPEATABLE READ, READ ONLY transaction: several queries see the same moment."""
    with translated(target):
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        yield conn
    finally:
        with translated(target), contextlib.suppress(psycopg.OperationalError):
            conn.execute("ROLLBACK")


@contextlib.contextmanager
def translated(target: PgTarget) -> Iterator[None]:
    """psycopg's errors as StoreErrors: what went wrong, where, and never the password."""
    try:
        yield
    except psycopg.errors.InsufficientPrivilege as exc:
        raise StoreError(target.shown, ProblemKind.REFUSED, _reason(exc, target)) from None
    except psycopg.errors.UndefinedTable as exc:
        raise StoreError(target.shown, ProblemKind.NO_TABLES, _reason(exc, target)) from None
    except psycopg.OperationalError as exc:
        raise server_error(target, exc) from None
    except psycopg.DataError as exc:  # an item that is not JSON, cast before PostgreSQL 16
        detail = f"{_reason(exc, target)}; PostgreSQL 16 or later reads such items"
        raise StoreError(target.shown, ProblemKind.REFUSED, detail) from None


def server_error(target: PgTarget, error: psycopg.Error) -> StoreError:
    """A failed connection: refused by the server (a bad login, no such database: libpq
    gives no SQLSTATE then, but the server's FATAL message) or never reached."""
    answered = (error.sqlstate or "").startswith(("28", "3D", "42")) or "FATAL:" in str(error)
    if answered:
        return StoreError(target.shown, ProblemKind.REFUSED, _reason(error, target))
    return StoreError(
        target.shown, ProblemKind.UNREACHABLE, f"{target.address}: {_reason(error, target)}"
    )


def _reason(error: psycopg.Error, target: PgTarget) -> str:
    """The driver's message in one line (its last clause: "Connection refused"), with no
    password of the URL in it."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    if "failed:" in text:
        text = text.rsplit("failed:", 1)[1].strip() or text
    text = text.removeprefix("FATAL:").strip()
    return redact_text(text, target.location)
