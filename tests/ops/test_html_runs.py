"""A page put together from runs rendered as if each came first is the page rendered in one
pass: calls paired with results in the next run, results taken by an earlier run's call,
late results linking back across runs, repeated call ids."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from agency_desktop.ops.html_runs import RunPage, pair_run, render_runs
from agency_desktop.ops.html_transcript import (
    CALL,
    CALL_ID,
    ITEM,
    PART,
    RESULT,
    SIZE,
    CallAnchors,
    Piece,
    paired,
    render_pieces,
)

CALL_IDS = st.sampled_from(["a", "b", "c", None])


@st.composite
def sessions(draw: st.DrawFn) -> list[Piece]:
    kinds = draw(st.lists(st.sampled_from([ITEM, CALL, RESULT]), max_size=40))
    pieces: list[Piece] = []
    for row_id, kind in enumerate(kinds, start=1):
        call_id = draw(CALL_IDS) if kind != ITEM else None
        inline = "<inline>" if kind == CALL and draw(st.booleans()) else None
        late = f"<late {row_id}>" if kind == RESULT else ""
        size = draw(st.integers(1, 30))
        pieces.append((row_id, kind, call_id, size, f"<{kind} {row_id}>", inline, late))
    return pieces


def _runs(pieces: list[Piece], size: int) -> list[tuple[int, int | None]]:
    ends: list[int | None] = [piece[0] for piece in pieces[size - 1 :: size]]
    if not ends or ends[-1] == len(pieces):
        ends = ends[:-1]
    bounds = [0, *ends]
    return [(after, upto) for after, upto in zip(bounds, [*ends, None], strict=True)]


@settings(max_examples=400, deadline=None)
@given(sessions(), st.integers(1, 6), st.integers(2, 5), st.integers(1, 120))
def test_runs_put_together_are_the_page_in_one_pass(
    pieces: list[Piece], size: int, lookahead: int, budget: int
) -> None:
    """Windows cut short by `lookahead` items or by `budget` characters of text."""

    def from_row(after: int) -> list[Piece]:
        return [piece for piece in pieces if piece[0] > after]

    def rerender(
        after: int, upto: int | None, taken: frozenset[int], anchors: CallAnchors
    ) -> RunPage:
        return pair_run(
            after,
            upto,
            from_row(after),
            taken=taken,
            anchors=anchors,
            lookahead=lookahead,
            budget=budget,
        )

    runs = [
        pair_run(after, upto, from_row(after), lookahead=lookahead, budget=budget)
        for after, upto in _runs(pieces, size)
    ]
    whole = "".join(render_pieces("s", "src", [pieces], lookahead=lookahead, budget=budget))
    assert "".join(render_runs("s", "src", runs, rerender)) == whole


def _paired_reading_every_window_in_full(
    pieces: list[Piece], lookahead: int, budget: int
) -> list[tuple[Piece, Piece | None]]:
    """What `paired` did before it read lazily: the window filled before every item."""
    source, window, chars, out = iter(pieces), deque[Piece](), 0, []
    while True:
        while len(window) < 2 or (len(window) < lookahead and chars < budget):
            piece = next(source, None)
            if piece is None:
                break
            window.append(piece)
            chars += piece[SIZE]
        if not window:
            return out
        head = window.popleft()
        result = None
        if head[PART] == CALL and head[CALL_ID]:
            found = [p for p in window if p[PART] == RESULT and p[CALL_ID] == head[CALL_ID]]
            if found:
                result = found[0]
                window.remove(result)
        chars -= head[SIZE] + (result[SIZE] if result else 0)
        out.append((head, result))


@settings(max_examples=400, deadline=None)
@given(sessions(), st.integers(2, 5), st.integers(1, 120))
def test_pairing_reads_lazily_and_pairs_as_a_full_window_does(
    pieces: list[Piece], lookahead: int, budget: int
) -> None:
    expected = _paired_reading_every_window_in_full(pieces, lookahead, budget)
    assert list(paired(pieces, lookahead, budget)) == expected


def test_pairing_reads_no_further_than_the_last_calls_result() -> None:
    """A run's look past its end renders only what its last call needs."""
    pieces: list[Piece] = [
        (1, CALL, "a", 1, "<call>", None, ""),
        (2, RESULT, "a", 1, "<result>", None, ""),
        *[(row, ITEM, None, 1, f"<{row}>", None, "") for row in range(3, 50)],
    ]
    read: list[int] = []

    def reading() -> Iterator[Piece]:
        for piece in pieces:
            read.append(piece[0])
            yield piece

    source = paired(reading(), lookahead=20, budget=1000)
    assert next(source)[1] == pieces[1]
    assert read == [1, 2]


def test_a_call_answered_in_the_next_run_takes_its_result_from_there() -> None:
    pieces: list[Piece] = [
        (1, ITEM, None, 10, "<user>", None, ""),
        (2, CALL, "a", 10, "<call>", None, ""),
        (3, RESULT, "a", 10, "<result>", None, ("<late>", "</late>")),
        (4, ITEM, None, 10, "<answer>", None, ""),
    ]
    first = pair_run(0, 2, pieces)
    second = pair_run(2, None, pieces[2:])
    assert first.taken_ahead == {3}
    assert [row for row, _ in second.head] == [3, 4]  # kept apart: the first run took row 3

    def never(*_: object) -> RunPage:
        raise AssertionError("the runs' guesses held: nothing is rendered again")

    page = "".join(render_runs("s", "src", [first, second], never))
    assert "<call><result></section>" in page and "<late>" not in page
    assert page.endswith("<footer>4 items</footer>\n</body>\n</html>\n")
