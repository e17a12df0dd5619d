"""Export cases: F2's million items written as JSONL, JSON, Markdown and HTML.

The baseline for every format is the least a plain script does to get the session out:
a loop writing each stored `message_data` as a line. JSON and JSONL keep the stored text
where it is JSON, so they should cost little more; Markdown and HTML parse and render
every item, and get more room.

Before each timed run of either side, the page cache's dirty pages are written out
(`os.sync`, not timed): the baseline leaves some 250 MB unwritten (it does not fsync),
and the kernel writing that back during the export that follows, on the same two cores,
was charged to the export (2.8-3.0x with it against 2.5-2.8x without, in one probe).
Ours still pays for its own fsync.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from agency_desktop.ops.export import ExportFormat, export_session

from .cases import Target, TimedCase
from .fixtures import StoreFixture

BASELINE = "a loop writing the stored lines"


def _raw_jsonl(store: StoreFixture, target: Path) -> None:
    """A Python loop writing each stored message_data as a line: the floor for JSONL."""
    conn = sqlite3.connect(store.path)
    try:
        rows = conn.execute(
            "SELECT message_data FROM agent_messages WHERE session_id = ? ORDER BY id",
            (store.session_id,),
        )
        with target.open("w", encoding="utf-8") as handle:
            for (text,) in rows:
                handle.write(text + "\n")
    finally:
        conn.close()


# Each format, as the table names it, and the ratio to the baseline it must stay within.
TARGETS = {
    ExportFormat.JSONL: ("JSONL", 1.5),
    ExportFormat.JSON: ("JSON", 1.5),
    ExportFormat.MARKDOWN: ("Markdown", 3.0),
    ExportFormat.HTML: ("HTML", 3.0),
}


def export_case(store: StoreFixture, scratch: Path, fmt: ExportFormat) -> TimedCase:
    name, ratio = TARGETS[fmt]
    target = scratch / f"export.{fmt.extension}"
    return TimedCase(
        f"F2 export as {name} (vs {BASELINE})",
        lambda: export_session(store.path, store.session_id, fmt, target, overwrite=True),
        lambda: _raw_jsonl(store, scratch / "stored-lines.jsonl"),
        Target(ratio, "x"),
        setup=os.sync,  # neither side pays for what the other left to write back
    )


def export_cases(store: StoreFixture, scratch: Path) -> list[TimedCase]:
    return [export_case(store, scratch, fmt) for fmt in TARGETS]
