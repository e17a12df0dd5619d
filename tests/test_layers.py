"""The layers point down, the core never imports Qt, and reading never imports the SDK.

The import-linter contracts in pyproject.toml check every import statement (late ones
too); the tests below also check what importing the modules really loads.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import agency_desktop.ops
import agency_desktop.search
import agency_desktop.sessions
import agency_desktop.stores
import agency_desktop.util

# Modules whose job is to create SDK sessions; everything else in the core is plain SQL.
SDK_MODULES = {
    "agency_desktop.sessions.session_factory",
    "agency_desktop.sessions.sdk_sessions",
    "agency_desktop.sessions.pool",
}
CORE = (
    agency_desktop.sessions,
    agency_desktop.ops,
    agency_desktop.search,
    agency_desktop.stores,
    agency_desktop.util,
)


def _core_modules() -> list[str]:
    names = []
    for package in CORE:
        names += [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    return sorted(names)


def _imported_after(modules: list[str]) -> set[str]:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print('\\n'.join(sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_core_never_imports_qt() -> None:
    modules = _core_modules()
    assert "agency_desktop.sessions.session_factory" in modules
    loaded = _imported_after([*modules, "agency_desktop.cli", "agency_desktop.ops.demo"])
    qt = sorted(
        m
        for m in loaded
        if m.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6"}
    )
    assert qt == []


def test_read_paths_do_not_import_the_sdk() -> None:
    readers = [m for m in _core_modules() if m not in SDK_MODULES] + ["agency_desktop.cli"]
    loaded = _imported_after(readers)
    assert "agents" not in loaded


def test_app_start_up_does_not_import_the_sdk() -> None:
    loaded = _imported_after(["agency_desktop.ui.app", "agency_desktop.ui.main_window"])
    assert "PySide6.QtWidgets" in loaded
    assert "agents" not in loaded


def test_import_contracts_are_kept() -> None:
    """import-linter: layers point down, no cycles in a package, no Qt or SDK where banned."""
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=root,
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
