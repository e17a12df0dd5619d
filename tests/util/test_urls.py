"""Server URLs are shown without their passwords."""

from __future__ import annotations

import pytest

from agency_desktop.util.urls import MASK, redact_text, redact_url, secrets_of


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bob:s3cret@db.example:5432/app", "postgresql://bob:***@db.example:5432/app"),
        ("postgresql+asyncpg://bob:s3cret@h/app", "postgresql+asyncpg://bob:***@h/app"),
        ("redis://:s3cret@h:6379/0", "redis://:***@h:6379/0"),
        ("postgresql://bob:p%40ss@h/app", "postgresql://bob:***@h/app"),
        ("postgresql://bob:a@b@h/app", "postgresql://bob:***@h/app"),  # an unescaped @
        (
            "postgresql://h/app?sslmode=require&password=s3cret&sslpassword=k",
            "postgresql://h/app?sslmode=require&password=***&sslpassword=***",
        ),
        (
            "postgresql://bob@h/app?sslmode=verify-full",
            "postgresql://bob@h/app?sslmode=verify-full",
        ),
        ("/home/bob/stores/app.db", "/home/bob/stores/app.db"),
        ("relative/app.db", "relative/app.db"),
    ],
)
def test_a_url_is_shown_with_its_password_masked(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_url(shown) == shown  # masking twice changes nothing


def test_the_secrets_of_a_url_are_found_as_written_and_decoded() -> None:
    url = "postgresql://bob:p%40ss@h/app?password=other"
    assert set(secrets_of(url)) == {"p%40ss", "p@ss", "other"}
    assert secrets_of("postgresql://bob@h/app") == []
    assert secrets_of("/a/path.db") == []


def test_text_that_echoes_a_password_is_masked() -> None:
    url = "postgresql://bob:p%40ss@h/app"
    message = 'connection to "h" failed: password "p@ss" rejected for postgresql://bob:p%40ss@h'
    masked = redact_text(message, url)
    assert "p@ss" not in masked and "p%40ss" not in masked
    assert masked.count(MASK) == 2
    assert redact_text("nothing secret", "postgresql://h/app") == "nothing secret"
