"""What a search query means, and the searchable text of an item.

Words are split as FTS5's `unicode61` tokenizer splits them (letters and digits;
everything else separates) and compared case-folded, so a scan of a file and a
lookup in the index find exactly the same items. Accents are kept (`remove_diacritics
0`): a scan can only pre-filter rows with SQL `LIKE`, which cannot fold them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..stores.items import ItemKind, classify_item, item_text, parse_item

_WORD = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 16


def words(text: str) -> list[str]:
    # lower(), not casefold(): FTS5 folds "ß" to itself, casefold() to "ss"
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Query:
    """The words to find; each must start some word of the item (a prefix match)."""

    terms: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Query:
        unique = dict.fromkeys(words(text))  # keeps the order the user typed them in
        return cls(tuple(unique)[:MAX_QUERY_WORDS])

    @property
    def empty(self) -> bool:
        return not self.terms

    def matches(self, text: str) -> bool:
        found = set(words(text))
        return all(any(word.startswith(term) for word in found) for term in self.terms)

    def like_patterns(self) -> list[tuple[str, ...]]:
        """For each term, LIKE patterns of which a matching row contains at least one.

        LIKE folds ASCII case only, and the SDK stores JSON with non-ASCII escaped
        ("é" as "\\u00e9"), so a non-ASCII term is looked for in every stored form.
        """
        return [_term_patterns(term) for term in self.terms]


def _term_patterns(term: str) -> tuple[str, ...]:
    if term.isascii():
        return (_like(term),)
    forms = {term, term.upper(), term.capitalize(), term.title()}
    escaped = {json.dumps(form)[1:-1] for form in forms}
    return tuple(sorted(_like(form) for form in forms | escaped))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class ItemFacts:
    """What the search needs from one stored item."""

    kind: ItemKind
    tool: str | None
    text: str


def as_text(value: object) -> str:
    """A stored value as text (a BLOB row is decoded, damaged bytes replaced)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def item_facts(raw: str) -> ItemFacts:
    """Kind, tool and readable text of a stored row; a row that is not JSON is its raw text."""
    item, ok = parse_item(raw)
    if not ok:
        return ItemFacts(ItemKind.OTHER, None, raw)
    kind, tool = classify_item(item)
    text = item_text(item)
    return ItemFacts(kind, tool, f"{tool} {text}" if tool and tool not in text else text)


def snippet(text: str, query: Query, width: int = 160) -> str:
    """A one-line excerpt of `text` around the first matching word."""
    flat = " ".join(text.split())
    start = 0
    for match in _WORD.finditer(flat):
        if any(match.group().lower().startswith(term) for term in query.terms):
            start = max(0, match.start() - width // 4)
            break
    excerpt = flat[start : start + width]
    return ("…" if start else "") + excerpt + ("…" if start + width < len(flat) else "")


def match_spans(text: str, terms: tuple[str, ...], limit: int = 500) -> list[tuple[int, int]]:
    """(start, end) of the first `limit` words of `text` that a term starts, in order:
    what to highlight, found as the search finds them (word starts, case folded)."""
    spans: list[tuple[int, int]] = []
    if not terms:
        return spans
    for match in _WORD.finditer(text):
        word = match.group().lower()
        term = next((t for t in terms if word.startswith(t)), None)
        if term is not None:
            spans.append((match.start(), match.start() + len(term)))
            if len(spans) >= limit:
                break
    return spans


def relevance(text: str, query: Query) -> float:
    """How well `text` answers `query`, for ordering results: whole words count more
    than prefixes, and a term found several times counts with diminishing weight."""
    counts: dict[str, float] = {}
    for match in _WORD.finditer(text):
        word = match.group().lower()
        for term in query.terms:
            if word.startswith(term):
                counts[term] = counts.get(term, 0.0) + (1.0 if word == term else 0.5)
    return sum(1.0 + min(hits, 5.0) / 5.0 for hits in counts.values())
