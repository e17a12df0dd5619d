"""An HTML page rendered a run of rows at a time, tool calls paired where they are read.

`html_transcript.render_pieces` pairs each tool call with its result, in order, across the
whole session. Done in the process that writes the page, that pairing was a third of a long
export's work while the worker processes waited for it. Here each run of rows
(export_parts) is rendered and paired where it is read, as if no run came before it: none of
its results taken by an earlier call, and no call of an earlier run for a late result to
link back to. The run records those guesses, and `Assembler` checks them against what the
runs before it did; where one was wrong (rare: a run's calls reach at most a few hundred
rows ahead) the run is rendered again, exactly, in the writing process. Either way the page
is byte for byte what `render_pieces` writes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import chain, starmap
from typing import Final

from ..stores.base import ItemReader
from .html_transcript import (
    CALL,
    CALL_ID,
    HTML,
    ITEM,
    LOOKAHEAD_CHARS,
    LOOKAHEAD_ITEMS,
    PART,
    ROW_ID,
    CallAnchors,
    Piece,
    page_foot,
    page_head,
    paired,
    piece_of,
    pieces_of,
)
from .html_transcript import _joined as joined
from .spool import Spooled, spool

# A run's leading items, before its first call that looks ahead for its result, are kept
# one by one: an earlier run's call may have taken one of them as its result.
HEAD_LIMIT = 2 * LOOKAHEAD_ITEMS
REMEMBER: Final = 0
POP: Final = 1
# What a run did to the call anchors, in order: (REMEMBER, call id, call's row id, 0) or
# (POP, call id, the row id it found or None, the popping result's row id).
AnchorStep = tuple[int, str, int | None, int]


@dataclass(frozen=True)
class RunPage:
    """One run's part of the page, and what it assumed and did beyond its own rows."""

    after: int
    upto: int | None
    head: list[tuple[int, str]]  # (row id, its HTML) of each item before the first search
    body: str | Spooled  # the HTML of every later item (in a part file, from a worker)
    count: int  # items shown (a call with its result counts two)
    taken_ahead: frozenset[int]  # rows after `upto` that this run's calls took as results
    anchor_steps: tuple[AnchorStep, ...]  # empty when rendered with the real anchors

    def spooled(self, temporary: str) -> RunPage:
        """The run with its body in a part file beside the export's `temporary` file."""
        body = self.body if isinstance(self.body, Spooled) else spool(self.body, temporary)
        return replace(self, body=body)

    def discard(self) -> None:
        if isinstance(self.body, Spooled):
            self.body.discard()


class _LoggedAnchors(CallAnchors):
    """Fresh anchors that note each step, for `Assembler` to replay on the real ones."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[AnchorStep] = []
        self.popper = 0  # the row id of the result looking its call up

    def remember(self, call_id: str, row_id: int) -> None:
        self.steps.append((REMEMBER, call_id, row_id, 0))
        super().remember(call_id, row_id)

    def pop(self, call_id: str) -> int | None:
        found = super().pop(call_id)
        self.steps.append((POP, call_id, found, self.popper))
        return found


def render_run(
    reader: ItemReader,
    after: int,
    upto: int | None,
    *,
    taken: frozenset[int] = frozenset(),
    anchors: CallAnchors | None = None,
    lookahead: int = LOOKAHEAD_ITEMS,
) -> RunPage:
    """The rows in (after, upto] as a part of the page; a module-level function, for the
    worker processes. With no `taken` rows and no `anchors`, as if no run came before."""
    rows = chain.from_iterable(map(pieces_of, reader.iter_stored_items(after=after, upto=upto)))
    ahead: Iterable[Piece] = ()
    if upto is not None:  # the rows after the run, read only as far as its calls look
        # Rendered one by one: mostly only the first is looked at (a call's result).
        ahead = starmap(
            piece_of, chain.from_iterable(reader.iter_stored_items(batch=lookahead, after=upto))
        )
    return pair_run(
        after, upto, chain(rows, ahead), taken=taken, anchors=anchors, lookahead=lookahead
    )


def pair_run(
    after: int,
    upto: int | None,
    pieces: Iterable[Piece],
    *,
    taken: frozenset[int] = frozenset(),
    anchors: CallAnchors | None = None,
    lookahead: int = LOOKAHEAD_ITEMS,
    budget: int = LOOKAHEAD_CHARS,
) -> RunPage:
    """The run's items from `pieces` (the run's, then those after it), each call with its
    result where `html_transcript.paired` finds it, rows in `taken` left out."""
    logged = _LoggedAnchors() if anchors is None else None
    shown = anchors if anchors is not None else logged
    assert shown is not None
    if taken:
        pieces = (piece for piece in pieces if piece[ROW_ID] not in taken)
    limit = upto if upto is not None else sys.maxsize
    head: list[tuple[int, str]] = []
    body: list[str] = []
    ahead: set[int] = set()
    count = 0
    pairs = paired(pieces, lookahead, budget)
    for piece, result in pairs:  # the leading items, one by one
        row_id = piece[ROW_ID]
        if row_id > limit:
            break
        if logged is not None:
            logged.popper = row_id
        text = piece[HTML] if piece[PART] == ITEM else joined(piece, result, shown)
        count += 1 if result is None else 2
        if result is not None and result[ROW_ID] > limit:
            ahead.add(result[ROW_ID])
        if len(head) >= HEAD_LIMIT or (piece[PART] == CALL and piece[CALL_ID]):
            body.append(text)
            count += _body(pairs, limit, body, ahead, shown=shown, logged=logged)
            break
        head.append((row_id, f"{text}\n"))
    steps = tuple(logged.steps) if logged is not None else ()
    lines = "\n".join(body) + "\n" if body else ""
    return RunPage(after, upto, head, lines, count, frozenset(ahead), steps)


def _body(
    pairs: Iterator[tuple[Piece, Piece | None]],
    limit: int,
    body: list[str],
    ahead: set[int],
    *,
    shown: CallAnchors,
    logged: _LoggedAnchors | None,
) -> int:
    """`pair_run` past the leading items: each item's HTML into `body`, up to row
    `limit`; returns how many items were shown. The loop most of a page goes through,
    kept to what a plain item needs."""
    count = 0
    append = body.append
    for piece, result in pairs:
        row_id = piece[ROW_ID]
        if row_id > limit:
            break
        if piece[PART] == ITEM:
            append(piece[HTML])
            count += 1
            continue
        if logged is not None:
            logged.popper = row_id
        append(joined(piece, result, shown))
        if result is None:
            count += 1
        else:
            count += 2
            if result[ROW_ID] > limit:
                ahead.add(result[ROW_ID])
    return count


Rerender = Callable[[int, int | None, frozenset[int], CallAnchors], RunPage]


class Assembler:
    """Puts the runs' parts of the page together in order, checking what each assumed."""

    def __init__(self, rerender: Rerender) -> None:
        self._rerender = rerender  # a run rendered here, exactly, given what came before
        self._taken: frozenset[int] = frozenset()  # rows earlier runs' calls took as results
        self._anchors = CallAnchors()
        self.count = 0

    def add(self, run: RunPage) -> list[str | Spooled]:
        """The run's part of the page: its leading items' HTML, then its body's."""
        dropped = self._taken_in(run)
        if not self._holds(run, dropped):
            run.discard()
            run = self._rerender(run.after, run.upto, self._taken, self._anchors)
            dropped = frozenset()
        self.count += run.count - len(dropped)
        self._taken = frozenset(row for row in self._taken if not self._within(run, row))
        self._taken |= run.taken_ahead
        head = "".join([text for row, text in run.head if row not in dropped])
        return [head, run.body]

    @staticmethod
    def _within(run: RunPage, row: int) -> bool:
        return row > run.after and (run.upto is None or row <= run.upto)

    def _taken_in(self, run: RunPage) -> frozenset[int]:
        return frozenset(row for row in self._taken if self._within(run, row))

    def _holds(self, run: RunPage, dropped: frozenset[int]) -> bool:
        """Whether the run, rendered as if first, is what it is after the runs before it.

        Rows taken by earlier calls must all be among its leading items (then only those
        items go, and no call of the run sees a different window ahead), and every call a
        late result looked up must be found, or not, as the run found it.
        """
        if dropped != self._taken or not dropped <= {row for row, _ in run.head}:
            return False
        if not run.anchor_steps:
            return True
        trial = self._anchors.copy()
        for step, call_id, row, popper in run.anchor_steps:
            if step == REMEMBER:
                trial.remember(call_id, row)  # type: ignore[arg-type]
            elif popper not in dropped and trial.pop(call_id) != row:
                return False
        self._anchors = trial
        return True


def render_runs(
    session_id: str, source: str, runs: Iterable[RunPage], rerender: Rerender
) -> Iterator[str | Spooled]:
    """The page, from each run's part in order (`render_run`'s, wherever it ran)."""
    yield page_head(session_id, source)
    assembler = Assembler(rerender)
    for run in runs:
        yield from assembler.add(run)
    yield page_foot(assembler.count)
