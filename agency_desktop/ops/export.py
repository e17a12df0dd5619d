"""Export a session as JSON, JSONL or Markdown, and import JSON/JSONL into a store.

Items are written as the exact text the SDK stored, so an export imported
again gives the same items byte for byte. A row whose text is not JSON cannot
sit in a JSON file as is; it is wrapped as {INVALID_KEY: "<text>"} and
unwrapped on import.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from ..sessions.items import parse_item
from ..sessions.paging import SessionReader
from ..sessions.transcript import render_transcript
from .atomic import publish, staged
from .progress import CancelToken, ProgressCallback, Reporter
from .session_data import MessageRecord, SessionData
from .store_writer import WriteResult, write_session

INVALID_KEY = "agency_desktop_invalid_json"


class ExportFormat(enum.StrEnum):
    JSON = "json"
    JSONL = "jsonl"
    MARKDOWN = "markdown"


def _line(raw: str) -> str:
    """One item as a single line of JSON, its stored text kept whenever possible."""
    _, ok = parse_item(raw)
    if not ok:
        return json.dumps({INVALID_KEY: raw}, ensure_ascii=False)
    return (
        raw
        if "\n" not in raw and "\r" not in raw
        else json.dumps(json.loads(raw), ensure_ascii=False)
    )


def export_chunks(reader: SessionReader, fmt: ExportFormat, report: Reporter) -> Iterator[str]:
    total = reader.count()
    items = _counted(reader.iter_items(), total, report)
    if fmt is ExportFormat.MARKDOWN:
        yield from render_transcript(reader.session_id, str(reader.db_path), items)
    elif fmt is ExportFormat.JSONL:
        for _, _, raw in items:
            yield _line(raw) + "\n"
    else:
        yield "["
        for index, (_, _, raw) in enumerate(items):
            yield ("\n" if index == 0 else ",\n") + _line(raw)
        yield "\n]\n"


def _counted(
    items: Iterator[tuple[int, datetime | None, str]], total: int, report: Reporter
) -> Iterator[tuple[int, datetime | None, str]]:
    for done, item in enumerate(items, 1):
        if done % 1000 == 0 or done == total:
            report(done, total, "items")
        yield item


def export_session(
    db_path: str | os.PathLike[str],
    session_id: str,
    fmt: ExportFormat | str,
    destination: str | os.PathLike[str] | IO[str],
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> int:
    """Write the export to a path (atomically) or an open text stream; returns the item count."""
    fmt = ExportFormat(fmt)
    report = Reporter(progress, cancel)
    with SessionReader(db_path, session_id) as reader:
        count = reader.count()
        if not isinstance(destination, (str, os.PathLike)):
            for chunk in export_chunks(reader, fmt, report):
                destination.write(chunk)
            return count
        target = Path(destination)
        if target.exists() and target.resolve() == Path(db_path).resolve():
            raise ValueError(f"{target}: refusing to export a store onto itself")
        if target.exists() and not overwrite:
            raise FileExistsError(f"{target}: already exists (pass overwrite to replace it)")
        target.parent.mkdir(parents=True, exist_ok=True)
        with staged(target) as temporary:
            with temporary.open("w", encoding="utf-8", newline="\n") as handle:
                for chunk in export_chunks(reader, fmt, report):
                    handle.write(chunk)
            report.check()  # a cancel that came with the last chunk still leaves nothing behind
            publish(temporary, target, overwrite=overwrite)
        return count


def _unwrap(raw: str) -> str:
    item, _ = parse_item(raw)
    if isinstance(item, dict) and set(item) == {INVALID_KEY}:
        value = item[INVALID_KEY]
        if isinstance(value, str):
            return value
    return raw


def _json_array_elements(text: str, source: Path) -> Iterator[str]:
    """The exact text of each element of a top-level JSON array."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        raise ValueError(f"{source}: a JSON export must be an array of items")
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        return
    while True:
        try:
            _, end = decoder.raw_decode(text, position)
        except ValueError as exc:
            raise ValueError(f"{source}: not valid JSON ({exc})") from None
        yield text[position:end]
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
            continue
        if position < len(text) and text[position] == "]":
            return
        raise ValueError(f"{source}: not valid JSON (expected ',' or ']' at offset {position})")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def read_items_file(path: str | os.PathLike[str]) -> list[str]:
    """Item texts from a JSON array or JSONL export, exactly as written."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if text.lstrip().startswith("["):
        raws = list(_json_array_elements(text, source))
    else:
        raws = []
        # split on "\n" only: splitlines() would also cut at U+2028 inside JSON strings
        for number, raw_line in enumerate(text.split("\n"), 1):
            line = raw_line.removesuffix("\r")
            if not line.strip():
                continue
            if not parse_item(line)[1]:
                raise ValueError(f"{source}: line {number} is not valid JSON")
            raws.append(line)
    return [_unwrap(raw) for raw in raws]


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
    raws = read_items_file(items_path)
    data = SessionData(
        session_id=session_id,
        sessions_table="agent_sessions",
        messages_table="agent_messages",
        advanced=False,
        messages=[MessageRecord(i, raw, None) for i, raw in enumerate(raws, 1)],
    )
    return write_session(
        Path(target_db), data, overwrite=overwrite, report=Reporter(progress, cancel)
    )
