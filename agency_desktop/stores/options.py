"""Validation of `create_file_session` options; kept free of the SDK import."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from ..util.errors import InputError
from .schema import DEFAULT_MESSAGES_TABLE, DEFAULT_SESSIONS_TABLE

IsolationLevel = Literal["DEFERRED", "IMMEDIATE", "EXCLUSIVE"] | None
ISOLATION_LEVELS: tuple[IsolationLevel, ...] = (None, "DEFERRED", "IMMEDIATE", "EXCLUSIVE")


@dataclass(frozen=True)
class FileSessionOptions:
    """`timeout` is SQLite's busy timeout in seconds for every connection the session opens.

    `check_same_thread` is accepted for compatibility but cannot tighten what the SDK
    does: it already gives every thread its own connection for a file store, and it
    must close them all from one thread, which sqlite3's check would forbid.
    """

    timeout: float = 5.0
    check_same_thread: bool = False
    isolation_level: IsolationLevel = "DEFERRED"
    sessions_table: str = DEFAULT_SESSIONS_TABLE
    messages_table: str = DEFAULT_MESSAGES_TABLE

    @classmethod
    def parse(cls, options: Mapping[str, Any] | None) -> FileSessionOptions:
        if options is None:
            return cls()
        if not isinstance(options, Mapping):
            raise InputError(f"options must be a mapping, not {type(options).__name__}")
        unknown = sorted(set(options) - set(cls.__dataclass_fields__))
        if unknown:
            known = ", ".join(cls.__dataclass_fields__)
            raise InputError(f"unknown option {unknown[0]!r} (known options: {known})")
        values: dict[str, Any] = {
            key: _VALIDATORS[key](key, value) for key, value in options.items()
        }
        return cls(**values)


def _timeout(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"option {key!r} must be a number of seconds, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise InputError(f"option {key!r} must be a finite number of seconds >= 0, not {value!r}")
    return float(value)


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"option {key!r} must be True or False, not {value!r}")
    return value


def _isolation(key: str, value: Any) -> IsolationLevel:
    level = value.upper() if isinstance(value, str) else value
    if level not in ISOLATION_LEVELS:
        raise InputError(
            f"option {key!r} must be one of None, 'DEFERRED', 'IMMEDIATE', 'EXCLUSIVE', not {value!r}"
        )
    return cast(IsolationLevel, level)


def sdk_safe_table_name(name: str) -> bool:
    """Whether the SDK can use this table name: it puts names into its SQL unquoted, so only
    plain identifiers that are not SQL keywords work."""
    if not name or not name.isascii() or not name.replace("_", "").isalnum() or name[0].isdigit():
        return False
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute(f"CREATE TABLE {name} (x)")  # name is letters, digits and _ only here
    except sqlite3.Error:
        return False  # a keyword such as "order"
    finally:
        probe.close()
    return True


def require_sdk_table_names(path: object, *names: str) -> None:
    bad = [name for name in names if not sdk_safe_table_name(name)]
    if bad:
        raise InputError(
            f"{path}: the Agents SDK cannot open tables named {', '.join(map(repr, bad))}"
            " (it does not quote table names); read-only views still work"
        )


def _table(key: str, value: Any) -> str:
    if not isinstance(value, str) or not sdk_safe_table_name(value):
        raise InputError(
            f"option {key!r} must be a plain table name (letters, digits, _; not an SQL"
            f" keyword), not {value!r}"
        )
    return value


_VALIDATORS = {
    "timeout": _timeout,
    "check_same_thread": _flag,
    "isolation_level": _isolation,
    "sessions_table": _table,
    "messages_table": _table,
}
