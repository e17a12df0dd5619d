"""Queries: words, prefixes and case, and nothing a user types reaches FTS as syntax."""

from __future__ import annotations

from agency_desktop.search.text import Query, item_facts, snippet
from agency_desktop.stores.items import ItemKind


def test_words_are_split_like_fts_and_folded() -> None:
    assert Query.parse("Get_Weather(Paris)  paris").terms == ("get", "weather", "paris")
    assert Query.parse("  ,;  ").empty


def test_each_term_must_begin_a_word() -> None:
    query = Query.parse("par sun")
    assert query.matches("Paris is sunny.")
    assert not query.matches("Paris is cloudy.")
    assert not Query.parse("aris").matches("Paris")


def test_non_ascii_terms_are_looked_for_in_escaped_json_too() -> None:
    (patterns,) = Query.parse("zürich").like_patterns()
    assert "%z\\\\u00fcrich%" in patterns or "%z\\u00fcrich%" in patterns
    assert "%Zürich%" in patterns


def test_item_facts_of_a_tool_call_name_the_tool() -> None:
    facts = item_facts(
        '{"type": "function_call", "name": "lookup", "arguments": "{}", "call_id": "c"}'
    )
    assert (facts.kind, facts.tool) == (ItemKind.FUNCTION_CALL, "lookup")
    assert "lookup" in facts.text
    assert item_facts("{not json").text == "{not json"


def test_snippet_starts_near_the_match() -> None:
    text = "word " * 100 + "Paris is sunny"
    assert "Paris" in snippet(text, Query.parse("paris"), width=40)


def test_match_spans_mark_the_searched_prefix_of_each_word_it_starts() -> None:
    from agency_desktop.search.text import match_spans

    text = "Weather in Paris: weathering, paris-bound; unparisian"
    spans = match_spans(text, Query.parse("weath paris").terms)
    assert [text[a:b] for a, b in spans] == ["Weath", "Paris", "weath", "paris"]
    assert match_spans(text, ()) == []
    assert len(match_spans("a " * 50, ("a",), limit=7)) == 7


def test_relevance_prefers_whole_words_and_every_term() -> None:
    from agency_desktop.search.text import relevance

    query = Query.parse("paris weather")
    both = relevance("Weather in Paris", query)
    one = relevance("Paris Paris Paris", query)
    prefix = relevance("Parisian weathering", query)
    assert both > one and both > prefix > 0
    assert relevance("nothing here", query) == 0
