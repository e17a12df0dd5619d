"""How sizes and times are shown, by the CLI and the app alike."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


def human_size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def local_time(value: datetime | None) -> str:
    """In the local time zone of that moment (DST included). Through `time`, not
    `astimezone()`, which looks the zone up again on every call: ten times slower, and
    a big folder formats two times for each of thousands of rows on the GUI thread."""
    if value is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value.timestamp()))


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 session", "2,000 sessions": every count the app and the CLI show reads so."""
    word = noun if n == 1 else (plural or f"{noun}s")
    return f"{n:,} {word}"


def dollars(amount: float) -> str:
    """A cost: "$1.23", or four significant figures below a cent ("$0.0004421")."""
    if amount >= 0.01 or amount == 0:
        return f"${amount:,.2f}"
    return f"${amount:.4g}" if amount >= 1e-4 else f"${amount:.2e}"


def token_count(
    tokens: int, input_tokens: int | None = None, output_tokens: int | None = None
) -> str:
    """ "1,234 tokens (1,000 in, 234 out)" or just "1,234 tokens"."""
    text = counted(tokens, "token")
    if input_tokens is not None and output_tokens is not None:
        text += f" ({input_tokens:,} in, {output_tokens:,} out)"
    return text


def fork_text(fork_turn: int | None, shared_items: int) -> str:
    """Where a branch leaves main: "at turn 2, after 4 shared items"."""
    if fork_turn is None:
        return f"no items of its own ({counted(shared_items, 'shared item')})"
    return f"at turn {fork_turn:,}, after {counted(shared_items, 'shared item')}"


class Branch(Protocol):
    """What a branch list shows of a branch (stores.branches.BranchInfo: this module sits
    below the stores and cannot name it)."""

    @property
    def branch_id(self) -> str: ...
    @property
    def items(self) -> int: ...
    @property
    def fork_turn(self) -> int | None: ...


def branch_label(branch: Branch) -> str:
    """ "main · 16 items", "what-if-rome · 8 items, from turn 2": a branch in a list."""
    text = f"{branch.branch_id} · {counted(branch.items, 'item')}"
    if branch.fork_turn is not None:
        text += f", from turn {branch.fork_turn:,}"
    return text


def time_left(seconds: float) -> str:
    """ "45 s", "12 min", "2 h 5 min", "3 days 4 h": a duration ahead, to its two largest
    units, rounded to the nearest of the smaller (a TTL of an hour set a moment ago reads
    "1 h", not "59 min")."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes = round(whole / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(round(whole / 3600), 24)
    return f"{counted(days, 'day')} {hours} h" if hours else counted(days, "day")


def expires_in(expires_at: datetime, now: datetime | None = None) -> str:
    """ "expires in 2 h 5 min", or "expired": a Redis session's TTL as the list reads it."""
    left = (expires_at - (now or datetime.now(UTC))).total_seconds()
    return f"expires in {time_left(left)}" if left > 0 else "expired"
