"""Item texts from a JSON array or JSONL export, exactly as the export wrote them.

A JSONL export is streamed a line at a time and each line parsed once, to validate it
and to unwrap a row that was not JSON (stored as {INVALID_KEY: "<text>"}): a million
items never sit in memory. A JSON array, or a file that does not plainly start as JSONL,
is read whole.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from ..util.errors import InputError
from ..util.progress import Reporter
from .export import INVALID_KEY
from .notes_export import without_notes

REPORT_EVERY = 4096  # lines between progress reports (and cancel checks)
_DECODER = json.JSONDecoder()
LineKind = Literal["blank", "array", "notes", "item", "other"]


@dataclass
class Tally:
    """How many items a reader yielded and their characters, to check the written copy."""

    items: int = 0
    characters: int = 0


@contextlib.contextmanager
def open_items(
    path: str | os.PathLike[str], report: Reporter | None = None, tally: Tally | None = None
) -> Iterator[Iterator[str]]:
    """The item texts of the export at `path`, in order, to be read inside the block;
    `tally` is filled in once they all are. A file that cannot be opened, or is read
    whole and found wrong, fails here, before the caller has made anything."""
    source = Path(path)
    report = report or Reporter()
    tally = tally if tally is not None else Tally()
    with source.open("rb") as handle:
        start = _jsonl_start(handle)
        if start is not None:
            yield _jsonl_items(handle, source, start, report, tally)
            return
    texts = _whole_file_items(source)
    tally.items, tally.characters = len(texts), sum(map(len, texts))
    yield iter(texts)


def read_items_file(path: str | os.PathLike[str]) -> list[str]:
    """Item texts from a JSON array or JSONL export, exactly as written."""
    with open_items(path) as texts:
        return list(texts)


def _jsonl_start(handle: IO[bytes]) -> tuple[int, int] | None:
    """Where a JSONL export's items start (byte offset, line number), past the notes line
    of an export made with the user's notes. None for anything else: a JSON array, a JSON
    export with notes, a first line that is not JSON on its own (read whole, that gives
    the same answer or error as it always did)."""
    offset, after_notes = 0, False
    for number, raw in enumerate(handle, 1):
        line_start, offset = offset, offset + len(raw)
        kind = _line_kind(raw)
        if kind == "blank":
            continue
        if kind == "array" or (kind == "other" and not after_notes):
            return None
        if kind == "notes" and not after_notes:
            after_notes = True
            continue
        return line_start, number
    return None


def _line_kind(raw: bytes) -> LineKind:
    """What one of the first lines says about the file: as `without_notes` and
    `_whole_file_items` would take it."""
    try:
        line = raw.decode()
    except UnicodeDecodeError:
        return "other"
    if not line.strip():
        return "blank"
    if line.lstrip().startswith("["):
        return "array"
    try:
        first = json.loads(line)
    except (ValueError, RecursionError):
        return "other"
    if not isinstance(first, dict) or set(first) == {"notes", "items"}:
        return "other"
    return "notes" if set(first) == {"notes"} else "item"


def _jsonl_items(
    handle: IO[bytes], source: Path, start: tuple[int, int], report: Reporter, tally: Tally
) -> Iterator[str]:
    """The hot loop of an import: one decode, one parse and one yield per line."""
    offset, first_number = start
    handle.seek(offset)
    kib_total = os.fstat(handle.fileno()).st_size >> 10  # a Qt progress bar counts in int32
    raw_decode, loads = _DECODER.raw_decode, json.loads
    count = characters = 0
    # Binary lines split at b"\n" only, as the export wrote them: text mode would also
    # split at a lone "\r", and str.splitlines() at U+2028 inside JSON strings.
    for number, raw in enumerate(handle, first_number):
        offset += len(raw)
        try:
            line = raw.decode().removesuffix("\n").removesuffix("\r")
        except UnicodeDecodeError as exc:
            raise _not_utf8(source, number, offset - len(raw) + exc.start, exc) from None
        # json.loads is raw_decode behind two Python calls and two regex matches for
        # surrounding space; an export's line has none, and skipping them saves a third
        # of the parsing. Anything else gets json.loads's own verdict.
        try:
            item, end = raw_decode(line)
        except (ValueError, RecursionError):
            end = -1
        if end != len(line):
            try:
                item = loads(line)
            except (ValueError, RecursionError):
                if line.strip():
                    raise InputError(f"{source}: line {number} is not valid JSON") from None
                continue  # a blank line
        if type(item) is dict and INVALID_KEY in item:
            line = _unwrapped(item, line)
        count += 1
        characters += len(line)
        if not count % REPORT_EVERY:
            report(offset >> 10, kib_total, f"{count:,} items read")
        yield line
    report(kib_total, kib_total, f"{count:,} items read")
    tally.items, tally.characters = count, characters


def _not_utf8(source: Path, number: int, where: int, exc: UnicodeDecodeError) -> InputError:
    return InputError(f"{source}: line {number} is not UTF-8 text ({exc.reason} at byte {where})")


def _unwrapped(item: Any, raw: str) -> str:
    """The stored text of a row that was not JSON, from the wrapper the export put it in."""
    if isinstance(item, dict) and set(item) == {INVALID_KEY}:
        value = item[INVALID_KEY]
        if isinstance(value, str):
            return value
    return raw


def _unwrap(raw: str) -> str:
    try:
        item = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    return _unwrapped(item, raw)


def _whole_file_items(source: Path) -> list[str]:
    """Item texts of an export read whole: a JSON array, or JSONL the stream declined."""
    try:
        # Not read_text(): its universal newlines would turn a lone "\r" into a line end.
        text = source.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    text = without_notes(text, source)  # an export made with the user's notes
    if text.lstrip().startswith("["):
        raws = list(_json_array_elements(text, source))
    else:
        raws = []
        # split on "\n" only: splitlines() would also cut at U+2028 inside JSON strings
        for number, raw_line in enumerate(text.split("\n"), 1):
            line = raw_line.removesuffix("\r")
            if not line.strip():
                continue
            try:
                json.loads(line)
            except (ValueError, RecursionError):
                raise InputError(f"{source}: line {number} is not valid JSON") from None
            raws.append(line)
    return [_unwrap(raw) for raw in raws]


def _json_array_elements(text: str, source: Path) -> Iterator[str]:
    """The exact text of each element of a top-level JSON array."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        raise InputError(f"{source}: a JSON export must be an array of items")
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        return
    while True:
        try:
            _, end = decoder.raw_decode(text, position)
        except ValueError as exc:
            raise InputError(f"{source}: not valid JSON ({exc})") from None
        yield text[position:end]
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
            continue
        if position < len(text) and text[position] == "]":
            return
        raise InputError(f"{source}: not valid JSON (expected ',' or ']' at offset {position})")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position
