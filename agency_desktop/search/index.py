"""The app's own search index: SQLite FTS5 in its cache folder, updated file by file.

Each indexed file is remembered with its signature (size and mtime of the store and
of its WAL) and, per messages table, the last row id read and how many rows that
was. A file whose signature is unchanged is searched here; a changed one is brought
up to date by reading only rows after the last id, unless rows up to it were
removed (the count differs: `pop_item`, `clear_session`), when that table is read
again from the start. Work is done in steps of bounded size, so a million-item
store can be indexed by several processes at once and stopped between steps.

The index holds a copy of the conversations' text (FTS5 needs it to delete and
to quote snippets), so it is created readable by its owner only, and deleting it
(`SearchIndex.clear`) is always safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..stores.base import ItemTable
from ..stores.errors import ProblemKind, StoreError
from ..stores.registry import open_store
from ..stores.signatures import file_signature
from ..util.paths import cache_dir
from .records import SearchFilter, SearchHit, UnsearchableFile
from .text import Query, as_text, item_facts, words

OPEN_ATTEMPTS, CREATING_WAIT_S = 5, 0.02
INDEX_NAME = "search-index.sqlite3"
STEP_ROWS = 20_000  # rows read per step at most
STEP_BYTES = 32 * 1024 * 1024  # and stored bytes (one step's rows are held in memory)
READ_BATCH = 500
WRITE_TIMEOUT_S = 120.0
SNIPPET_TOKENS = 16
PAGE_HITS = 200
MAX_EXPANSION = 32  # words a prefix may stand for before FTS5 is left to expand it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    signature TEXT,            -- set once the file is fully indexed; NULL while under way
    problem TEXT               -- why the file could not be indexed, if it could not
);
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL,
    messages_table TEXT NOT NULL,
    last_id INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    UNIQUE (file_id, messages_table)
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,    -- the rowid of its text in item_text
    source_id INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    created_at TEXT,
    kind TEXT NOT NULL,
    tool TEXT
);
CREATE INDEX IF NOT EXISTS items_by_source ON items (source_id, row_id);
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY) WITHOUT ROWID;  -- words ever indexed
CREATE VIRTUAL TABLE IF NOT EXISTS item_text USING fts5(
    text, tokenize = 'unicode61 remove_diacritics 0', detail = column
);
"""


@dataclass(frozen=True)
class Source:
    id: int
    last_id: int
    row_count: int


@dataclass(frozen=True)
class Freshness:
    """Which of some files the index can answer for now, and which it knows are unreadable."""

    fresh: dict[Path, int]  # path -> file id
    problems: list[UnsearchableFile]

    def stale(self, paths: Iterable[Path]) -> list[Path]:
        known = set(self.fresh) | {problem.path for problem in self.problems}
        return [path for path in paths if path not in known]


def _signature_text(path: Path) -> str | None:
    signature = file_signature(path)
    return None if signature is None else json.dumps(signature)


class SearchIndex:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_dir() / INDEX_NAME

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection to the index, created (owner-only) on first use."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        with self._opened(sqlite3.connect(self.path, timeout=WRITE_TIMEOUT_S)) as conn:
            yield conn

    def create(self) -> None:
        """Made once before worker processes write to it: two of them switching a new file
        to WAL at once would make one fail with "database is locked" (no busy wait there)."""
        with self.connect():
            pass

    @contextlib.contextmanager
    def _existing(self) -> Iterator[sqlite3.Connection | None]:
        """The index if it is there, else None: a read never creates it, so an index the
        user turned off (and so deleted) stays deleted whatever was still reading it."""
        uri = self.path.absolute().as_uri() + "?mode=rw"
        for attempt in range(OPEN_ATTEMPTS):
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=WRITE_TIMEOUT_S)
                break
            except sqlite3.OperationalError:
                if not self.path.exists():
                    yield None
                    return
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                # The indexer is creating the file this very moment (a first start).
                time.sleep(CREATING_WAIT_S)
        with self._opened(conn) as opened:
            yield opened

    @staticmethod
    @contextlib.contextmanager
    def _opened(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        conn.isolation_level = None
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # a cache: losing the last step is fine
            conn.executescript(_SCHEMA)
            yield conn
        finally:
            conn.close()

    def clear(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{self.path}{suffix}")

    # --- what it holds

    def freshness(self, paths: Iterable[Path]) -> Freshness:
        with self._existing() as conn:
            rows = (
                []
                if conn is None
                else conn.execute("SELECT path, id, signature, problem FROM files")
            )
            known = {Path(row[0]): (row[1], row[2], row[3]) for row in rows}
        fresh: dict[Path, int] = {}
        problems: list[UnsearchableFile] = []
        for path in paths:
            entry = known.get(path)
            if entry is None or entry[1] is None or entry[1] != _signature_text(path):
                continue
            if entry[2] is not None:
                problems.append(UnsearchableFile(path, entry[2]))
            else:
                fresh[path] = entry[0]
        return Freshness(fresh, problems)

    def indexed_files(self) -> int:
        with self._existing() as conn:
            if conn is None:
                return 0
            return int(
                conn.execute("SELECT count(*) FROM files WHERE signature IS NOT NULL").fetchone()[0]
            )

    def tools(self) -> list[str]:
        """Tool names seen in indexed items, for a filter's choices."""
        with self._existing() as conn:
            if conn is None:
                return []
            rows = conn.execute(
                "SELECT DISTINCT tool FROM items WHERE tool IS NOT NULL ORDER BY tool"
            )
            return [row[0] for row in rows]

    # --- searching

    def search(
        self,
        query: Query,
        search_filter: SearchFilter,
        file_ids: Iterable[int],
        limit: int,
        page: int = PAGE_HITS,
    ) -> Iterator[list[SearchHit]]:
        """Pages of matches among the given (fresh) files, the most recently indexed first.

        One statement read a page at a time: the first page is out before the rest are
        found (expanding a common prefix is the costly part, so it is done once).
        """
        ids = list(file_ids)
        if query.empty or not ids or limit <= 0:
            return
        with self._existing() as conn:
            if conn is None:
                return
            sql, params = _search_sql(_match_expression(conn, query), search_filter, ids)
            cursor = conn.execute(sql, [*params, limit])
            while rows := cursor.fetchmany(page):
                yield [SearchHit.from_row(Path(row[0]), row[1], row[2:]) for row in rows]

    # --- updating

    def update_step(self, path: Path, budget_rows: int = STEP_ROWS) -> bool:
        """Index up to `budget_rows` more rows of one file; True once it is fully indexed."""
        signature = _signature_text(path)
        with self.connect() as conn:
            if signature is None:
                _forget_file(conn, str(path))
                return True
            row = conn.execute(
                "SELECT id, signature FROM files WHERE path = ?", (str(path),)
            ).fetchone()
            if row is not None and row[1] == signature:
                return True
            file_id = row[0] if row is not None else _add_file(conn, str(path))
            try:
                done = _index_rows(conn, path, file_id, budget_rows)
            except StoreError as exc:
                if exc.kind is ProblemKind.LOCKED:
                    return True  # busy with a writer: not remembered, so tried next time
                _write(conn, _drop_sources, file_id, None)
                _write(conn, _mark_file, file_id, signature, str(exc))
                return True
            if done:
                _write(conn, _mark_file, file_id, signature, None)
                _accept_own_checkpoint(conn, path, file_id, signature)
            return done

    def forget_missing(self) -> int:
        """Drop files that no longer exist; how many went."""
        with self._existing() as conn:
            if conn is None:
                return 0
            gone = [
                path
                for (path,) in conn.execute("SELECT path FROM files")
                if not os.path.exists(path)
            ]
            for path in gone:
                _forget_file(conn, path)
        return len(gone)


def _match_expression(conn: sqlite3.Connection, query: Query) -> str:
    """The FTS5 query, with each prefix spelled out as the words it stands for.

    FTS5 answers a prefix query by merging the lists of every word with that prefix
    before it returns a first row (~100 ms for a word in a quarter of a million items);
    an OR of whole words streams, so the first page of a common word takes a few ms.
    The words come from our own list of indexed words; a prefix it does not know (or
    that stands for too many words) is left to FTS5.
    """
    parts = []
    for term in query.terms:
        rows = conn.execute(
            "SELECT term FROM terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?",
            (term, term + "\U0010ffff", MAX_EXPANSION + 1),
        ).fetchall()
        if 0 < len(rows) <= MAX_EXPANSION:
            parts.append("(" + " OR ".join(_quoted(row[0]) for row in rows) + ")")
        else:
            parts.append(_quoted(term) + "*")
    return " AND ".join(parts)


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _search_sql(
    match: str, search_filter: SearchFilter, file_ids: list[int]
) -> tuple[str, list[Any]]:
    """The query and its parameters, but for the last one: the most rows to return."""
    sql = (
        "SELECT f.path, s.messages_table, i.session_id, i.row_id, i.created_at, i.kind, i.tool,"
        f" snippet(item_text, 0, '', '', '…', {SNIPPET_TOKENS})"
        " FROM item_text JOIN items i ON i.id = item_text.rowid"
        " JOIN sources s ON s.id = i.source_id JOIN files f ON f.id = s.file_id"
        " WHERE item_text MATCH ? AND f.id IN (SELECT value FROM json_each(?))"
    )
    params: list[Any] = [match, json.dumps(file_ids)]
    if search_filter.kinds is not None:
        sql += f" AND i.kind IN ({', '.join('?' for _ in search_filter.kinds) or 'NULL'})"
        params += sorted(str(kind) for kind in search_filter.kinds)
    if search_filter.tool is not None:
        sql += " AND i.tool = ?"
        params.append(search_filter.tool)
    if search_filter.session_id is not None:
        sql += " AND i.session_id = ?"
        params.append(search_filter.session_id)
    time_where, time_params = search_filter.time_sql("i.created_at")
    sql += time_where + " ORDER BY item_text.rowid DESC LIMIT ?"
    return sql, [*params, *time_params]


def _write(conn: sqlite3.Connection, change: Any, *args: Any) -> None:
    """Run `change(conn, *args)` in one write transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        change(conn, *args)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _add_file(conn: sqlite3.Connection, path: str) -> int:
    conn.execute("INSERT OR IGNORE INTO files (path) VALUES (?)", (path,))
    return int(conn.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()[0])


def _mark_file(
    conn: sqlite3.Connection, file_id: int, signature: str | None, problem: str | None
) -> None:
    conn.execute(
        "UPDATE files SET signature = ?, problem = ? WHERE id = ?", (signature, problem, file_id)
    )


def _drop_source(conn: sqlite3.Connection, source_id: int) -> None:
    conn.execute(
        "DELETE FROM item_text WHERE rowid IN (SELECT id FROM items WHERE source_id = ?)",
        (source_id,),
    )
    conn.execute("DELETE FROM items WHERE source_id = ?", (source_id,))
    conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))


def _drop_sources(conn: sqlite3.Connection, file_id: int, keep: set[str] | None) -> None:
    """Drop the file's tables that are not in `keep` (all of them when it is None)."""
    for source_id, table in conn.execute(
        "SELECT id, messages_table FROM sources WHERE file_id = ?", (file_id,)
    ).fetchall():
        if keep is None or table not in keep:
            _drop_source(conn, source_id)


def _forget_file(conn: sqlite3.Connection, path: str) -> None:
    row = conn.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
    if row is not None:

        def forget(c: sqlite3.Connection) -> None:
            _drop_sources(c, row[0], None)
            c.execute("DELETE FROM files WHERE id = ?", (row[0],))

        _write(conn, forget)


def _source(conn: sqlite3.Connection, file_id: int, table: str) -> Source | None:
    row = conn.execute(
        "SELECT id, last_id, row_count FROM sources WHERE file_id = ? AND messages_table = ?",
        (file_id, table),
    ).fetchone()
    return None if row is None else Source(*row)


def _index_rows(conn: sqlite3.Connection, path: Path, file_id: int, budget_rows: int) -> bool:
    """Read and index up to `budget_rows` new rows of the file; True when none are left."""
    with open_store(path).item_tables() as tables:
        _write(conn, _drop_sources, file_id, {table.name for table in tables})
        budget = budget_rows
        for table in tables:
            source = _source(conn, file_id, table.name)
            if source is not None and table.count_upto(source.last_id) != source.row_count:
                _write(conn, _drop_source, source.id)  # rows were removed: read the table again
                source = None
            rows = _read_after(table, source.last_id if source else -1, budget)
            if rows:
                _write(conn, _store_rows, file_id, table.name, source, rows)
            budget -= len(rows)
            if budget <= 0:
                return False
    return True


def _accept_own_checkpoint(
    conn: sqlite3.Connection, path: Path, file_id: int, signature: str | None
) -> None:
    """Record the file's new signature if only our reading changed it.

    Closing the last connection to a store with WAL frames checkpoints them into the
    main file, which changes its size and mtime but not its rows. If every table still
    ends at the row indexed last and holds as many rows, the new signature is recorded
    (taken before this check, so a write after it still shows as a change).
    """
    after = _signature_text(path)
    if after is None or after == signature:
        return
    try:
        with open_store(path).item_tables() as tables:
            for table in tables:
                source = _source(conn, file_id, table.name)
                indexed = (source.last_id, source.row_count) if source else (None, 0)
                if table.tail() != indexed:
                    return
    except StoreError:
        return
    _write(conn, _mark_file, file_id, after, None)


def _read_after(table: ItemTable, after_id: int, budget: int) -> list[tuple[Any, ...]]:
    """Up to `budget` rows (and about STEP_BYTES) after `after_id`, made ready to store."""
    rows: list[tuple[Any, ...]] = []
    size = 0
    while len(rows) < budget and size < STEP_BYTES:
        batch = table.rows_after(after_id, min(READ_BATCH, budget - len(rows)))
        for row_id, session_id, created, raw in batch:
            text = as_text(raw)
            size += len(text)
            facts = item_facts(text)
            rows.append(
                (row_id, as_text(session_id), created, str(facts.kind), facts.tool, facts.text)
            )
        if len(batch) < READ_BATCH:
            break
        after_id = batch[-1][0]
    return rows


def _store_rows(
    conn: sqlite3.Connection,
    file_id: int,
    table: str,
    source: Source | None,
    rows: list[tuple[Any, ...]],
) -> None:
    if source is None:
        conn.execute(
            "INSERT INTO sources (file_id, messages_table, last_id, row_count) VALUES (?, ?, -1, 0)",
            (file_id, table),
        )
        source = _source(conn, file_id, table)
        assert source is not None
    first = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM items").fetchone()[0])
    conn.executemany(
        "INSERT INTO items (id, source_id, row_id, session_id, created_at, kind, tool)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(first + n, source.id, *row[:5]) for n, row in enumerate(rows)],
    )
    conn.executemany(
        "INSERT INTO item_text (rowid, text) VALUES (?, ?)",
        [(first + n, row[5]) for n, row in enumerate(rows)],
    )
    found: set[str] = set()
    for row in rows:
        found.update(words(row[5]))
    conn.executemany("INSERT OR IGNORE INTO terms VALUES (?)", [(word,) for word in found])
    conn.execute(
        "UPDATE sources SET last_id = ?, row_count = ? WHERE id = ?",
        (rows[-1][0], source.row_count + len(rows), source.id),
    )
