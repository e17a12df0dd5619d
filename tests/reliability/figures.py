"""Counts gathered while the reliability tests run, printed at the end of the run."""

from __future__ import annotations

from collections import Counter

_counts: Counter[str] = Counter()
_worst: dict[str, float] = {}


def count(what: str, n: int = 1) -> None:
    _counts[what] += n


def worst(what: str, value: float) -> None:
    """Keep the largest value seen (a time, say) under `what`."""
    _worst[what] = max(value, _worst.get(what, value))


def summary() -> list[str]:
    lines = [f"{what}: {n:,}" for what, n in _counts.items()]
    lines += [f"{what}: {value:,.0f}" for what, value in _worst.items()]
    return sorted(lines)
