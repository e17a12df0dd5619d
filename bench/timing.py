"""Time our code and its baseline side by side, in the same process and run.

Ours and the baseline alternate within every repeat (and swap who goes first),
so drift in the machine's load or page cache hits both sides alike. Each side
runs once untimed first: the numbers describe a warm page cache, which is what
a viewer re-listing or re-opening a store sees.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

Action = Callable[[], object]


def nothing() -> None:
    """The default setup: most cases need no state reset between runs."""


@dataclass(frozen=True)
class Pair:
    """The median seconds of our code and of its baseline over the same repeats."""

    ours: float
    baseline: float


def time_once(action: Action, setup: Action = nothing) -> float:
    """Seconds for one call of `action`; setup and garbage collection stay off the clock."""
    setup()
    gc.collect()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def time_pair(ours: Action, baseline: Action, repeat: int, setup: Action = nothing) -> Pair:
    """Medians of `repeat` interleaved runs of each side, after one warm-up run of each."""
    time_once(ours, setup)
    time_once(baseline, setup)
    ours_times: list[float] = []
    baseline_times: list[float] = []
    for index in range(repeat):
        sides = [(ours, ours_times), (baseline, baseline_times)]
        for action, times in sides if index % 2 == 0 else reversed(sides):
            times.append(time_once(action, setup))
    return Pair(statistics.median(ours_times), statistics.median(baseline_times))
