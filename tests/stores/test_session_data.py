"""The fingerprint that verifies every copy: the same items give the same digest, and any
change of text, order, split between items or count gives another."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agency_desktop.stores.session_data import items_digest

TEXTS = st.lists(st.one_of(st.text(), st.binary()), max_size=20)


@given(TEXTS, TEXTS)
def test_different_items_give_different_digests(a: list[str | bytes], b: list[str | bytes]) -> None:
    def as_bytes(items: list[str | bytes]) -> list[bytes]:
        return [t if isinstance(t, bytes) else t.encode("utf-8", "surrogatepass") for t in items]

    assert (items_digest(a) == items_digest(b)) == (as_bytes(a) == as_bytes(b))


def test_where_one_item_ends_is_part_of_the_digest() -> None:
    assert items_digest(["ab", "c"]) != items_digest(["a", "bc"])
    assert items_digest([]) != items_digest([""])
    assert items_digest(["\ud800 lone"]) == items_digest([b"\xed\xa0\x80 lone"])


def test_batches_do_not_hide_a_count_or_an_order() -> None:
    many = [str(n) for n in range(20_000)]  # more than two batches of the hash
    assert items_digest(many) == items_digest(iter(many))
    assert items_digest(many) != items_digest([*many, ""])
    assert items_digest(many) != items_digest([*many[1:], many[0]])
    assert items_digest([*many[:8192], ""]) != items_digest(many[:8192])
