"""Where two sessions differ, item by item (CLI `diff`, Session > Compare Two Sessions).

Useful after a compaction, a restore or a branch. Items compare by their parsed JSON in
a canonical form (keys sorted, no spaces), so a store that rewrote key order or
whitespace compares the same; a row that is not JSON compares by its text. Sessions can
hold a million items, so no item text is kept while aligning: the common prefix is
skipped as both sessions stream past (a session and its backup keep almost nothing),
and past it each item leaves an 8-byte digest, its row id, kind and call id. Only the
items that differ are read again, by row id, for their summaries (and a changed pair's
two texts, for the fields that differ).
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import hashlib
import itertools
import json
import os
from array import array
from collections.abc import Iterator
from typing import Any

from ..util.formatting import counted
from ..util.progress import CancelToken, ProgressCallback, Reporter
from ..util.urls import redact_url
from .base import ItemReader
from .items import ItemKind, classify_item, one_line, parse_item
from .registry import open_store

SUMMARY_CHARS = 120
REPORT_EVERY = 5000  # items read between progress reports (and cancel checks)
DETAIL_PAGE = 100  # rows read per page for the summaries of a run of differing items
_KINDS = tuple(ItemKind)
_KIND_NUMBERS = {kind: number for number, kind in enumerate(_KINDS)}
_NOT_JSON = 255  # a row that does not parse: its kind is unknown, so any kind pairs with it


class DiffOp(enum.StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclasses.dataclass(frozen=True, slots=True)
class DiffEntry:
    """One differing item (or a pair, when changed), or a run of `count` items the same.

    Positions are 1-based among all the session's items, as the app's # column shows.
    """

    op: DiffOp
    a_position: int | None
    b_position: int | None
    a_row_id: int | None = None
    b_row_id: int | None = None
    kind: ItemKind | None = None
    call_id: str | None = None
    summary: str = ""
    fields: tuple[str, ...] = ()  # changed: JSON paths of the top-level fields that differ
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.update(op=str(self.op), kind=self.kind and str(self.kind), fields=list(self.fields))
        return data


@dataclasses.dataclass(frozen=True)
class DiffSide:
    location: str
    session_id: str
    items: int


@dataclasses.dataclass(frozen=True)
class SessionDiff:
    a: DiffSide
    b: DiffSide
    common_prefix: int  # items the same at the start of both
    entries: list[DiffEntry]  # in order; runs of items the same are one entry each

    @property
    def identical(self) -> bool:
        return all(entry.op is DiffOp.SAME for entry in self.entries)

    @property
    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys((str(op) for op in DiffOp), 0)
        for entry in self.entries:
            totals[str(entry.op)] += entry.count
        return totals

    @property
    def first_difference(self) -> int | None:
        """Where the sessions part: the position after the common prefix (None if never)."""
        return None if self.identical else self.common_prefix + 1

    def summary_line(self) -> str:
        """The difference in one sentence, as the CLI and the dialog say it."""
        if self.identical:
            return f"The sessions are the same: {counted(self.a.items, 'item')} each."
        counts = self.counts
        parts = ", ".join(counted(counts[op], op, op) for op in ("added", "removed", "changed"))
        return (
            f"{parts}, {counted(counts['same'], 'item')} the same;"
            f" the first difference is at item {self.first_difference:,}."
        )

    def differences(self) -> list[DiffEntry]:
        return [entry for entry in self.entries if entry.op is not DiffOp.SAME]

    def as_dict(self, *, include_same: bool = False) -> dict[str, Any]:
        """What `agency-sessions diff --json` prints (and the dialog exports)."""
        shown = self.entries if include_same else self.differences()
        where = {"common_prefix": self.common_prefix, "first_difference": self.first_difference}
        return {
            "a": dataclasses.asdict(self.a),
            "b": dataclasses.asdict(self.b),
            "identical": self.identical,
            "summary": {**self.counts, **where},
            "entries": [entry.as_dict() for entry in shown],
        }


@dataclasses.dataclass
class _Side:
    """What is kept of one session's items past the common prefix: never their text."""

    row_ids: array[int] = dataclasses.field(default_factory=lambda: array("q"))
    digests: array[int] = dataclasses.field(default_factory=lambda: array("Q"))
    kinds: bytearray = dataclasses.field(default_factory=bytearray)
    call_ids: list[str | None] = dataclasses.field(default_factory=list)

    def add(self, row_id: int, facts: tuple[int, ItemKind | None, str | None]) -> None:
        self.row_ids.append(row_id)
        self.digests.append(facts[0])
        self.kinds.append(_NOT_JSON if facts[1] is None else _KIND_NUMBERS[facts[1]])
        self.call_ids.append(facts[2])

    def kind(self, index: int) -> ItemKind:
        number = self.kinds[index]
        return ItemKind.OTHER if number == _NOT_JSON else _KINDS[number]

    def pairs_with(self, index: int, other: _Side, other_index: int) -> bool:
        mine, theirs = self.kinds[index], other.kinds[other_index]
        return mine == theirs or _NOT_JSON in (mine, theirs)


def diff_sessions(
    a_location: str | os.PathLike[str],
    a_session_id: str,
    b_location: str | os.PathLike[str],
    b_session_id: str,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SessionDiff:
    """Compare session A with session B (read-only: neither store changes).

    Raises StoreError or SessionNotFoundError, naming the file, when either cannot be read.
    """
    report = Reporter(progress, cancel)
    with (
        open_store(a_location).reader(a_session_id) as a,
        open_store(b_location).reader(b_session_id) as b,
    ):
        total = a.count() + b.count()
        prefix, side_a, side_b = _read_both(a, b, report, total)
        report(total, total, "Comparing")
        entries = [_same(1, 1, prefix)] if prefix else []
        entries += _aligned(side_a, side_b, prefix)
        entries = _described(entries, a, b, report)
    return SessionDiff(
        DiffSide(redact_url(os.fspath(a_location)), a_session_id, prefix + len(side_a.row_ids)),
        DiffSide(redact_url(os.fspath(b_location)), b_session_id, prefix + len(side_b.row_ids)),
        prefix,
        entries,
    )


def _read_both(
    a: ItemReader, b: ItemReader, report: Reporter, total: int
) -> tuple[int, _Side, _Side]:
    """Stream both sessions side by side: while they agree only a count is kept."""
    side_a, side_b = _Side(), _Side()
    prefix = done = 0
    next_report = REPORT_EVERY
    for row_a, row_b in itertools.zip_longest(a.iter_items(), b.iter_items()):
        if side_a.row_ids or side_b.row_ids or not _agree(row_a, row_b):
            if row_a is not None:
                side_a.add(row_a[0], _facts(row_a[2]))
            if row_b is not None:
                side_b.add(row_b[0], _facts(row_b[2]))
        else:
            prefix += 1
        done += (row_a is not None) + (row_b is not None)
        if done >= next_report:
            report(done, total, "Reading")
            next_report += REPORT_EVERY
    return prefix, side_a, side_b


def _agree(row_a: tuple[int, Any, str] | None, row_b: tuple[int, Any, str] | None) -> bool:
    """Whether two items are the same (the same text is, without parsing it)."""
    if row_a is None or row_b is None:
        return False
    return row_a[2] == row_b[2] or _facts(row_a[2])[0] == _facts(row_b[2])[0]


def _facts(raw: str) -> tuple[int, ItemKind | None, str | None]:
    """An item's digest (of its canonical JSON, or of its text when it is not JSON),
    kind (None when it is not JSON) and call id."""
    item, ok = parse_item(raw)
    canonical = _canonical(item) if ok else None
    if canonical is None:
        return _digest("\0" + raw), None, None  # "\0": never canonical JSON
    kind, _tool = classify_item(item)
    call_id = item.get("call_id") if isinstance(item, dict) else None
    return _digest(canonical), kind, call_id if isinstance(call_id, str) else None


def _canonical(value: Any) -> str | None:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (ValueError, RecursionError):
        return None


def _digest(text: str) -> int:
    # surrogatepass: JSON may hold a lone surrogate ("\ud800"), which UTF-8 cannot.
    data = text.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def _same(a_position: int, b_position: int, count: int) -> DiffEntry:
    summary = f"{counted(count, 'item')} the same"
    return DiffEntry(DiffOp.SAME, a_position, b_position, summary=summary, count=count)


def _aligned(a: _Side, b: _Side, prefix: int) -> Iterator[DiffEntry]:
    """The entries past the common prefix: SequenceMatcher over the digests, then the
    pairs inside each replaced block. The common suffix is cut off first: the matcher
    is quadratic on repetitive items, and one change amid a million would cost minutes."""
    suffix = 0
    while suffix < min(len(a.digests), len(b.digests)):
        if a.digests[-1 - suffix] != b.digests[-1 - suffix]:
            break
        suffix += 1
    end_a, end_b = len(a.digests) - suffix, len(b.digests) - suffix
    matcher = difflib.SequenceMatcher(None, a.digests[:end_a], b.digests[:end_b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            yield _same(prefix + i1 + 1, prefix + j1 + 1, i2 - i1)
            continue
        for i, j in _pairs(a, b, range(i1, i2), range(j1, j2)):
            yield _entry(a, b, i, j, prefix)
    if suffix:
        yield _same(prefix + end_a + 1, prefix + end_b + 1, suffix)


def _pairs(a: _Side, b: _Side, in_a: range, in_b: range) -> Iterator[tuple[int | None, int | None]]:
    """A replaced block in order: items that share a call id pair first (in order, so
    no pair crosses another); between them, items of the same kind at the same offset."""
    start_a, start_b = in_a.start, in_b.start
    for i, j in _call_id_anchors(a, b, in_a, in_b):
        yield from _by_offset(a, b, range(start_a, i), range(start_b, j))
        yield i, j
        start_a, start_b = i + 1, j + 1
    yield from _by_offset(a, b, range(start_a, in_a.stop), range(start_b, in_b.stop))


def _call_id_anchors(a: _Side, b: _Side, in_a: range, in_b: range) -> list[tuple[int, int]]:
    first_in_b: dict[tuple[str, int], int] = {}
    for j in reversed(in_b):
        call_id = b.call_ids[j]
        if call_id is not None:
            first_in_b[call_id, b.kinds[j]] = j
    anchors, last_b = [], in_b.start - 1
    for i in in_a:
        call_id = a.call_ids[i]
        match = first_in_b.get((call_id, a.kinds[i])) if call_id is not None else None
        if match is not None and match > last_b:
            anchors.append((i, match))
            last_b = match
    return anchors


def _by_offset(
    a: _Side, b: _Side, in_a: range, in_b: range
) -> Iterator[tuple[int | None, int | None]]:
    for offset in range(max(len(in_a), len(in_b))):
        i = in_a[offset] if offset < len(in_a) else None
        j = in_b[offset] if offset < len(in_b) else None
        if i is not None and j is not None and not a.pairs_with(i, b, j):
            yield i, None
            yield None, j
        else:
            yield i, j  # a pair, or an item only one side has


def _entry(a: _Side, b: _Side, i: int | None, j: int | None, prefix: int) -> DiffEntry:
    if i is not None and j is not None:
        op = DiffOp.SAME if a.digests[i] == b.digests[j] else DiffOp.CHANGED
    else:
        op = DiffOp.REMOVED if j is None else DiffOp.ADDED
    side, index = (b, j) if j is not None else (a, i)
    assert index is not None
    return DiffEntry(
        op,
        prefix + i + 1 if i is not None else None,
        prefix + j + 1 if j is not None else None,
        a.row_ids[i] if i is not None else None,
        b.row_ids[j] if j is not None else None,
        side.kind(index),
        side.call_ids[index] or (a.call_ids[i] if i is not None else None),
    )


def _described(
    entries: list[DiffEntry], a: ItemReader, b: ItemReader, report: Reporter
) -> list[DiffEntry]:
    """The differing entries with their summaries (B's, for a changed pair), and for a
    changed pair the fields that differ: only these items are read again, by row id."""
    removed = _previews(a, [e.a_row_id for e in entries if e.op is DiffOp.REMOVED], report)
    others = _previews(b, [e.b_row_id for e in entries if e.op is not DiffOp.SAME], report)
    described = []
    for entry in entries:
        report.check()
        if entry.op is DiffOp.SAME:
            described.append(entry)
        elif entry.op is DiffOp.REMOVED:
            described.append(dataclasses.replace(entry, summary=removed[entry.a_row_id]))
        else:
            summary, fields = others[entry.b_row_id], _changed(entry, a, b)
            described.append(dataclasses.replace(entry, summary=summary, fields=fields))
    return described


def _previews(
    reader: ItemReader, row_ids: list[int | None], report: Reporter
) -> dict[int | None, str]:
    """The app's one-line previews of these rows, a page at a time from each row not yet
    read: a run of added items costs one query per page, a scattered row one query."""
    wanted = sorted({row_id for row_id in row_ids if row_id is not None})
    found: dict[int | None, str] = dict.fromkeys(row_ids, "")  # a row gone since reads as ""
    for number, row_id in enumerate(wanted):
        if found[row_id]:
            continue
        report.check()
        # No longer a page than the rows still wanted: rows between scattered ones are waste.
        for row in reader.page_after(row_id - 1, min(DETAIL_PAGE, len(wanted) - number)):
            found[row.row_id] = one_line(row.preview, SUMMARY_CHARS)
    return found


def _changed(entry: DiffEntry, a: ItemReader, b: ItemReader) -> tuple[str, ...]:
    """The JSON paths of the top-level fields that differ ("$" for the whole item, when
    either is not a JSON object)."""
    if entry.op is not DiffOp.CHANGED or entry.a_row_id is None or entry.b_row_id is None:
        return ()  # (an item only B has)
    item_a, ok_a = parse_item(a.read_item(entry.a_row_id))
    item_b, ok_b = parse_item(b.read_item(entry.b_row_id))
    if not (ok_a and ok_b and isinstance(item_a, dict) and isinstance(item_b, dict)):
        return ("$",)
    keys = sorted(item_a.keys() | item_b.keys())
    return tuple(
        _path(key)
        for key in keys
        if key not in item_a
        or key not in item_b
        or _canonical(item_a[key]) != _canonical(item_b[key])
    )


def _path(key: str) -> str:
    return f"$.{key}" if key.isidentifier() else f"$[{json.dumps(key, ensure_ascii=False)}]"
