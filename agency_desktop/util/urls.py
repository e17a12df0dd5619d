"""Server URLs shown without their secrets.

A URL such as `postgresql://user:secret@host/db` is what the user types and what opens
the store, but a password must never reach a log, an error message, the screen or a
file: everything that shows a location shows `redact_url(location)`, and text that may
echo a URL (a driver's error message) goes through `redact_text`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
# Query options that carry a secret in libpq and redis-py URLs.
SECRET_OPTIONS = frozenset({"password", "sslpassword"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SECRET_QUERY = re.compile(
    r"(?P<key>(?:^|[?&])(?:" + "|".join(SECRET_OPTIONS) + r")=)[^&#]*", re.IGNORECASE
)


def is_url(location: str) -> bool:
    return bool(_SCHEME.match(location))


def redact_url(location: str) -> str:
    """`location` with the password of its user info and of its query replaced by ***
    (a path or a URL without a password comes back as it is)."""
    if not is_url(location):
        return location
    scheme, _, rest = location.partition("://")
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    userinfo, at, hosts = rest[:end].rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":" + MASK
    shown = f"{scheme}://{userinfo}{at}{hosts}{rest[end:]}"
    head, mark, query = shown.partition("?")
    if not mark:
        return shown
    return head + mark + _SECRET_QUERY.sub(rf"\g<key>{MASK}", "?" + query)[1:]


def secrets_of(location: str) -> list[str]:
    """The passwords a URL carries, as written and decoded (what redact_text hides)."""
    if not is_url(location):
        return []
    parts = urlsplit(location)
    found: list[str] = []
    userinfo = parts.netloc.rpartition("@")[0]
    if ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    found += [value for key, value in parse_qsl(parts.query) if key.lower() in SECRET_OPTIONS]
    decoded = [unquote(value) for value in found]
    return sorted({value for value in found + decoded if value}, key=len, reverse=True)


def redact_text(text: str, location: str) -> str:
    """`text` (an error message, say) with every password of `location` in it masked."""
    for secret in secrets_of(location):
        text = text.replace(secret, MASK)
    return text
