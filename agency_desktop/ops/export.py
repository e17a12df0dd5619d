"""Export sessions as JSON, JSONL, Markdown or HTML, and import JSON/JSONL into a store.

Items are written as the exact text the SDK stored, so an export imported
again gives the same items byte for byte. A row whose text is not JSON cannot
sit in a JSON file as is; it is wrapped as {INVALID_KEY: "<text>"} and
unwrapped on import.

`export_many` writes one file per session into a folder; one session that
cannot be exported is recorded and does not stop the others.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from ..stores.base import ItemReader, Store
from ..stores.errors import SessionNotFoundError, StoreError
from ..stores.items import parse_item
from ..stores.listing import list_sessions
from ..stores.registry import open_store
from ..stores.session_data import MessageRecord, SessionData
from ..stores.transcript import render_transcript
from ..util.errors import InputError
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .atomic import naming_target, publish, staged
from .html_transcript import render_html
from .notes_export import (
    Notes,
    after_heading,
    json_brackets,
    jsonl_head,
    notes_html,
    notes_markdown,
    without_notes,
)
from .store_writer import WriteResult, write_session

INVALID_KEY = "agency_desktop_invalid_json"


class ExportFormat(enum.StrEnum):
    JSON = "json"
    JSONL = "jsonl"
    MARKDOWN = "markdown"
    HTML = "html"

    @property
    def extension(self) -> str:
        """The file name extension an export in this format gets, without the dot."""
        return "md" if self is ExportFormat.MARKDOWN else self.value


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


def described_source(reader: ItemReader) -> str:
    """Where a transcript comes from, as its heading says: the store, and the branch."""
    return reader.source + (f" · branch {reader.branch}" if reader.branch else "")


def export_chunks(
    reader: ItemReader, fmt: ExportFormat, report: Reporter, notes: Notes = None
) -> Iterator[str]:
    """The export in chunks; `notes`, the user's notes on the session, when asked for."""
    total = reader.count()
    if fmt in (ExportFormat.JSONL, ExportFormat.JSON):
        yield from _json_chunks(reader, fmt, report, total, notes)
        return
    items = _counted(reader.iter_items(), total, report)
    if fmt is ExportFormat.MARKDOWN:
        chunks = render_transcript(reader.session_id, described_source(reader), items)
        yield from after_heading(chunks, notes_markdown(notes))
    elif fmt is ExportFormat.HTML:
        page = render_html(reader.session_id, described_source(reader), items)
        yield from after_heading(page, notes_html(notes))


def _json_chunks(
    reader: ItemReader, fmt: ExportFormat, report: Reporter, total: int, notes: Notes
) -> Iterator[str]:
    """JSONL or a JSON array, a batch of items per chunk: the stored text as it is where
    SQLite reads it as JSON on one line (most items), `_line` for the rest."""
    jsonl = fmt is ExportFormat.JSONL
    opening, closing = (jsonl_head(notes), "") if jsonl else json_brackets(notes)
    yield opening
    done = 0
    for batch in reader.iter_stored_json():
        if not batch:
            break
        lines = [
            raw if valid and "\n" not in raw and "\r" not in raw else _line(raw)
            for raw, valid in batch
        ]
        if jsonl:
            yield "\n".join(lines) + "\n"
        else:
            yield ("\n" if done == 0 else ",\n") + ",\n".join(lines)
        done += len(batch)
        report(done, total, "items")
    yield closing


def _counted(
    items: Iterator[tuple[int, datetime | None, str]], total: int, report: Reporter
) -> Iterator[tuple[int, datetime | None, str]]:
    for done, item in enumerate(items, 1):
        if done % 1000 == 0 or done == total:
            report(done, total, "items")
        yield item


def export_session(
    db_path: str | os.PathLike[str] | Store,
    session_id: str,
    fmt: ExportFormat | str,
    destination: str | os.PathLike[str] | IO[str],
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    branch: str | None = None,
    notes: Notes = None,
) -> int:
    """Write the export to a path (atomically) or an open text stream; returns the item count.

    `db_path` is a store's location (a path today) or an open `Store`; `branch`, one
    branch of an AdvancedSQLiteSession on its own (else every item of the session).
    """
    fmt = ExportFormat(fmt)
    report = Reporter(progress, cancel)
    store = open_store(db_path)
    with store.reader(session_id, branch=branch) as reader:
        count = reader.count()
        if not isinstance(destination, (str, os.PathLike)):
            for chunk in export_chunks(reader, fmt, report, notes):
                destination.write(chunk)
            return count
        target = Path(destination)
        if target.exists() and _is_the_store(target, store):
            raise InputError(f"{target}: refusing to export a store onto itself")
        if target.exists() and not overwrite:
            raise FileExistsError(f"{target}: already exists (pass overwrite to replace it)")
        target.parent.mkdir(parents=True, exist_ok=True)
        with staged(target) as temporary, naming_target(target):
            with temporary.open("w", encoding="utf-8", newline="\n") as handle:
                for chunk in export_chunks(reader, fmt, report, notes):
                    handle.write(chunk)
            report.check()  # a cancel that came with the last chunk still leaves nothing behind
            publish(temporary, target, overwrite=overwrite)
        return count


def _is_the_store(target: Path, store: Store) -> bool:
    source = getattr(store, "path", None)  # only a file store can be written over
    return isinstance(source, Path) and target.resolve() == source.resolve()


@dataclass(frozen=True)
class ExportedFile:
    db_path: Path
    session_id: str
    target: Path
    item_count: int


@dataclass(frozen=True)
class ExportFailure:
    db_path: Path
    session_id: str
    message: str


@dataclass
class ExportSummary:
    """Outcome of exporting many sessions: the files written, and what failed why."""

    exported: list[ExportedFile] = field(default_factory=list)
    failures: list[ExportFailure] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(done.item_count for done in self.exported)


# Anything but letters, digits, "_", "." and "-" could be a separator or be
# refused on some filesystem (Windows forbids <>:"/\|?* and control characters).
_UNSAFE_NAME = re.compile(r"[^\w.-]+")
_MAX_ID_CHARS = 120


def export_file_name(db_path: Path, session_id: str, fmt: ExportFormat | str) -> str:
    """`<store stem>--<session id>.<ext>`, the id made safe as a file name on any system.

    An id that had to be shortened gets a hash of itself, so long ids that share
    a beginning still give different names.
    """
    stem = db_path.stem.lstrip(".") or "store"
    safe = _UNSAFE_NAME.sub("_", session_id).strip("._") or "session"
    if len(safe) > _MAX_ID_CHARS:
        safe = f"{safe[:_MAX_ID_CHARS]}-{_short_hash(session_id)}"
    return f"{stem}--{safe}.{ExportFormat(fmt).extension}"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _unique_names(
    sessions: Iterable[tuple[Path, str]], fmt: ExportFormat
) -> list[tuple[Path, str, str]]:
    """A file name per session; a name already taken in this batch gets a hash of its source.

    Names are compared ignoring case, as Windows and macOS filesystems do.
    Sessions listed twice are exported once.
    """
    jobs, taken, seen = [], set(), set()
    for db_path, session_id in sessions:
        if (db_path, session_id) in seen:
            continue
        seen.add((db_path, session_id))
        name = export_file_name(db_path, session_id, fmt)
        if name.casefold() in taken:
            stem, _, ext = name.rpartition(".")
            name = f"{stem}-{_short_hash(str(db_path) + chr(0) + session_id)}.{ext}"
        taken.add(name.casefold())
        jobs.append((db_path, session_id, name))
    return jobs


def folder_sessions(
    directory: str | os.PathLike[str], recursive: bool = False
) -> list[tuple[Path, str]]:
    """Every session of a folder of stores, as `export_many` takes them."""
    return [(info.db_path, info.session_id) for info in list_sessions(directory, recursive)]


def export_many(
    sessions: list[tuple[Path, str]],
    folder: Path,
    fmt: ExportFormat | str,
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ExportSummary:
    """Export each (store, session id) into `folder`, one file per session.

    Each file is written atomically by `export_session`. A session that cannot be
    exported (missing, unreadable, its file already there) is recorded and the
    others still go ahead. A cancel stops before the next session, or inside the
    current one leaving no file of it behind, and raises OperationCancelled; the
    files already written stay, each complete.
    """
    fmt = ExportFormat(fmt)
    reporter = Reporter(progress, cancel)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary()
    jobs = _unique_names(((Path(p), s) for p, s in sessions), fmt)
    for done, (db_path, session_id, name) in enumerate(jobs):
        reporter(done, len(jobs), f"{db_path.name}: {session_id}")
        outcome = _export_one(
            db_path, session_id, fmt, folder / name, overwrite=overwrite, cancel=cancel
        )
        if isinstance(outcome, ExportFailure):
            summary.failures.append(outcome)
        else:
            summary.exported.append(outcome)
    reporter(len(jobs), len(jobs), "done")
    return summary


def _export_one(
    db_path: Path,
    session_id: str,
    fmt: ExportFormat,
    target: Path,
    *,
    overwrite: bool,
    cancel: CancelToken | None,
) -> ExportedFile | ExportFailure:
    """Export one session; a failure is returned to be recorded, not raised."""
    try:
        count = export_session(db_path, session_id, fmt, target, overwrite=overwrite, cancel=cancel)
    except (StoreError, SessionNotFoundError, ValueError, OSError) as exc:
        return ExportFailure(db_path, session_id, str(exc))
    return ExportedFile(db_path, session_id, target, count)


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


def read_items_file(path: str | os.PathLike[str]) -> list[str]:
    """Item texts from a JSON array or JSONL export, exactly as written."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
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
            if not parse_item(line)[1]:
                raise InputError(f"{source}: line {number} is not valid JSON")
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
