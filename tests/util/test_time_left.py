"""How long until something happens, as the app shows a Redis session's TTL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agency_desktop.util.formatting import expires_in, time_left


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (-5, "0 s"),
        (45.4, "45 s"),
        (60, "1 min"),
        (12 * 60 + 20, "12 min"),
        (3599, "1 h"),  # an hour's TTL read a moment after it was set
        (2 * 3600 + 5 * 60, "2 h 5 min"),
        (24 * 3600 - 10, "1 day"),
        (3 * 86400 + 4 * 3600 + 100, "3 days 4 h"),
        (30 * 86400, "30 days"),
    ],
)
def test_time_left_reads_in_its_two_largest_units(seconds: float, text: str) -> None:
    assert time_left(seconds) == text


def test_expires_in_counts_from_now_or_says_expired() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert expires_in(now + timedelta(hours=2, minutes=5), now) == "expires in 2 h 5 min"
    assert expires_in(now - timedelta(seconds=1), now) == "expired"
    assert expires_in(datetime.now(UTC) + timedelta(days=2)).startswith("expires in 2 days")
