"""A marker for errors whose messages are safe to log and show as they are."""

from __future__ import annotations


class PlainMessage:
    """Mixed into exceptions whose messages are ours: paths, ids, counts and reasons.

    The log keeps the message of these (and of OS and SQLite errors) even when it
    keeps no conversation text; every other exception is logged by type only.
    """


class InputError(PlainMessage, ValueError):
    """What was asked cannot be done with this input: a bad argument, or a file that is
    not what it should be. The CLI reports it as bad input (exit status 2); any other
    exception is a failure (status 1), so a bug never passes for the user's mistake.
    A ValueError, so callers that catch that keep working."""
