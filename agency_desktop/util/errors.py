"""A marker for errors whose messages are safe to log and show as they are."""

from __future__ import annotations


class PlainMessage:
    """Mixed into exceptions whose messages are ours: paths, ids, counts and reasons.

    The log keeps the message of these (and of OS and SQLite errors) even when it
    keeps no conversation text; every other exception is logged by type only.
    """
