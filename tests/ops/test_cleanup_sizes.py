"""The clean-up preview gives a store the size the session list gives it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agency_desktop.ops import cleanup
from agency_desktop.stores.listing import list_sessions


def test_a_store_with_an_open_writer_has_one_size_everywhere(store_folder: Path) -> None:
    path = store_folder / "plain.db"
    writer = sqlite3.connect(path)  # an agent's connection: -wal and -shm beside the store
    try:
        writer.execute("UPDATE agent_sessions SET updated_at = updated_at")
        writer.commit()
        assert path.with_name("plain.db-shm").exists()
        [listed] = [i for i in list_sessions(store_folder) if i.db_path == path]
        later = datetime.now(UTC) + timedelta(days=40)
        plan = cleanup.plan_cleanup(store_folder, 30, now=later)
        [removal] = [f for f in plan.files if f.path == path]
        assert removal.size_bytes == listed.size_bytes
    finally:
        writer.close()
