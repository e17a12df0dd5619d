"""The public switch for the core's worker processes (documented in the README).

The machinery lives in `util.worker_processes`; callers of the library only need to
turn it off, on, or stop the workers now, so only those calls are offered here.
"""

from __future__ import annotations

from ..util.worker_processes import ENV, enabled, set_enabled, shutdown

__all__ = ["ENV", "enabled", "set_enabled", "shutdown"]
