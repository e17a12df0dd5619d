"""Server stores' URLs for this run: what opens them, kept in memory only.

The views key every session by its store's path (`SessionInfo.db_path`); a server's
sessions are keyed by its URL with the password masked, as a Path (records.py). The URL
that opens the store, password included, is the one the user typed this run: it is kept
here and nowhere else (never on disk, in a log, the recent list or the title), and the
workers that read a session turn its key back into that URL through `open_location`.
A file's path is not in this map, so files open as they always did.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from urllib.parse import quote

from ..stores.base import Store
from ..stores.registry import open_store
from ..util.urls import SECRET_OPTIONS, is_url, redact_url

_lock = threading.Lock()
_by_key: dict[str, str] = {}  # str(view key) -> the URL as typed (with its password)
_by_plain: dict[str, str] = {}  # the URL without its password -> the URL as typed
_SECRET_QUERY = re.compile(r"^(?:" + "|".join(SECRET_OPTIONS) + r")=", re.IGNORECASE)


def without_password(url: str) -> str:
    """`url` with no password at all (not masked): what the recent list keeps, and what
    reconnects once the password comes from elsewhere (this run's memory, libpq's files)."""
    if not is_url(url):
        return url
    scheme, _, rest = url.partition("://")
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    userinfo, at, hosts = rest[:end].rpartition("@")
    userinfo = userinfo.split(":", 1)[0]
    at = at if userinfo else ""  # redis://:secret@host: no user left either
    tail = rest[end:]
    head, mark, query = tail.partition("?")
    if mark:
        fragment = query.partition("#")
        kept = [p for p in fragment[0].split("&") if p and not _SECRET_QUERY.match(p)]
        query = "&".join(kept) + "".join(fragment[1:])
        tail = head + ("?" + query if kept or fragment[1] else "")
    return f"{scheme}://{userinfo}{at}{hosts}{tail}"


def with_password(url: str, password: str) -> str:
    """`url` with `password` in its user info (quoted), unless it carries one already."""
    if not password or not is_url(url) or without_password(url) != url:
        return url
    scheme, _, rest = url.partition("://")
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    user, _, hosts = rest[:end].rpartition("@")
    return f"{scheme}://{user}:{quote(password, safe='')}@{hosts}{rest[end:]}"


def remember(url: str) -> Path:
    """Keep the URL as typed for this run; returns the key the views list its sessions by."""
    key = view_key(url)
    with _lock:
        _by_key[str(key)] = url
        _by_plain[without_password(url)] = url
    return key


def view_key(url: str) -> Path:
    return Path(redact_url(url))


def typed_url(url: str) -> str:
    """A URL without a password: with the one typed for it earlier this run, if one was
    (a recent connection is listed without it). A URL with a password stays as it is."""
    if not is_url(url) or without_password(url) != url:
        return url
    with _lock:
        return _by_plain.get(url, url)


def location_of(path: str | Path) -> str | Path:
    """What opens the store keyed by `path`: a remembered server's URL, else the path."""
    with _lock:
        return _by_key.get(str(path), path)


def is_server(path: str | Path) -> bool:
    with _lock:
        return str(path) in _by_key


def open_location(path: str | Path) -> Store:
    """The store a view's key names: what the views' workers call instead of open_store."""
    return open_store(location_of(path))
