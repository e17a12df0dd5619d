"""The file a pool or a scratch session keeps one session id in."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from ..util.errors import InputError


def store_file_name(session_id: str) -> str:
    """A file name that cannot escape the pool folder, whatever the id holds."""
    if not session_id:
        raise InputError("session_id must not be empty")
    name = quote(session_id, safe="-_@+=")
    if name.startswith("."):  # no hidden files, and never "." or ".."
        name = "%2E" + name[1:]
    if len(name) > 200:  # stay under every filesystem's name limit, still unique
        name = name[:150] + "-" + hashlib.sha256(session_id.encode()).hexdigest()[:16]
    return name + ".db"
