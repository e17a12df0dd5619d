"""Plain records returned by the inspection functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import ProblemKind, StoreError
from .schema import StoreKind


def parse_timestamp(value: Any) -> datetime | None:
    """Read SQLite's CURRENT_TIMESTAMP text ('YYYY-MM-DD HH:MM:SS', UTC) as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def stored_time(value: Any) -> datetime | None:
    """A creation time given as a datetime, or as the store keeps it (parsed)."""
    return value if isinstance(value, datetime) else parse_timestamp(value)


def wall_clock(moment: datetime) -> str:
    """`moment` as strftime("%Y-%m-%d %H:%M:%S") writes it, in half the time (a transcript
    writes one per item); strftime itself for years before 1000, which it does not pad
    to four digits."""
    if moment.year < 1000:
        return f"{moment:%Y-%m-%d %H:%M:%S}"
    return moment.isoformat(" ")[:19]


# "YYYY-MM-DD HH:MM:SS" as SQLite's CURRENT_TIMESTAMP writes it, which is what the SDK stores.
MINUTES_SECONDS = frozenset(f":{m:02d}:{s:02d}" for m in range(60) for s in range(60))
_HOURS_CHECKED: dict[str, bool] = {}
_HOURS_KEPT = 100_000


def is_sqlite_time(text: str) -> bool:
    """Whether `text` is a valid "YYYY-MM-DD HH:MM:SS" from year 1000 on: then it is
    already what `wall_clock(parse_timestamp(text))` writes, a UTC time.

    Parsing and formatting each item's time costs as much as the rest of a transcript's
    line, so this takes two lookups: the minutes and seconds among all valid ones, and
    the date and hour, parsed once per hour of the session.
    """
    if len(text) != 19 or text[13:] not in MINUTES_SECONDS:
        return False
    hour = text[:13]
    valid = _HOURS_CHECKED.get(hour)
    if valid is None:
        if len(_HOURS_CHECKED) >= _HOURS_KEPT:
            _HOURS_CHECKED.clear()
        valid = _HOURS_CHECKED[hour] = _is_sqlite_hour(hour)
    return valid


def _is_sqlite_hour(hour: str) -> bool:
    try:
        moment = datetime.fromisoformat(hour + ":00:00")
    except ValueError:
        return False
    return moment.year >= 1000 and moment.isoformat(" ") == hour + ":00:00"


def latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


@dataclass(frozen=True)
class SessionInfo:
    """One session found in a store. `size_bytes` is the size of the whole store file.

    A server store's session has a `location`, its store's URL with the password masked,
    to show and print; its `db_path` is that text as a Path, only a key for the views
    that key rows by path (nothing opens it as a file), and `as_dict` gives no db_path.
    """

    session_id: str
    db_path: Path
    message_count: int
    created_at: datetime | None
    updated_at: datetime | None
    size_bytes: int
    kind: StoreKind
    sessions_table: str
    messages_table: str
    last_message_id: int | None = None
    title: str = ""  # the first user message's first line: what the session is about
    tokens: int | None = None  # tokens used in all (AdvancedSQLiteSession's turn_usage), if kept
    location: str = ""  # a server store's URL, password masked ("" for a file)

    @property
    def where(self) -> str:
        """The store, as the user reads it: the file's path or the server's URL."""
        return self.location or str(self.db_path)

    def as_dict(self) -> dict[str, Any]:
        shown = {"location": self.location} if self.location else {}
        return {
            "session_id": self.session_id,
            "db_path": None if self.location else str(self.db_path),
            **shown,
            "message_count": self.message_count,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "size_bytes": self.size_bytes,
            "kind": str(self.kind),
            "sessions_table": self.sessions_table,
            "messages_table": self.messages_table,
            "last_message_id": self.last_message_id,
            "title": self.title,
            "tokens": self.tokens,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], db_path: Path | None = None) -> SessionInfo:
        """The inverse of as_dict (the scan cache keeps sessions this way); `db_path`, when
        the caller has it as a Path already, saves making it again."""
        location = str(data.get("location") or "")
        if db_path is None:
            db_path = Path(data["db_path"] or location)
        return cls(
            session_id=data["session_id"],
            db_path=db_path,
            message_count=int(data["message_count"]),
            created_at=_from_iso(data["created_at"]),
            updated_at=_from_iso(data["updated_at"]),
            size_bytes=int(data["size_bytes"]),
            kind=StoreKind(data["kind"]),
            sessions_table=data["sessions_table"],
            messages_table=data["messages_table"],
            last_message_id=data["last_message_id"],
            title=str(data.get("title", "")),
            tokens=data.get("tokens"),
            location=location,
        )


@dataclass(frozen=True)
class StoreProblem:
    """A file that looks like it should be a store but cannot be read as one."""

    path: Path
    kind: ProblemKind
    detail: str = ""

    @classmethod
    def from_error(cls, error: StoreError) -> StoreProblem:
        return cls(error.path, error.kind, error.detail)

    @property
    def message(self) -> str:
        return str(StoreError(self.path, self.kind, self.detail))

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "problem": str(self.kind), "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoreProblem:
        return cls(Path(data["path"]), ProblemKind(data["problem"]), data["detail"])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
