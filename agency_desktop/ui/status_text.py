"""The status bar's line about what is listed."""

from __future__ import annotations

from ..util.formatting import counted


def listing_status(sessions: int, problems: int, where: str, scanning: bool) -> str:
    """ "12 sessions · /data/agents · 1 file not readable · scanning…" """
    if not where:
        return "Nothing open"
    text = f"{counted(sessions, 'session')} · {where}"
    if problems:
        text += f" · {counted(problems, 'file')} not readable"
    if scanning:
        text += " · scanning…"
    return text
