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


def latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


@dataclass(frozen=True)
class SessionInfo:
    """One session found in a store. `size_bytes` is the size of the whole store file."""

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "db_path": str(self.db_path),
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
        return cls(
            session_id=data["session_id"],
            db_path=db_path if db_path is not None else Path(data["db_path"]),
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
