"""List the sessions in a folder of stores, and the files that could not be read."""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ProblemKind, StoreError
from .item_batches import fetch_all
from .readonly import has_sqlite_header, read_briefly
from .records import SessionInfo, StoreProblem, latest, parse_timestamp
from .schema import USAGE_TABLE, TablePair, discover_layout, quote_identifier

STORE_SUFFIXES = frozenset({".db", ".sqlite", ".sqlite3", ".db3"})
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class StoreScan:
    """The result of reading one file: its sessions, or why it could not be read."""

    path: Path
    sessions: tuple[SessionInfo, ...] = ()
    problem: StoreProblem | None = None


TITLE_CHARS = 100
TITLE_SOURCE_CHARS = 400  # read of the first user message: enough for its first line


def side_files(path: Path) -> list[Path]:
    """The SQLite files that belong to a store and must travel with it."""
    return [path.with_name(path.name + suffix) for suffix in SIDE_FILE_SUFFIXES]


def is_side_or_temp_file(name: str) -> bool:
    return name.endswith(SIDE_FILE_SUFFIXES) or (name.startswith(".") and name.endswith(".tmp"))


def require_directory(directory: str | os.PathLike[str]) -> Path:
    path = Path(directory)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such folder")
    if not path.is_dir():
        raise NotADirectoryError(f"{path}: not a folder")
    return path


def iter_candidate_files(
    directory: str | os.PathLike[str], recursive: bool = False, *, ordered: bool = True
) -> Iterator[Path]:
    """Files that are, or claim by their name to be, SQLite stores; no side files.

    Sorted by name unless `ordered` is False: then a folder's files come in the order
    the directory lists them, each as soon as it is listed, so reading can begin
    before a folder of ten thousand is listed to the end.
    """
    root = require_directory(directory)
    if not ordered and not recursive:
        yield from _listed_as_they_come(root)
        return
    walker = (
        os.walk(root, followlinks=False)
        if recursive
        else [next(os.walk(root), (str(root), [], []))]
    )
    for folder, subdirs, files in walker:
        subdirs.sort()
        for name in sorted(files):
            if is_side_or_temp_file(name):
                continue
            path = Path(folder, name)
            if path.suffix.lower() in STORE_SUFFIXES or has_sqlite_header(path):
                yield path


def _listed_as_they_come(root: Path) -> Iterator[Path]:
    with os.scandir(root) as entries:
        for entry in entries:
            name = entry.name
            if is_side_or_temp_file(name):
                continue
            try:
                if not entry.is_file():
                    continue
            except OSError:
                continue
            path = Path(entry.path)
            if os.path.splitext(name)[1].lower() in STORE_SUFFIXES or has_sqlite_header(path):
                yield path


def store_size(path: Path) -> int:
    """Size of the store including a WAL that has not been checkpointed yet (not its
    shared-memory index, which holds no data): the size every view and preview shows."""
    name = os.fspath(path)  # strings: pathlib's with_name cost more than the two stats
    total = 0
    for candidate in (name, name + "-wal"):
        with contextlib.suppress(OSError):
            total += os.stat(candidate).st_size
    return total


def _info_query(pair: TablePair, source: str) -> str:
    """Per session: its row's times, item count, first item time, last item id and time,
    and the start of its first user message's text (a string, or the first content part's),
    and the tokens its turns used where the store keeps usage (NULL where it does not)."""
    m = pair.q_messages
    tokens = (
        f"(SELECT sum(total_tokens) FROM {quote_identifier(USAGE_TABLE)}"
        " WHERE session_id = x.session_id)"
        if pair.has_usage
        else "NULL"
    )
    return (
        f"SELECT x.session_id, s.created_at, s.updated_at,"
        f" (SELECT count(*) FROM {m} WHERE session_id = x.session_id),"
        f" (SELECT created_at FROM {m} WHERE session_id = x.session_id ORDER BY id LIMIT 1),"
        f" (SELECT id FROM {m} WHERE session_id = x.session_id ORDER BY id DESC LIMIT 1),"
        f" (SELECT created_at FROM {m} WHERE session_id = x.session_id ORDER BY id DESC LIMIT 1),"
        f" (SELECT substr(coalesce(json_extract(message_data, '$.content[0].text'),"
        f" json_extract(message_data, '$.content')), 1, {TITLE_SOURCE_CHARS}) FROM {m}"
        f" WHERE session_id = x.session_id AND json_valid(message_data)"
        f" AND json_extract(message_data, '$.role') = 'user' ORDER BY id LIMIT 1), {tokens}"
        f" FROM ({source}) x LEFT JOIN {pair.q_sessions} s ON s.session_id = x.session_id"
    )


def session_title(text: Any) -> str:
    """The first line with words in it, cut to TITLE_CHARS."""
    if not isinstance(text, str):
        return ""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


def _to_info(path: Path, pair: TablePair, size: int, row: tuple[Any, ...]) -> SessionInfo:
    session_id, meta_created, meta_updated, count, first_at, last_id, last_at, title, tokens = row
    created = parse_timestamp(meta_created) or parse_timestamp(first_at)
    return SessionInfo(
        session_id=str(session_id),
        db_path=path,
        message_count=count,
        created_at=created,
        updated_at=latest(parse_timestamp(meta_updated), parse_timestamp(last_at), created),
        size_bytes=size,
        kind=pair.kind,
        sessions_table=pair.sessions_table,
        messages_table=pair.messages_table,
        last_message_id=last_id,
        title=session_title(title),
        tokens=None if tokens is None and not pair.has_usage else int(tokens or 0),
    )


# At most this many bytes (with its WAL), a store's index is read whole sooner than a
# skip scan's recursive query is prepared (~75 µs a store, a sixth of a folder's listing).
SMALL_STORE_BYTES = 256 * 1024


def _distinct_session_ids(pair: TablePair, small: bool) -> str:
    """The messages table's distinct session ids. With an index that starts with
    session_id, one seek per session (a skip scan): DISTINCT would read every row's index
    entry, 40 ms for a session of a million items, every time the store is listed. A
    small store's few entries cost less to read than the skip scan costs to prepare."""
    m = pair.q_messages
    if small or not pair.session_indexed:
        return f"SELECT DISTINCT session_id FROM {m}"
    return (
        f"SELECT s AS session_id FROM (WITH RECURSIVE ids(s) AS ("
        f" SELECT min(session_id) FROM {m}"
        f" UNION ALL SELECT (SELECT min(session_id) FROM {m} WHERE session_id > ids.s)"
        f" FROM ids WHERE ids.s IS NOT NULL) SELECT s FROM ids WHERE s IS NOT NULL)"
    )


def _session_ids_sql(pair: TablePair, pairs: tuple[TablePair, ...], small: bool) -> str:
    """Ids of a pair's sessions: those with items here, and those with only a sessions-table
    row. When pairs share a sessions table, such a row is listed once, under the first pair."""
    ids = _distinct_session_ids(pair, small)
    sharing = [p for p in pairs if p.sessions_table == pair.sessions_table]
    if sharing[0] is not pair:
        return ids
    elsewhere = "".join(
        f" AND session_id NOT IN (SELECT session_id FROM {p.q_messages})" for p in sharing[1:]
    )
    return f"{ids} UNION SELECT session_id FROM {pair.q_sessions} WHERE 1{elsewhere}"


def pair_sessions(
    conn: sqlite3.Connection,
    path: Path,
    pair: TablePair,
    size: int,
    pairs: tuple[TablePair, ...] | None = None,
) -> list[SessionInfo]:
    # Text decoded in C (fetch_all): a viewing connection's tolerant decoder is a Python
    # call per value, seven a session.
    query = _sessions_query(pair, pairs or (pair,), size <= SMALL_STORE_BYTES)
    rows = fetch_all(conn, query, ())
    return [_to_info(path, pair, size, row) for row in rows if row[0] is not None]


@functools.lru_cache(maxsize=64)
def _sessions_query(pair: TablePair, pairs: tuple[TablePair, ...], small: bool) -> str:
    """`_info_query` over all of a pair's sessions, made once per layout (a folder's
    thousands of stores mostly share one: building it cost 10 µs a store)."""
    return _info_query(pair, _session_ids_sql(pair, pairs, small))


def session_activity(
    conn: sqlite3.Connection, pair: TablePair, pairs: tuple[TablePair, ...], size: int
) -> list[tuple[str, datetime | None]]:
    """Each session's id and last activity, and nothing else: what an archive's manifest
    records, at a third of the cost of `pair_sessions`' titles and counts. `size`: the
    store's bytes."""
    m = pair.q_messages
    rows = conn.execute(
        f"SELECT x.session_id, s.created_at, s.updated_at,"
        f" (SELECT created_at FROM {m} WHERE session_id = x.session_id ORDER BY id DESC LIMIT 1)"
        f" FROM ({_session_ids_sql(pair, pairs, size <= SMALL_STORE_BYTES)}) x"
        f" LEFT JOIN {pair.q_sessions} s ON s.session_id = x.session_id"
    )
    return [
        (str(row[0]), latest(*(parse_timestamp(value) for value in row[1:])))
        for row in rows
        if row[0] is not None
    ]


def session_info(
    conn: sqlite3.Connection, path: Path, pair: TablePair, session_id: str, size: int
) -> SessionInfo:
    row = conn.execute(_info_query(pair, "SELECT ? AS session_id"), (session_id,)).fetchone()
    return _to_info(path, pair, size, row)


def read_store_sessions(
    path: str | os.PathLike[str], *, size: int | None = None
) -> list[SessionInfo]:
    """Every session in one store; raises StoreError when the file is not a readable store.

    `size`: the store's `store_size`, where the caller has just taken it."""
    path = path if isinstance(path, Path) else Path(path)  # a copy would parse it again

    def read(conn: sqlite3.Connection) -> list[SessionInfo]:
        layout = discover_layout(conn)
        if not layout.is_store:
            raise StoreError(path, ProblemKind.NOT_A_STORE)
        found_size = store_size(path) if size is None else size
        return [
            info
            for pair in layout.pairs
            for info in pair_sessions(conn, path, pair, found_size, layout.pairs)
        ]

    return read_briefly(path, read)


def scan_store(path: Path, size: int | None = None) -> StoreScan:
    try:
        return StoreScan(path, tuple(read_store_sessions(path, size=size)))
    except StoreError as exc:
        return StoreScan(path, problem=StoreProblem.from_error(exc))


def scan_directory(
    directory: str | os.PathLike[str], recursive: bool = False
) -> Iterator[StoreScan]:
    """Read each candidate file in turn; results stream out as they are found."""
    for path in iter_candidate_files(directory, recursive):
        yield scan_store(path)


def list_sessions(directory: str | os.PathLike[str], recursive: bool = False) -> list[SessionInfo]:
    return sessions_of(scan_directory(directory, recursive))


def sessions_of(scans: Iterable[StoreScan]) -> list[SessionInfo]:
    return [info for scan in scans for info in scan.sessions]


def find_problem_files(
    directory: str | os.PathLike[str], recursive: bool = False
) -> list[StoreProblem]:
    """Files that are SQLite, or named like a store, but cannot be read as a session store."""
    return [scan.problem for scan in scan_directory(directory, recursive) if scan.problem]
