"""The shortcuts a long export takes give what the plain way gives, whatever the input."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from agency_desktop.ops import html_transcript
from agency_desktop.stores import transcript
from agency_desktop.stores.items import content_text, parse_item, pretty_json
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
