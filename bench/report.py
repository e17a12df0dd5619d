"""Print the results table, and keep the last one in bench/RESULTS.md.

Numbers only mean something next to the machine and library versions that
produced them, so the Markdown file carries those along with the table.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from .cases import Result

RESULTS_FILE = Path(__file__).resolve().parent / "RESULTS.md"
HEADERS = ("case", "ours (median)", "baseline (median)", "ratio", "target", "result")


def _amount(value: float, unit: str) -> str:
    return f"{value:,.1f} {unit}" if value >= 10 else f"{value:.2f} {unit}"


def table_rows(results: list[Result]) -> list[tuple[str, ...]]:
    return [
        (
            r.name,
            _amount(r.ours, r.unit),
            _amount(r.baseline, r.unit),
            f"{r.ratio:.2f}x",
            str(r.target),
            "pass" if r.passed else "FAIL",
        )
        for r in results
    ]


def text_table(results: list[Result]) -> str:
    """A fixed-width table for the terminal; names left-aligned, numbers right-aligned."""
    rows = [HEADERS, *table_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = []
    for row in rows:
        cells = [
            row[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(results: list[Result]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|---|" + "---:|" * 4 + ":---:|"]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(results)]
    return "\n".join(lines)


def _cpu_model() -> str:
    """The CPU's marketing name where the OS tells it (platform.processor() is often empty)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, str]:
    return {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "Machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "CPU": f"{_cpu_model()} ({os.cpu_count()} logical CPUs)",
        "Python": sys.version.split()[0],
        "SQLite": sqlite3.sqlite_version,
    }


BASELINES = """Baselines, run in the same process run, on the same fixtures:

- F1 first 100 sessions: a full `os.scandir` of the folder. Ours is the real window
  (offscreen, its event loop asleep between events as the app's is), from `open_folder`
  until its session list holds 100 filled rows: with the folder seen before (the app's
  scan cache answers for unchanged files), with an empty scan cache (every file read;
  the first 120 in the scanning thread, the rest by the worker processes), and in a
  new process, timed from building the window, worker processes not yet started (one
  process per run).
- F1 whole folder: one loop opening each file with `sqlite3.connect`, `count(*)` and
  `max(created_at)`, in turn; ours lists and reads every file (counts, first and last
  activity per session) in the worker processes, with no cache.
- F1 whole folder stats: the baseline is ours, the whole folder scan above (the stats
  panel's "Whole folder" should come within 1.5x of listing the folder); ours counts
  kinds, tools, sizes and activity of every store in the worker processes.
- F2 pages: `SELECT id, message_data ... ORDER BY id [DESC] LIMIT 100` on a fresh
  connection; ours opens the session read-only and reads the same page.
- F2 stats: `SELECT json_extract(message_data, '$.type'), count(*) ... GROUP BY 1`;
  ours counts kinds, tools, sizes and the timeline, in parts over both cores.
- F2 stats again / after 1,000 new items: the same raw query (ours reads the app's
  stats cache and only the new rows).
- F2 backup: `shutil.copyfile` then `os.fsync` of the copy; ours is a verified copy
  under a temporary name, renamed into place.
- F1 back up the folder: `cp -r` of the folder, then `sync`; ours is `backup DIR DEST`'s
  own call: a snapshot of every store, checked, renamed, one syncfs, then a manifest.
- F1 archive the folder: `zip -qr` of the folder (its default compression); ours is
  `archive DIR ZIP`'s own call: a snapshot of every store, its sessions listed,
  `quick_check`ed, hashed and deflated (level 1) in the worker processes, the manifest,
  then every member checked before the archive takes its name.
- F1 integrity check: a loop of `sqlite3.connect` and `PRAGMA quick_check` over the
  files; ours is `check DIR`'s own call: quick_check, counts and every doctor finding
  of each store, in the worker processes.
- F2 export as JSONL, JSON, Markdown, HTML: a Python loop writing each stored
  `message_data` as a line; ours is `export --format ...` (JSONL and JSON keep the
  stored text where it is JSON on one line; Markdown and HTML render every item).
- F2 import: the SDK's CREATE statements on a default connection, `json.loads` of each
  line of the JSONL export, one `executemany` in one transaction; ours is `migrate
  FILE.jsonl NEW.db`: streamed into a temporary store, verified, fsynced and renamed.
- F3 search: one `instr(message_data, ?)` scan of every file in turn; ours scans
  decoded text in the worker processes, or answers from the app's FTS5 index.
- Peak RSS: the app (`agency-desktop STORE`) after its first rows and a jump to the
  last, against a bare PySide6 window with an empty QTableView (ru_maxrss).
- Scroll: raw keyset paging through the same rows, keeping nothing.
- GUI stalls: the same 5 ms heartbeat timer on the idle window (F1 backed up: the window's
  folder backup of all 10,000 stores, its progress shown).
- Bundle size: PySide6 and shiboken6 as pip installs them; .deb: a tar.gz of the bundle.
- Start-up: a bare PySide6 window with an empty QTableView, started the same way
  (each process exits once its window is exposed and painted; Xvfb when available).
"""


def markdown_report(results: list[Result], sizes_label: str, repeat: int, command: str) -> str:
    info = {**machine_info(), "Fixtures": sizes_label, "Repeats": f"median of {repeat}"}
    details = "\n".join(f"- {key}: {value}" for key, value in info.items())
    return (
        "# Benchmark results\n\n"
        f"Written by `{command}`; every run replaces this file.\n\n"
        f"{details}\n\n"
        f"{markdown_table(results)}\n\n"
        "Times are medians with a warm page cache; ours and the baseline alternate within\n"
        "each repeat. Ratio = ours / baseline. A ratio target is met when the ratio is\n"
        "at or below it; a time or size target when our median is. The package is\n"
        "byte-compiled first, as pip and PyInstaller install it (this machine sets\n"
        "PYTHONDONTWRITEBYTECODE, under which every process would compile it again).\n\n"
        f"{BASELINES}"
    )


def write_markdown(text: str, path: Path = RESULTS_FILE) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
