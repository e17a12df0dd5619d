"""The names the README documents for library callers stay where it says they are."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import agency_desktop.sessions as api
from agency_desktop.sessions import worker_processes


@pytest.mark.parametrize("name", api.__all__)
def test_every_exported_name_imports(name: str) -> None:
    assert getattr(api, name) is not None


def test_the_worker_process_switch_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(worker_processes.ENV, raising=False)
    try:
        worker_processes.set_enabled(False)
        assert not worker_processes.enabled()
        assert not importlib.import_module("agency_desktop.util.worker_processes").enabled()
    finally:
        worker_processes.set_enabled(None)
    worker_processes.shutdown()  # safe with no workers running


def test_a_store_opens_by_location(store_folder: Path) -> None:
    store = api.open_store(store_folder / "shared.db")
    assert isinstance(store, api.Store)
    assert sorted(info.session_id for info in store.sessions()) == ["shared-a", "shared-b"]
