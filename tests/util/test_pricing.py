from __future__ import annotations

import pytest

from agency_desktop.util.formatting import dollars, token_count
from agency_desktop.util.pricing import DEFAULT_MODEL, Price, PriceTable, default_table


def test_a_table_survives_its_round_trip_and_estimates_at_the_chosen_model() -> None:
    table = PriceTable({"a": Price(1.5, 6.0), "b": Price(0.1, 0.4)}, "b")
    again = PriceTable.from_json(table.to_json())
    assert again == table
    assert again.estimate(1_000_000, 500_000) == pytest.approx(0.1 + 0.2)


@pytest.mark.parametrize(
    "saved", [None, "", "{", '{"model": "x"}', '{"prices": {"a": [1]}, "model": "a"}']
)
def test_an_unreadable_saved_table_gives_the_defaults(saved: str | None) -> None:
    assert PriceTable.from_json(saved) == default_table()
    assert default_table().price is not None and default_table().model == DEFAULT_MODEL


def test_no_estimate_without_a_price_for_the_model() -> None:
    assert PriceTable({}, "gone").estimate(10, 10) is None


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "$0.00"),
        (12.345, "$12.35"),
        (1234.5, "$1,234.50"),
        (0.001124, "$0.001124"),
        (0.0000123, "$1.23e-05"),
    ],
)
def test_dollars(amount: float, text: str) -> None:
    assert dollars(amount) == text


def test_token_count() -> None:
    assert token_count(1) == "1 token"
    assert token_count(1234, 1000, 234) == "1,234 tokens (1,000 in, 234 out)"
