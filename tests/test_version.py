from __future__ import annotations

import tomllib
from pathlib import Path

import agency_desktop


def test_version_is_the_one_in_pyproject() -> None:
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    version = tomllib.loads(pyproject.read_text())["project"]["version"]
    assert agency_desktop.__version__ == version
