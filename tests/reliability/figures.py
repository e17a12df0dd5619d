"""Counts gathered while the reliability tests run, printed at the end of the run."""

from __future__ import annotations

from collections import Counter

_counts: Counter[str] = Counter()


def count(what: str, n: int = 1) -> None:
    _counts[what] += n


def summary() -> list[str]:
    return [f"{what}: {n:,}" for what, n in sorted(_counts.items())]
