"""Import a JSON or JSONL export (export.py) into a store as one session.

Into a new file, the items stream from the export into a store the SDK created under a
temporary name, which is then verified (items and characters against what was read,
then SQLite's quick_check), fsynced and renamed: the final name only ever holds a whole,
checked store, and a million items never sit in memory. Into an existing store, the
session is added in one verified transaction, as a copy between stores is.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..stores.bulk_load import load_session
from ..stores.schema import DEFAULT_MESSAGES_TABLE, DEFAULT_SESSIONS_TABLE, TablePair
from ..stores.session_data import MessageRecord, SessionData
from ..stores.sqlite_writes import writing_to
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .atomic import publish, quick_check, staged
from .items_file import Tally, open_items, read_items_file
from .store_writer import WriteResult, create_store, write_session

__all__ = ["import_items", "read_items_file"]


def import_items(
    items_path: str | os.PathLike[str],
    target_db: str | os.PathLike[str],
    session_id: str,
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> WriteResult:
    """Write the items of a JSON/JSONL export into a store as session `session_id`."""
    source, target = Path(items_path), Path(target_db)
    report = Reporter(progress, cancel)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        return _import_into_new_store(source, target, session_id, report)
    data = SessionData(
        session_id=session_id,
        sessions_table=DEFAULT_SESSIONS_TABLE,
        messages_table=DEFAULT_MESSAGES_TABLE,
        advanced=False,
        messages=[MessageRecord(i, raw, None) for i, raw in enumerate(read_items_file(source), 1)],
    )
    return write_session(target, data, overwrite=overwrite, report=report)


def _import_into_new_store(
    source: Path, target: Path, session_id: str, report: Reporter
) -> WriteResult:
    pair = TablePair(DEFAULT_SESSIONS_TABLE, DEFAULT_MESSAGES_TABLE)
    tally = Tally()
    with open_items(source, report, tally) as texts, staged(target) as temporary:
        with writing_to(target):
            create_store(temporary, session_id, pair.sessions_table, pair.messages_table, False)
            loaded = load_session(temporary, pair, session_id, texts)
        if (loaded.items, loaded.characters) != (tally.items, tally.characters):
            raise OSError(
                errno.EIO,
                "verification failed: the store holds other items than the export",
                str(target),
            )
        report.check()  # the last chance to cancel: nothing has its final name yet
        quick_check(temporary)
        publish(temporary, target, overwrite=False)
    return WriteResult(target, session_id, tally.items, created_file=True, replaced_session=False)
