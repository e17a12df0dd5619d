"""Which kind of store a location names, and opening it.

Adding a kind of store is one module implementing `base.Store` and one entry in
`KINDS`; nothing in `ui/` or `cli/` changes. Kinds are asked in order, and the
SQLite file store, which takes every location that is not a URL, comes last.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..util.errors import InputError
from .base import Store
from .postgres import PostgresStore
from .redis import RedisStore
from .sqlite_file import SQLiteFileStore, is_url

KINDS: tuple[type[Store], ...] = (
    # Server stores go here, before the file store: their locations are URLs.
    PostgresStore,
    RedisStore,
    SQLiteFileStore,
)


class UnknownStoreKind(InputError):
    """No kind of store this version knows claims the location."""


def kind_of(location: str | os.PathLike[str]) -> type[Store]:
    text = os.fspath(location)
    for kind in KINDS:
        if kind.claims(text):
            return kind
    scheme = text.split("://", 1)[0] if is_url(text) else text
    known = ", ".join(kind.label for kind in KINDS)
    raise UnknownStoreKind(f"{scheme}://…: not a kind of store this version reads ({known})")


def open_store(location: str | os.PathLike[str] | Store) -> Store:
    """The store at a location (a store passes through, so callers take either)."""
    if isinstance(location, Store):
        return location
    return kind_of(location)(os.fspath(location))


def names_a_folder(location: str | os.PathLike[str]) -> bool:
    """A folder of store files rather than one store (a path that names nothing counts as
    a folder, so listing it says "no such folder")."""
    return kind_of(location) is SQLiteFileStore and not Path(location).is_file()
