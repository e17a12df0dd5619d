"""`python -m bench [--quick] [--repeat N]`: our core against raw sqlite3 and cp, one run.

Progress goes to stderr and the table to stdout, so `python -m bench > out.txt`
keeps just the table. The exit status is 0 even when a target is missed: the
table is the report, and a slow case is a finding, not a crash.
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import sys
import time
from pathlib import Path

import agency_desktop

from .cases import Result, run_all
from .fixtures import (
    DEFAULT_SIZES,
    QUICK_SIZES,
    Sizes,
    ensure_folder,
    ensure_long_session,
    ensure_search_folder,
)
from .fixtures import scratch_dir as make_scratch_dir
from .packaging import cold_start_result, packaging_results
from .report import markdown_report, text_table, write_markdown
from .servers import redis_results, server_results

DEFAULT_REPEAT = 7
QUICK_REPEAT = 3


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"small fixtures ({QUICK_SIZES.label}), {QUICK_REPEAT} repeats",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="N",
        help=f"timed runs per side (default {DEFAULT_REPEAT}, {QUICK_REPEAT} with --quick)",
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def show(result: Result) -> None:
    verdict = "pass" if result.passed else "FAIL"
    progress(
        f"  {result.name}: {result.ours:.2f} vs {result.baseline:.2f} {result.unit} ({verdict})"
    )


def command_line(quick: bool, repeat: int | None) -> str:
    words = ["python -m bench", "--quick" if quick else "", f"--repeat {repeat}" if repeat else ""]
    return " ".join(word for word in words if word)


def byte_compile() -> None:
    """Byte-compile the package, as pip and PyInstaller do when they install it.

    Where PYTHONDONTWRITEBYTECODE is set (this machine sets it), no import leaves its
    bytecode behind, so every process the bench starts would compile each module from
    source: importing the window and its operations took 0.62 s so, 0.35 s from bytecode,
    and a compile holds the GIL for all of a module, so a module that a worker thread
    imported stalled the window for tens of milliseconds at a time.
    No installed copy of the app does that; the bench measures the app as installed.
    """
    compileall.compile_dir(Path(agency_desktop.__file__).parent, quiet=1)


def run(sizes: Sizes, repeat: int) -> list[Result]:
    started = time.monotonic()
    byte_compile()
    progress(f"fixtures: {sizes.label} (built on first use, then cached)")
    folder, store = ensure_folder(sizes), ensure_long_session(sizes)
    search_folder = ensure_search_folder(sizes)
    progress(f"fixtures ready in {time.monotonic() - started:.1f} s; running, median of {repeat}")
    scratch = make_scratch_dir()
    try:
        results = run_all(folder, store, search_folder, scratch, repeat, on_result=show)
        progress("server stores: a PostgreSQL server started for the run")
        results += server_results(sizes, store, scratch, repeat, on_result=show)
        progress("server stores: a Redis server started for the run")
        results += redis_results(sizes, store, repeat, on_result=show)
        results.append(cold_start_result(store.path, repeat))
        show(results[-1])
        progress("packaging: Linux bundle (built first when older than the sources)")
        for result in packaging_results(repeat):
            show(result)
            results.append(result)
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        progress(f"done in {time.monotonic() - started:.1f} s")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sizes = QUICK_SIZES if args.quick else DEFAULT_SIZES
    repeat = args.repeat or (QUICK_REPEAT if args.quick else DEFAULT_REPEAT)
    results = run(sizes, repeat)
    print(text_table(results))
    report = markdown_report(results, sizes.label, repeat, command_line(args.quick, args.repeat))
    progress(f"wrote {write_markdown(report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
