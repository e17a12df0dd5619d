"""Estimated cost of tokens, from a price table the user can edit (Preferences).

The SDK's usage rows do not say which model ran, so a cost is always an estimate at
one chosen model's prices, and the app says so wherever it shows one. The defaults
are list prices in US dollars per million tokens as published when this was written;
prices change, which is why the table is the user's to edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / 1_000_000


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "o3": Price(2.00, 8.00),
    "o4-mini": Price(1.10, 4.40),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
}
DEFAULT_MODEL = "gpt-4.1"


@dataclass(frozen=True)
class PriceTable:
    prices: dict[str, Price]
    model: str  # whose prices estimates use

    @property
    def price(self) -> Price | None:
        return self.prices.get(self.model)

    def estimate(self, input_tokens: int, output_tokens: int) -> float | None:
        price = self.price
        return None if price is None else price.cost(input_tokens, output_tokens)

    def to_json(self) -> str:
        table = {name: [price.input, price.output] for name, price in self.prices.items()}
        return json.dumps({"model": self.model, "prices": table})

    @classmethod
    def from_json(cls, text: str | None) -> PriceTable:
        """The saved table; the defaults when there is none or it cannot be read."""
        try:
            data = json.loads(text or "")
            prices = {
                str(name): Price(float(pair[0]), float(pair[1]))
                for name, pair in data["prices"].items()
            }
            return cls(prices, str(data["model"]))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return default_table()


def default_table() -> PriceTable:
    return PriceTable(dict(DEFAULT_PRICES), DEFAULT_MODEL)
