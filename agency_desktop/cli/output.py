"""What every command shares: the consoles, JSON results, progress bars, confirmation,
and the errors that mean "bad input" (exit status 2)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from ..util.errors import InputError
from ..util.progress import ProgressCallback

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

out = Console(highlight=False, soft_wrap=True)
if not out.is_terminal:  # piped output: don't squeeze tables into 80 columns
    out.width = 200
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UsageError(InputError):
    """Bad input from the user on the command line: reported with exit status 2."""


def when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def result(args: argparse.Namespace, data: Any, text: Callable[[], None], status: int = 0) -> int:
    """Every command's one result: `data` as JSON with --json, else `text()` for people."""
    if args.json:
        print_json(data)
    else:
        text()
    return status


def say(message: str) -> Callable[[], None]:
    """A text result of one line."""
    return lambda: out.print(message, markup=False)


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not err.is_terminal:
        yield None
        return
    columns = (TextColumn(label), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int, _message: str) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to change anything without confirmation: pass --yes (or --dry-run)"
        )
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def skipped(message: str) -> None:
    err.print(message, markup=False)
