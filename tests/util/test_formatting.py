"""Times are shown in the local zone of their own moment, summer time included."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from agency_desktop.util.formatting import counted, human_size, local_time


@pytest.fixture
def paris() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2025, 1, 15, 12, 0, tzinfo=UTC), "2025-01-15 13:00:00"),  # winter: UTC+1
        (datetime(2025, 7, 15, 12, 0, tzinfo=UTC), "2025-07-15 14:00:00"),  # summer: UTC+2
        (datetime(2025, 3, 30, 0, 59, 59, tzinfo=UTC), "2025-03-30 01:59:59"),  # before the change
        (datetime(2025, 3, 30, 1, 0, 0, tzinfo=UTC), "2025-03-30 03:00:00"),  # and after it
    ],
)
def test_local_time_follows_the_zone_of_each_moment(
    paris: None, moment: datetime, shown: str
) -> None:
    assert local_time(moment) == shown
    assert local_time(moment) == moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def test_no_time_is_shown_as_nothing() -> None:
    assert local_time(None) == ""


def test_sizes() -> None:
    assert [human_size(n) for n in (0, 1023, 1024, 5 * 1024**2, 3 * 1024**4)] == [
        "0 B",
        "1023 B",
        "1.0 KB",
        "5.0 MB",
        "3072.0 GB",
    ]


def test_counts_read_in_the_singular_and_plural_with_full_numbers() -> None:
    assert counted(1, "session") == "1 session"
    assert counted(0, "session") == "0 sessions"
    assert counted(1_000_000, "item") == "1,000,000 items"
    assert counted(2, "match", "matches") == "2 matches"
