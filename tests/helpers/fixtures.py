"""Shared fixtures: stores are written once per test run by the real SDK, then copied."""

from __future__ import annotations

from pathlib import Path

import pytest

from .stores import copy_folder, write_broken_files, write_store_folder


@pytest.fixture(scope="session")
def _template_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_store_folder(tmp_path_factory.mktemp("template") / "stores")


@pytest.fixture
def store_folder(_template_folder: Path, tmp_path: Path) -> Path:
    """A fresh copy of the standard folder: plain, shared (two sessions), advanced, custom."""
    return copy_folder(_template_folder, tmp_path / "stores")


@pytest.fixture
def broken_folder(_template_folder: Path, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path / "broken"
    return folder, write_broken_files(folder, _template_folder / "plain.db")
