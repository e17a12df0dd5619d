"""How sizes and times are shown, by the CLI and the app alike."""

from __future__ import annotations

import time
from datetime import datetime


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
