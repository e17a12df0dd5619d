"""The page's per-item rendering: its shortcuts write what the general path writes."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from agency_desktop.ops import html_transcript
from agency_desktop.ops.html_transcript import piece_of

# Text with everything `esc` must handle: controls, DEL, markup, line breaks, non-ASCII,
# lone surrogates (only reachable through a \\u escape in the stored JSON).
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("ab &<>\"'\n\t\r\x00\x01\x1f\x7f\u00e9\u2028\ud800\udfff\\fu"),
        st.characters(codec="utf-8"),
    ),
    max_size=30,
)


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    text = draw(TEXT)
    kinds = ["user", "assistant", "parts", "output", "json output", "call", "nested call"]
    kind = draw(st.sampled_from(kinds))
    if kind == "user":
        return {"content": text, "role": "user"}
    if kind == "assistant":
        return {"role": "assistant", "type": "message", "content": text}
    if kind == "parts":
        parts = [
            {"type": "output_text", "text": draw(TEXT)} for _ in range(draw(st.integers(0, 3)))
        ]
        return {"role": "assistant", "type": "message", "content": parts}
    if kind in ("call", "nested call"):
        arguments = json.dumps({"text": text}, ensure_ascii=draw(st.booleans()))
        if kind == "nested call":  # JSON in a string in JSON in a string
            arguments = json.dumps({"inner": arguments})
        call_id, name = draw(TEXT), draw(TEXT)
        return {"type": "function_call", "name": name, "call_id": call_id, "arguments": arguments}
    output: Any = json.dumps({"text": text}) if kind == "json output" else text
    return {"type": "function_call_output", "call_id": draw(TEXT), "output": output}


@settings(max_examples=500, deadline=None)
@given(items(), st.booleans())
def test_plain_items_are_written_as_every_item_is(item: dict[str, Any], ascii_only: bool) -> None:
    """Skipping the search for unwritable characters in plain items changes nothing."""
    raw = json.dumps(item, ensure_ascii=ascii_only)
    row = (7, "2025-01-02 03:04:05", raw)
    with mock.patch.object(html_transcript, "_plain", return_value=False):
        general = piece_of(*row)
    assert piece_of(*row) == general


# Times as stores keep them: SQLite's own text (valid, or nearly), datetimes, nothing.
CREATED = st.one_of(
    st.sampled_from(
        [
            "2025-01-02 03:04:05",
            "2025-01-02 03:59:59",
            "2025-01-02 03:60:00",
            "2025-02-30 03:04:05",
            "0999-01-02 03:04:05",
            "2025-01-02T03:04:05",
            "2025-01-02 03:04:05.123",
            "",
            None,
            1735787045,
        ]
    ),
    st.datetimes(),
)


@settings(max_examples=500, deadline=None)
@given(items(), CREATED, st.booleans())
def test_common_items_are_written_as_the_general_path_writes_them(
    item: dict[str, Any], created: Any, ascii_only: bool
) -> None:
    """`_common_piece`, the one-step rendering of the usual items, and `_when`'s cache of
    each hour's time tag write what each item's own function writes."""
    raw = json.dumps(item, ensure_ascii=ascii_only)
    quick = piece_of(7, created, raw)
    again = piece_of(7, created, raw)  # the hour now seen before
    with mock.patch.object(html_transcript, "_common_piece", return_value=None):
        general = piece_of(7, created, raw)
    assert quick == again == general


def test_sqlite_times_are_tagged_in_utc_each_time() -> None:
    tag = '<time datetime="2025-01-02T03:04:05+00:00">2025-01-02 03:04:05 UTC</time>'
    later = '<time datetime="2025-01-02T03:59:58+00:00">2025-01-02 03:59:58 UTC</time>'
    item = json.dumps({"content": "hi", "role": "user"})
    assert tag in piece_of(7, "2025-01-02 03:04:05", item)[4]
    assert later in piece_of(8, "2025-01-02 03:59:58", item)[4]  # the hour's tag, from its cache
    assert "<time" not in piece_of(9, "2025-01-02 03:04:60", item)[4]


def test_a_plain_item_is_told_apart_from_one_with_escapes_to_replace() -> None:
    plain = html_transcript._plain
    assert plain(json.dumps({"content": 'Tom\'s <b>\ttwo\nlines \u00e9 "q"', "role": "user"}))
    assert plain(json.dumps({"arguments": json.dumps({"city": "Lima\n"})}))
    assert not plain(json.dumps({"content": "nul \x00"}))
    assert not plain(json.dumps({"content": "bell \x07 form feed \f"}))
    assert not plain(json.dumps({"content": "lone \ud800"}))
    assert not plain(json.dumps({"arguments": json.dumps({"nested": "\x01"})}))
    assert not plain(json.dumps({"content": "caf\u00e9"}, ensure_ascii=False))
    assert not plain('{"content": "del \x7f"}')
    assert plain(json.dumps({"content": "a\\tab, a\\newline"}))  # escaped backslashes
    assert not plain(json.dumps({"content": "C:\\bin"}))  # taken for a backspace: the general path


@settings(max_examples=200, deadline=None)
@given(items())
def test_stored_text_with_spaces_around_renders_as_without(item: dict[str, Any]) -> None:
    """The scanner reads no spaces: such text takes the general parse, to the same page."""
    raw = json.dumps(item)
    spaced = piece_of(7, "2025-01-02 03:04:05", f" {raw}\n")
    bare = piece_of(7, "2025-01-02 03:04:05", raw)
    assert spaced[:3] + spaced[4:] == bare[:3] + bare[4:]  # all but the stored size


def test_text_that_is_not_json_is_shown_as_unreadable() -> None:
    for raw in ['{"role": "user"', "", "[1] x", '"\ud800"x']:
        assert "Unreadable item" in piece_of(7, None, raw)[4]
