"""Session stores to benchmark against, built once and cached in bench/.fixtures/.

The schema comes from the real SDK (`SQLiteSession` creates the tables, the
(session_id, id) index and WAL mode), so the benchmarks read exactly what agents
write. The volume is then added with bulk `executemany` INSERTs: running 200,000
items through `Runner` would take minutes and change nothing about the file.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parent / ".fixtures"
STORE_NAME = "store.db"
STORES_SUBDIR = "stores"
DONE_MARKER = "complete"

_EPOCH = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
_VOCABULARY = (
    "the order shipped yesterday and should arrive by friday please check tracking "
    "weather forecast for paris oslo lima rome tomorrow looks sunny with light wind "
    "refund policy allows returns within thirty days of delivery if unused account "
    "summary invoice balance overdue payment reminder schedule meeting agenda notes"
)
_WORDS = _VOCABULARY.split()
_SYLLABLES = ("ka", "lo", "mi", "ne", "ra", "su", "to", "vi", "ze", "do", "fa", "gu", "ba", "ri")
# Customer surnames, so a search can look for something that only a few items hold.
SURNAMES = tuple(
    "".join(
        _SYLLABLES[(n // len(_SYLLABLES) ** k) % len(_SYLLABLES)] for k in range(3)
    ).capitalize()
    + "wski"[: n % 4]
    for n in range(2_000)
)
_CITIES = ("Paris", "Oslo", "Lima", "Rome", "Tokyo", "Nairobi")
_TOOLS = ("get_weather", "search_orders", "lookup_invoice")

Row = tuple[str, str, str]


@dataclass(frozen=True)
class Sizes:
    """How big the fixtures are: F1 is many small stores, F2 one very long session."""

    f1_files: int
    f1_items: int
    f2_items: int
    f3_stores: int

    @property
    def label(self) -> str:
        return (
            f"F1 {self.f1_files:,} stores x {self.f1_items} items, F2 {self.f2_items:,} items,"
            f" F3 {self.f3_stores} stores x {F3_SESSIONS_PER_STORE * F3_ITEMS_PER_SESSION:,} items"
        )


DEFAULT_SIZES = Sizes(f1_files=10_000, f1_items=20, f2_items=1_000_000, f3_stores=200)
QUICK_SIZES = Sizes(f1_files=200, f1_items=20, f2_items=20_000, f3_stores=20)
F3_SESSIONS_PER_STORE = 4
F3_ITEMS_PER_SESSION = 4_500  # about 5 MB a store: 200 stores make the 1 GB


@dataclass(frozen=True)
class StoreFixture:
    """One store file and the session in it that the cases read."""

    path: Path
    session_id: str


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(_WORDS, k=rng.randint(low, high))).capitalize() + "."


def _user_item(rng: random.Random, turn: int) -> dict[str, object]:
    text = _sentence(rng, 4, 30)
    if rng.random() < 0.3:
        text = f"This is {rng.choice(SURNAMES)} again. {text}"
    return {"content": text, "role": "user"}


def _call_item(rng: random.Random, turn: int) -> dict[str, object]:
    arguments = json.dumps({"city": rng.choice(_CITIES)}, separators=(",", ":"))
    call_id = f"call_{turn}"
    return {
        "arguments": arguments,
        "call_id": call_id,
        "name": _TOOLS[turn % len(_TOOLS)],
        "type": "function_call",
        "id": call_id,
    }


def _output_item(rng: random.Random, turn: int) -> dict[str, object]:
    return {
        "call_id": f"call_{turn}",
        "output": _sentence(rng, 1, 12),
        "type": "function_call_output",
    }


def _assistant_item(rng: random.Random, turn: int) -> dict[str, object]:
    text = {
        "annotations": [],
        "text": _sentence(rng, 10, 90),
        "type": "output_text",
        "logprobs": [],
    }
    return {
        "id": f"msg_{turn:08x}",
        "content": [text],
        "role": "assistant",
        "status": "completed",
        "type": "message",
    }


# One user turn as the Runner stores it: the question, a tool call, its result, the answer.
_TURN: tuple[Callable[[random.Random, int], dict[str, object]], ...] = (
    _user_item,
    _call_item,
    _output_item,
    _assistant_item,
)


def _timestamp(seconds: int) -> str:
    """SQLite's CURRENT_TIMESTAMP format, which is what the SDK stores."""
    return (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def message_rows(session_id: str, count: int, seed: int) -> Iterator[Row]:
    """`count` (session_id, message_data, created_at) rows, serialised like the SDK does."""
    rng = random.Random(seed)
    for index in range(count):
        turn, step = divmod(index, len(_TURN))
        item = _TURN[step](rng, turn)
        yield session_id, json.dumps(item), _timestamp(seed * 3_600 + index * 3)


def write_store(path: Path, session_id: str, items: int, seed: int, sessions: int = 1) -> None:
    """Create the schema with the real SDK, then bulk-insert the sessions and their items.

    With several sessions, they are named `<session_id>-<n>` and each holds `items`.
    """
    from agents import SQLiteSession  # imported here: costs ~1.5 s, only when building

    SQLiteSession(session_id, path).close()
    names = [session_id] if sessions == 1 else [f"{session_id}-{n}" for n in range(sessions)]
    conn = sqlite3.connect(path)
    try:
        with conn:
            for n, name in enumerate(names):
                start = seed * 3_600 + n * 600
                conn.execute(
                    "INSERT INTO agent_sessions (session_id, created_at, updated_at) VALUES (?, ?, ?)",
                    (name, _timestamp(start), _timestamp(start + items * 3)),
                )
                conn.executemany(
                    "INSERT INTO agent_messages (session_id, message_data, created_at)"
                    " VALUES (?, ?, ?)",
                    message_rows(name, items, seed * 100 + n),
                )
    finally:
        conn.close()


def _cached(name: str, build: Callable[[Path], None]) -> Path:
    """Build into `<name>.partial` and rename when done, so an interrupted build never counts."""
    final = FIXTURES_DIR / name
    if (final / DONE_MARKER).exists():
        return final
    partial = FIXTURES_DIR / f"{name}.partial"
    for stale in (partial, final):
        shutil.rmtree(stale, ignore_errors=True)
    partial.mkdir(parents=True)
    build(partial)
    (partial / DONE_MARKER).write_text("built by bench.fixtures\n")
    partial.rename(final)
    return final


def _build_folder(root: Path, files: int, items: int) -> None:
    folder = root / STORES_SUBDIR
    folder.mkdir()
    for index in range(files):
        write_store(folder / f"session-{index:05d}.db", f"user-{index:05d}", items, seed=index)


def ensure_folder(sizes: Sizes) -> Path:
    """F1: a folder of small one-session stores, like a `SessionPool` leaves behind.

    The stores sit in a subfolder so the cache marker is not one more file to list.
    """
    name = f"f1-{sizes.f1_files}x{sizes.f1_items}"
    root = _cached(name, lambda root: _build_folder(root, sizes.f1_files, sizes.f1_items))
    return root / STORES_SUBDIR


def ensure_long_session(sizes: Sizes) -> StoreFixture:
    """F2: one store holding one session with a very long history."""
    session_id = "support-chat-0001"
    folder = _cached(
        f"f2-{sizes.f2_items}",
        lambda target: write_store(target / STORE_NAME, session_id, sizes.f2_items, seed=7),
    )
    return StoreFixture(folder / STORE_NAME, session_id)


def _build_search_folder(root: Path, stores: int) -> None:
    folder = root / STORES_SUBDIR
    folder.mkdir()
    for index in range(stores):
        path = folder / f"team-{index:03d}.db"
        write_store(path, f"agent-{index:03d}", F3_ITEMS_PER_SESSION, index, F3_SESSIONS_PER_STORE)


def ensure_search_folder(sizes: Sizes) -> Path:
    """F3: a folder of stores with several long sessions each, for search."""
    root = _cached(
        f"f3-{sizes.f3_stores}x{F3_SESSIONS_PER_STORE}x{F3_ITEMS_PER_SESSION}",
        lambda root: _build_search_folder(root, sizes.f3_stores),
    )
    return root / STORES_SUBDIR


def scratch_dir() -> Path:
    """A folder on the fixtures' filesystem for backup copies, emptied on every run."""
    scratch = FIXTURES_DIR / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    return scratch
