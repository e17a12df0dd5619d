"""The Qt-free core: find, read and manage Agents SDK session stores.

Reading (listing, stats, paging) is plain SQL and never imports the SDK; the
names that need it (`SessionFactory`, `SessionPool`, `migrate_session_to_file`)
are imported on first use, so a viewer starts without its 1.6 s import cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..stores.base import Store
from ..stores.errors import ProblemKind, SessionNotFoundError, StoreError
from ..stores.items import ItemKind
from ..stores.listing import find_problem_files, list_sessions, scan_directory
from ..stores.paging import MessageRow, SessionReader
from ..stores.records import SessionInfo, StoreProblem
from ..stores.registry import open_store
from ..stores.schema import StoreKind
from ..stores.stats import SessionStats, get_session_stats

if TYPE_CHECKING:
    from .pool import SessionPool
    from .session_factory import SessionFactory, migrate_session_to_file

__all__ = [
    "ItemKind",
    "MessageRow",
    "ProblemKind",
    "SessionFactory",
    "SessionInfo",
    "SessionNotFoundError",
    "SessionPool",
    "SessionReader",
    "SessionStats",
    "Store",
    "StoreError",
    "StoreKind",
    "StoreProblem",
    "find_problem_files",
    "get_session_stats",
    "list_sessions",
    "migrate_session_to_file",
    "open_store",
    "scan_directory",
]

_LAZY = {
    "SessionFactory": "session_factory",
    "migrate_session_to_file": "session_factory",
    "SessionPool": "pool",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
