"""Test configuration: headless Qt, and app data and settings kept out of the user's home."""

from __future__ import annotations

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"
_SANDBOX = tempfile.mkdtemp(prefix="agency-desktop-tests-")
os.environ.setdefault("AGENCY_DESKTOP_DATA_DIR", os.path.join(_SANDBOX, "data"))
os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
# send2trash's freedesktop trash lives under XDG_DATA_HOME: never the user's real trash.
os.environ["XDG_DATA_HOME"] = os.path.join(_SANDBOX, "xdg-data")
# The app started as a process of its own (tests of killing and exiting) keeps its
# settings (last folder, recent folders) under XDG_CONFIG_HOME: never the user's own.
os.environ["XDG_CONFIG_HOME"] = os.path.join(_SANDBOX, "xdg-config")

from PySide6.QtCore import QSettings  # noqa: E402

# Every QSettings the app makes (IniFormat, user scope) lands in the sandbox.
QSettings.setPath(
    QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.path.join(_SANDBOX, "settings")
)

from tests.helpers.fixtures import (  # noqa: E402, F401
    _template_folder,
    app_data,
    big_store,
    broken_folder,
    full_disk,
    long_store,
    main_window,
    many_stores,
    no_store_left_open,
    settings,
    store_folder,
)
from tests.helpers.servers import (  # noqa: E402, F401
    postgres_database,
    postgres_server,
    redis_database,
    redis_server,
)

# --- soak runs (marked `soak`): only with --soak, as `make soak` runs them


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption(
        "--soak", action="store_true", help="also run the long reliability runs (marked soak)"
    )


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Without --soak the soak runs are deselected (make soak runs them)."""
    if config.getoption("--soak"):
        return
    soaks = [item for item in items if "soak" in item.keywords]
    if soaks:
        items[:] = [item for item in items if "soak" not in item.keywords]
        config.hook.pytest_deselected(items=soaks)


def pytest_terminal_summary(terminalreporter):  # type: ignore[no-untyped-def]
    """The figures the README's reliability section quotes, from this run."""
    from tests.reliability import figures

    lines = figures.summary()
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)
