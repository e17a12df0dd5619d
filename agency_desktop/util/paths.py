"""Where the app keeps its own files (never inside a user's store folder).

`AGENCY_DESKTOP_DATA_DIR` overrides the platform's data directory, so tests and
portable installs can keep everything in one place.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "agency-desktop"
DATA_DIR_ENV = "AGENCY_DESKTOP_DATA_DIR"


def data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return (
        Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    )


def demo_dir() -> Path:
    return data_dir() / "demo"


def backup_dir() -> Path:
    """Automatic backups taken before destructive operations."""
    return data_dir() / "backups"


def scratch_dir() -> Path:
    """Read-only snapshots of the app's in-memory scratch sessions, for the viewers."""
    return data_dir() / "scratch"


def cache_dir() -> Path:
    """Caches the app can rebuild at any time (stats totals); beside the data when overridden."""
    if os.environ.get(DATA_DIR_ENV):
        return data_dir() / "cache"
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The app's log files (rotated); beside the data when overridden."""
    if os.environ.get(DATA_DIR_ENV):
        return data_dir() / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
