"""The shortcuts a long export takes give what the plain way gives, whatever the input."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agency_desktop.ops import html_transcript
from agency_desktop.stores import transcript
from agency_desktop.stores.items import content_text, is_json, parse_item, pretty_json
from agency_desktop.stores.records import is_sqlite_time, parse_timestamp, wall_clock

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
SPACE = st.sampled_from(["", " ", "\n", "\t \r\n", "\ufeff", "x", "]", ","])
# Text that is often nearly a time as SQLite writes it, and often not quite.
TIMES = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S").rjust(19, "0")
)
NEARLY_TIMES = TIMES | st.text(alphabet="0123456789-: TZ+.W", max_size=22)


def _loads(text: str) -> tuple[Any, bool]:
    try:
        return json.loads(text), True
    except (ValueError, RecursionError):
        return None, False


@given(value=JSON, before=SPACE, after=SPACE)
def test_parse_item_is_json_loads(value: Any, before: str, after: str) -> None:
    text = before + json.dumps(value) + after
    assert parse_item(text) == _loads(text)


@given(text=st.text())
def test_parse_item_of_any_text_is_json_loads(text: str) -> None:
    assert parse_item(text) == _loads(text)


# Numbers as JSON writes them, and number literals no Python value prints as.
NUMBER_TEXT = (
    st.integers().map(str)
    | st.integers(min_value=-(10**40), max_value=10**40).map(str)
    | st.floats().map(json.dumps)
    | st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?", fullmatch=True)
)
# Pieces of JSON text, valid or not: escapes of controls and lone surrogates, raw
# controls and DEL, NaN and Infinity, which msgspec (the fast decoder) refuses.
JSON_BITS = (
    st.sampled_from(
        [
            '{"a":',
            "[",
            "]",
            "}",
            ",",
            '"x"',
            '"\\u0000"',
            '"\\ud800"',
            '"\\ud83d\\ude00"',
            '"\x01"',
            '"\x7f"',
            "NaN",
            "-Infinity",
            "true",
            "null",
            " ",
            "1e400",
            '"\u00e9"',
            '{"a":1,"a":2}',
        ]
    )
    | NUMBER_TEXT
)


@settings(max_examples=500)
@given(bits=st.lists(JSON_BITS, max_size=8))
def test_parse_item_gives_exactly_what_json_loads_gives(bits: list[str]) -> None:
    """Same types too: an integer stays an integer, however big; -0.0 stays negative."""
    text = "".join(bits)
    assert repr(parse_item(text)) == repr(_loads(text))


@settings(max_examples=500)
@given(bits=st.lists(JSON_BITS | SPACE, max_size=8))
def test_is_json_says_what_parse_item_says(bits: list[str]) -> None:
    """The JSONL and JSON exports keep a stored text as it is when `is_json` takes it."""
    text = "".join(bits)
    assert is_json(text) == parse_item(text)[1]


def test_is_json_of_nesting_too_deep_to_decode_is_no() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert not is_json(deep) and not parse_item(deep)[1]


@settings(max_examples=300)
@given(number=NUMBER_TEXT)
def test_numbers_are_read_as_json_loads_reads_them(number: str) -> None:
    text = f'{{"n": [{number}]}}'
    assert repr(parse_item(text)) == repr(_loads(text))


def _pretty_as_written(value: Any) -> str:
    """pretty_json as it was: parse text that holds an object or array, indent it."""
    if isinstance(value, str):
        parsed, ok = _loads(value)
        if not ok or not isinstance(parsed, (dict, list)):
            return value
        value = parsed
    return json.dumps(value, indent=2, ensure_ascii=False)


@given(value=JSON, before=SPACE)
def test_pretty_json_is_json_dumps_indented(value: Any, before: str) -> None:
    assert pretty_json(value) == _pretty_as_written(value)
    text = before + json.dumps(value, separators=(",", ":"))
    assert pretty_json(text) == _pretty_as_written(text)


@given(arguments=st.dictionaries(st.text(), st.text(), min_size=1))
def test_pretty_json_of_arguments_of_text(arguments: dict[str, str]) -> None:
    text = json.dumps(arguments)
    assert pretty_json(text) == pretty_json(arguments) == _pretty_as_written(text)


@given(parts=st.lists(st.one_of(st.text(), JSON, st.fixed_dictionaries({"text": st.text()}))))
def test_content_text_of_one_part_is_that_part(parts: list[Any]) -> None:
    for content in (parts[:1], parts):
        texts = [content_text([part]) for part in content]
        assert content_text(content) == "\n".join(text for text in texts if text)


@given(text=NEARLY_TIMES)
def test_a_time_as_sqlite_writes_it_is_kept_as_it_is(text: str) -> None:
    moment = parse_timestamp(text)
    if is_sqlite_time(text):
        assert moment is not None and wall_clock(moment) == text
    assert transcript._when(text) == transcript._when(moment)
    assert html_transcript._when(text) == html_transcript._when(moment)


@given(moment=st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-3))])))
def test_wall_clock_is_strftime(moment: datetime) -> None:
    assert wall_clock(moment) == f"{moment:%Y-%m-%d %H:%M:%S}"


_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@given(text=st.text() | st.text(alphabet="ab &<>\"'\n\t\r\x00\x0b\x1f\x7f\ud800\u2028é"))
def test_esc_is_html_escape_of_writable_text(text: str) -> None:
    assert html_transcript.esc(text) == html.escape(_UNWRITABLE.sub("\ufffd", text), quote=True)


# Items shaped like the SDK's, and like them but not quite: every field the one-step
# rendering of common items looks at, with values that make the general path differ.
TEXTS = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("<>&\"'\n\x00"))
PARTS = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["output_text", "input_text"])},
        optional={
            "text": TEXTS | st.integers(),
            "refusal": TEXTS,
        },
    )
    | TEXTS,
    max_size=3,
)
ITEMS = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["message", "function_call", "function_call_output", "mcp_call", "reasoning"]
        )
        | st.none()
        | st.integers(),
        "role": st.sampled_from(["user", "assistant", "system", ""]) | st.none() | st.integers(),
        "content": TEXTS | PARTS | st.none() | st.integers(),
        "name": TEXTS | st.none() | st.integers(),
        "call_id": st.sampled_from(["call_1", ""]) | TEXTS | st.none() | st.integers(),
        "arguments": st.builds(json.dumps, JSON) | TEXTS | JSON,
        "input": JSON,
        "output": TEXTS | JSON,
        "__enc__": st.just(1),
    },
)
MESSAGES = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant"]), "content": TEXTS | PARTS},
    optional={"type": st.just("message"), "id": TEXTS, "__enc__": st.just(1)},
)
CALLS = st.fixed_dictionaries(
    {
        "type": st.just("function_call"),
        "name": TEXTS,
        "arguments": st.builds(json.dumps, JSON) | TEXTS | JSON,
    },
    optional={"call_id": TEXTS | st.none(), "output": TEXTS},
)
RESULTS = st.fixed_dictionaries(
    {
        "type": st.just("function_call_output"),
        "output": TEXTS | st.builds(json.dumps, JSON) | JSON | PARTS,
    },
    optional={"call_id": TEXTS | st.integers()},
)
CREATED = TIMES | NEARLY_TIMES | st.none() | st.datetimes(timezones=st.just(UTC))


@settings(max_examples=400)
@given(item=MESSAGES | CALLS | RESULTS | ITEMS, created=CREATED, row_id=st.integers(1, 10**12))
def test_common_items_render_as_any_item_does(
    item: dict[str, Any], created: Any, row_id: int
) -> None:
    raw = json.dumps(item, ensure_ascii=False)
    common = html_transcript._common_piece(row_id, created, raw, item)
    if common is not None:
        assert common == html_transcript._any_piece(row_id, created, raw, item, ok=True)
