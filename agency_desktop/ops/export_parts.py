"""An export's items rendered a run of rows at a time, in the worker processes as well as here.

Writing a transcript (Markdown, HTML) is Python work per item, parsing its JSON above
all, and checking that a row is JSON is SQLite's: each costs several times the reading
of the item. A session is cut into runs of RANGE_ITEMS rows by row id; a worker process
(stores/parallel.py) opens the session again, reads a run and renders it, and this
process writes the runs back in order. Worker processes run at a lower priority (to
leave a GUI its turn): where other programs keep the cores busy they may hardly run,
so when none of them finishes a run for a while, this process renders the next one
itself, and the export goes at least at its own pace. No library maps in order with the
caller taking a share of the work when it must, hence the loop in `rendered_runs`.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from ..stores import parallel
from ..stores.base import ItemReader
from ..stores.items import is_json, parse_item
from ..stores.registry import open_store
from ..stores.transcript import render_items
from ..util import worker_processes
from ..util.progress import Reporter
from .html_runs import RunPage, render_run
from .spool import Spooled, spool

INVALID_KEY = "agency_desktop_invalid_json"
RANGE_ITEMS = 5_000  # rows per run: a worker's task, some 20 ms of work
# Sessions this short are rendered here alone: starting the workers would cost more.
INLINE_BELOW = 3 * RANGE_ITEMS
AHEAD_PER_WORKER = 2  # runs queued for each worker process
HELD = 6  # runs queued, or rendered and waiting for an earlier one: bounds the memory
# How long to wait for a worker to finish a run before rendering the next one here: some
# five runs' time for a worker with a core of its own.
PATIENCE_S = 0.15
DROP_WAIT_S = 2.0  # a stopped export waits this long at most for its running runs

type Render[R] = Callable[[ItemReader, int, int | None], R]


@dataclass(frozen=True)
class Session:
    """Where a worker process finds the items: a store's location, a session, a branch."""

    location: str
    session_id: str
    branch: str | None
    spool: str | None = None  # the export's temporary file, beside which runs are spooled


def line(raw: str) -> str:
    """One item as a single line of JSON, its stored text kept whenever possible."""
    _, ok = parse_item(raw)
    if not ok:
        return json.dumps({INVALID_KEY: raw}, ensure_ascii=False)
    return (
        raw
        if "\n" not in raw and "\r" not in raw
        else json.dumps(json.loads(raw), ensure_ascii=False)
    )


_TEXT = itemgetter(2)


def json_lines(rows: list[tuple[int, Any, str]], separator: str) -> str:
    """(row id, creation time, stored text) rows as one line of JSON each, joined by
    `separator`. Most often that is the stored texts joined as they are: each is JSON
    (`is_json`, which builds nothing), and the joined text has no line break but the
    separators' (one check of the whole, not one of each row). Otherwise each row is
    kept, or made a line by `line`."""
    texts = list(map(_TEXT, rows))
    joined = separator.join(texts)
    if joined.count("\n") == len(texts) - 1 and "\r" not in joined and all(map(is_json, texts)):
        return joined
    return separator.join(
        [
            text if "\n" not in text and "\r" not in text and is_json(text) else line(text)
            for text in texts
        ]
    )


# What each format renders of a run: text to write, or for HTML the items' pieces, which
# the calling process puts together (it pairs tool calls with their results).


def jsonl_run(reader: ItemReader, after: int, upto: int | None) -> str:
    batches = reader.iter_stored_items(after=after, upto=upto)
    return "\n".join([json_lines(rows, "\n") for rows in batches])


def json_run(reader: ItemReader, after: int, upto: int | None) -> str:
    batches = reader.iter_stored_items(after=after, upto=upto)
    return ",\n".join([json_lines(rows, ",\n") for rows in batches])


def markdown_run(reader: ItemReader, after: int, upto: int | None) -> str:
    return "".join(map(render_items, reader.iter_stored_items(after=after, upto=upto)))


def html_run(reader: ItemReader, after: int, upto: int | None) -> RunPage:
    return render_run(reader, after, upto)


def rendered_runs[R](
    render: Render[R],
    reader: ItemReader,
    session: Session | None,
    report: Reporter,
    total: int | None = None,
) -> Iterator[R]:
    """`render(reader, after, upto)` for each run of the session's rows, in order; in the
    worker processes too where `session` says where they find them. `render` is a
    module-level function (the workers import it). The progress is told after each run,
    of `total` items (counted here when the caller has not: 50 ms for a million)."""
    total = reader.count() if total is None else total
    for done, run in enumerate(_in_order(render, reader, total, session), 1):
        report(min(done * RANGE_ITEMS, total), total, "items")
        yield run


def _in_order[R](
    render: Render[R], reader: ItemReader, total: int, session: Session | None
) -> Iterator[R]:
    runs = _runs(reader)
    if session is None or total < INLINE_BELOW or not worker_processes.enabled():
        yield from (render(reader, after, upto) for after, upto in runs)
        return
    ahead = AHEAD_PER_WORKER * parallel.worker_count()
    pending: deque[Future[R]] = deque()
    try:
        for after, upto in runs:
            while True:
                while pending and pending[0].done():
                    yield parallel.outcome(pending.popleft())
                running = [future for future in pending if not future.done()]
                if len(running) < ahead:
                    pending.append(parallel.submit(_in_worker, render, session, after, upto))
                    break
                if not wait(running, PATIENCE_S, FIRST_COMPLETED).done:  # the workers hardly run
                    pending.append(_finished(render(reader, after, upto)))
                    break
            if len(pending) >= HELD:
                yield parallel.outcome(pending.popleft())
        while pending:
            yield parallel.outcome(pending.popleft())
    finally:  # stopped early (cancelled, failed): what never started, never will
        _drop(pending)


def _runs(reader: ItemReader) -> Iterator[tuple[int, int | None]]:
    """(after, upto) row ids of each run; the last goes to the end (upto None)."""
    after = -1
    for end in reader.range_ends(RANGE_ITEMS):
        yield after, end
        if end is None:
            return
        after = end


def _in_worker[R](render: Render[R], session: Session, after: int, upto: int | None) -> R:
    store = open_store(session.location)
    with store.reader(session.session_id, branch=session.branch) as reader:
        result = render(reader, after, upto)
    if session.spool is not None and isinstance(result, RunPage):
        return result.spooled(session.spool)  # type: ignore[return-value]
    if session.spool is not None and isinstance(result, str):  # JSONL, JSON, Markdown
        return spool(result, session.spool)  # type: ignore[return-value]
    return result


def _drop(pending: Iterable[Future[Any]]) -> None:
    """Cancel the runs not started; wait a moment for those running, so that their spooled
    parts, never to be written, are removed before the export returns."""
    running = [future for future in pending if not future.cancel()]
    wait(running, DROP_WAIT_S)
    for future in running:
        future.add_done_callback(_discard)  # at once if done, else when it is


def _discard(future: Future[Any]) -> None:
    if not future.cancelled() and future.exception() is None:
        result = future.result()
        if isinstance(result, (RunPage, Spooled)):
            result.discard()


def _finished[R](value: R) -> Future[R]:
    future: Future[R] = Future()
    future.set_result(value)
    return future
