"""Export sessions as JSON, JSONL, Markdown or HTML (importing.py reads JSON/JSONL back).

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
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO

from ..stores.base import ItemReader, Store
from ..stores.errors import SessionNotFoundError, StoreError
from ..stores.listing import list_sessions
from ..stores.registry import open_store
from ..stores.transcript import transcript_head
from ..util.errors import InputError
from ..util.progress import CancelToken, ProgressCallback, Reporter
from .atomic import EarlyWriteback, naming_target, publish, staged
from .export_parts import INVALID_KEY as INVALID_KEY  # noqa: PLC0414 (importers unwrap it)
from .export_parts import (
    Render,
    Session,
    html_run,
    json_run,
    jsonl_run,
    markdown_run,
    rendered_runs,
)
from .html_runs import RunPage, render_run, render_runs
from .html_transcript import CallAnchors
from .notes_export import (
    Notes,
    after_heading,
    json_brackets,
    jsonl_head,
    notes_html,
    notes_markdown,
)
from .spool import Spooled, remove_parts, write_chunk


class ExportFormat(enum.StrEnum):
    JSON = "json"
    JSONL = "jsonl"
    MARKDOWN = "markdown"
    HTML = "html"

    @property
    def extension(self) -> str:
        """The file name extension an export in this format gets, without the dot."""
        return "md" if self is ExportFormat.MARKDOWN else self.value


def described_source(reader: ItemReader) -> str:
    """Where a transcript comes from, as its heading says: the store, and the branch."""
    return reader.source + (f" · branch {reader.branch}" if reader.branch else "")


def export_chunks(
    reader: ItemReader,
    fmt: ExportFormat,
    report: Reporter,
    notes: Notes = None,
    *,
    location: str | None = None,
    spool: str | None = None,
    count: int | None = None,
) -> Iterator[str | Spooled]:
    """The export in chunks; `notes`, the user's notes on the session, when asked for;
    `location`, the store's, for worker processes to read parts of a long session;
    `spool`, the file the export is being written to, beside which they may hand over
    long parts (`write_chunk` writes either kind of chunk); `count`, the session's
    items where the caller counted them."""
    session = None
    if location is not None:
        session = Session(location, reader.session_id, reader.branch, spool)

    def runs[R](render: Render[R]) -> Iterator[R]:
        return rendered_runs(render, reader, session, report, count)

    if fmt is ExportFormat.JSONL:
        yield jsonl_head(notes)
        for run in runs(jsonl_run):
            if isinstance(run, Spooled):  # a long run, handed over in a part file
                yield from (run, "\n")
            elif run:
                yield f"{run}\n"
    elif fmt is ExportFormat.JSON:
        opening, closing = json_brackets(notes)
        yield opening
        before = "\n"  # the first item's line, then each next one's
        for run in runs(json_run):
            if run:
                yield from (before, run)
                before = ",\n"
        yield closing
    elif fmt is ExportFormat.MARKDOWN:
        chunks = chain(
            [transcript_head(reader.session_id, described_source(reader))], runs(markdown_run)
        )
        yield from after_heading(chunks, notes_markdown(notes))
    elif fmt is ExportFormat.HTML:

        def rerender(
            after: int, upto: int | None, taken: frozenset[int], anchors: CallAnchors
        ) -> RunPage:
            return render_run(reader, after, upto, taken=taken, anchors=anchors)

        source = described_source(reader)
        page = render_runs(reader.session_id, source, runs(html_run), rerender)
        yield from after_heading(page, notes_html(notes))


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
            chunks = export_chunks(reader, fmt, report, notes, location=store.location, count=count)
            for chunk in chunks:
                assert isinstance(chunk, str)  # nothing is spooled without a file to spool by
                destination.write(chunk)
            return count
        target = Path(destination)
        if target.exists() and _is_the_store(target, store):
            raise InputError(f"{target}: refusing to export a store onto itself")
        if target.exists() and not overwrite:
            raise FileExistsError(f"{target}: already exists (pass overwrite to replace it)")
        target.parent.mkdir(parents=True, exist_ok=True)
        with staged(target) as temporary, naming_target(target):
            try:
                with temporary.open("w", encoding="utf-8", newline="\n") as handle:
                    chunks = export_chunks(
                        reader,
                        fmt,
                        report,
                        notes,
                        location=store.location,
                        spool=str(temporary),
                        count=count,
                    )
                    writeback = EarlyWriteback(handle.fileno())
                    for chunk in chunks:
                        write_chunk(handle, chunk)
                        writeback.wrote()
            finally:
                remove_parts(temporary)
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
