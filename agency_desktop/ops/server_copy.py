"""A session written into a server store (PostgreSQL, Redis): what `copy_session` and
`move_session` do when their target is a URL rather than a file.

The store writes it in one transaction, verified before it commits (`stores/pg_copy.py`,
`stores/redis_write.py`);
here are the operation's parts: a session about to be replaced is backed up locally
first, as a file's is, and the SDK's tables are made only when the user asked.
"""

from __future__ import annotations

from pathlib import Path

from ..stores.base import Store
from ..stores.errors import SessionNotFoundError
from ..stores.postgres import PostgresStore
from ..stores.session_data import SessionData
from ..util.errors import InputError
from ..util.progress import Reporter
from .server_backup import automatic_server_backup
from .server_tables import sdk_table_ddl
from .store_writer import WriteResult


def write_to_server(
    target: Store,
    data: SessionData,
    *,
    session_id: str | None = None,
    overwrite: bool = False,
    create_tables: bool = False,
    report: Reporter | None = None,
) -> WriteResult:
    """Write `data` as `session_id` (default its own id) into a server store."""
    new_id = session_id or data.session_id
    shown = getattr(target, "shown", target.location)
    if overwrite:
        _back_up_replaced(target, new_id)
    if isinstance(target, PostgresStore):
        ddl = sdk_table_ddl(target.location) if create_tables else []
        replaced = target.append_session(
            data, session_id=new_id, replace=overwrite, report=report, table_ddl=ddl
        )
    else:
        if create_tables:
            raise InputError(f"{shown}: --create-tables is for a PostgreSQL store")
        replaced = target.append_session(data, session_id=new_id, replace=overwrite, report=report)
    return WriteResult(
        Path(shown),  # a key, as the server's listing gives (records.py), never opened
        new_id,
        len(data.messages),
        created_file=False,
        replaced_session=replaced,
        sessions_table=data.sessions_table,
        messages_table=data.messages_table,
        location=shown,
    )


def _back_up_replaced(target: Store, session_id: str) -> Path | None:
    """Replacing a session destroys it: a local copy first (none when there is none)."""
    try:
        return automatic_server_backup(target.location, [session_id])
    except SessionNotFoundError:
        return None
