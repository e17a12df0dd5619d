"""The SDK's own view of a store, for checking a repair the way an agent will read it.

Only ever pointed at a copy (the repair's rehearsal): an SDK session writes tables and
rows of its own into any file it opens.
"""

from __future__ import annotations

import json
from collections.abc import Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from ..stores.readonly import reading
from ..stores.repairs import due_on_main
from ..stores.schema import TablePair, discover_layout, pair_holding


def run_coroutine[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also for a caller whose thread already runs a loop (a notebook):
    the coroutine then runs on a short-lived thread of its own."""
    import asyncio  # what only the SDK's calls need
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sdk-read") as pool:
        return pool.submit(asyncio.run, coroutine).result()


class SdkItemFacts:
    """What the SDK files about an item in message_structure: type, tool name, user turn.

    Its own classification (private methods of the pinned SDK, on a session in memory),
    so repaired rows are the rows it would have written; the tests compare them with
    rows the SDK wrote itself, so a change of the SDK shows there first.
    """

    def __init__(self) -> None:
        from agents.extensions.memory import AdvancedSQLiteSession

        self._session = AdvancedSQLiteSession(
            session_id="item-facts", create_tables=True
        )  # in memory

    def __call__(self, item: object) -> tuple[str, str | None, bool]:
        sdk_item = cast(Any, item)
        return (
            self._session._classify_message_type(sdk_item),
            self._session._extract_tool_name(sdk_item),
            self._session._is_user_message(sdk_item),
        )

    def __enter__(self) -> SdkItemFacts:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._session.close()


def _pair(path: Path, session_id: str) -> TablePair:
    with reading(path) as conn:
        pair = pair_holding(conn, discover_layout(conn), session_id)
    if pair is None:
        raise LookupError(f"session {session_id!r} is not in {path}")
    return pair


def items_due_on_main(path: Path, session_id: str) -> list[Any]:
    """The items an agent should get back from the main branch once it is repaired,
    decoded as the SDK decodes them (a row that is not JSON is skipped)."""
    pair = _pair(path, session_id)
    with reading(path) as conn:
        ids = due_on_main(conn, pair, session_id)
        texts = dict(
            conn.execute(
                f"SELECT id, message_data FROM {pair.q_messages}"
                " WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(ids),),
            )
        )
    items = []
    for row_id in ids:
        try:
            items.append(json.loads(texts[row_id]))
        except (TypeError, ValueError):
            continue
    return items


def read_back_main_branch(path: Path, session_id: str, expected: list[Any]) -> str | None:
    """What is wrong with the main branch as the SDK reads it (None: nothing)."""
    from agents.extensions.memory import AdvancedSQLiteSession

    pair = _pair(path, session_id)
    session = AdvancedSQLiteSession(
        session_id=session_id,
        db_path=path,
        sessions_table=pair.sessions_table,
        messages_table=pair.messages_table,
    )
    try:
        items = run_coroutine(session.get_items(branch_id="main"))
        turns = run_coroutine(session.get_conversation_turns(branch_id="main"))
    finally:
        session.close()
    if items != expected:
        return f"{len(items)} items read back where {len(expected)} were due, or out of order"
    users = sum(isinstance(item, dict) and item.get("role") == "user" for item in expected)
    if [turn["turn"] for turn in turns] != list(range(1, users + 1)):
        return "the user turns are not numbered 1 to n"
    return None
