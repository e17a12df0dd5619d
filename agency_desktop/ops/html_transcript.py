"""Render a session as one self-contained HTML page that reads like a chat.

Item content is untrusted (a model, a tool or a user wrote it), so every string
taken from an item is escaped as `html.escape` escapes it and shown as plain text
(`white-space: pre-wrap`), never turned into markup: Markdown is not rendered.
The page carries a Content-Security-Policy that forbids every resource and all
scripts, so even a slip in escaping could neither run code nor reach the network.

The page is produced in chunks. A tool call is shown together with its result,
found by call_id in a bounded look-ahead window; a result further away than that
is shown where it appears, with a link back to its call. Memory therefore stays
bounded however long the session is. Each item is rendered on its own first, as far
as it can be (`pieces_of`: the costly part, which worker processes can share); the
pairing and the page are then put together in order (`render_pieces`).
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from itertools import batched, chain
from typing import Any, Final

from ..stores.encrypted import ENVELOPE_KEY
from ..stores.items import (
    ItemKind,
    classify_item,
    content_text,
    item_text,
    output_text,
    parse_item,
    pretty_json,
)
from ..stores.records import MINUTES_SECONDS, is_sqlite_time, stored_time
from .html_style import STYLE

CSP = "default-src 'none'; style-src 'unsafe-inline'"
# Look-ahead for pairing a call with its result: this many items, or this much text.
LOOKAHEAD_ITEMS = 200
LOOKAHEAD_CHARS = 8_000_000
# Calls shown without their result, remembered so a late result can link back to them.
REMEMBERED_CALLS = 10_000

Row = tuple[int, Any, str]  # row id, creation time (a datetime, or as stored), stored text
ITEMS_PER_CHUNK = 1000

# NUL and lone surrogates cannot be written as UTF-8 HTML; other controls confuse parsers.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def esc(text: str) -> str:
    """Text from an item, safe anywhere in HTML content or a quoted attribute.

    Most text of a chat is printable (no control character, no lone surrogate), and
    much of it has no &<>"' either: checking that first costs a tenth of the regular
    expression's scan for characters that cannot be written.
    """
    if not text.isprintable() and not _writable(text):
        text = _UNWRITABLE.sub("\ufffd", text)
    return _esc_writable(text)


def _writable(text: str) -> bool:
    """No character `_UNWRITABLE` replaces: printable but for line breaks and tabs (a far
    cheaper scan than the regular expression's; other text is left to that)."""
    return text.replace("\n", "").replace("\t", "").replace("\r", "").isprintable()


def _esc_writable(text: str) -> str:
    """`esc(text)` for text known to hold no character `_UNWRITABLE` replaces: what
    html.escape(text, quote=True) writes, in the same steps, without the call (a page
    escapes several texts per item) and without copying text that has no markup."""
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return text.replace('"', "&quot;").replace("'", "&#x27;")
    return text


# An escape in JSON text that decodes to a character `_UNWRITABLE` replaces (a control
# character but tab and line breaks, DEL, a surrogate), or might: a surrogate pair is
# taken for one, and so is "\\u0000", an escaped backslash before "u0000". The last
# backslash of any escape, however deeply its JSON is nested in strings, is one of these.
_UNWRITABLE_ESCAPE = re.compile(r"\\(?:[bf]|u00[01]|u007[fF]|u[dD][89a-fA-F])")


def _plain(raw: str) -> bool:
    """Whether every text in the item stored as `raw` (a JSON text), and every text made
    from it here, is writable as it is: so `esc` need not look for characters to replace.

    JSON forbids control characters inside strings, so they (and lone surrogates) can
    only come from a backslash escape; ASCII text holds no other character to replace
    but DEL. That goes for JSON nested in its strings too (a call's arguments, a tool's
    output), which `pretty_json` decodes. The SDK writes items in ASCII (json.dumps
    escapes the rest), so nearly all its items are plain: the check of each text's
    characters, `str.isprintable`, was a fifth of the time spent on such an item.
    """
    return (
        raw.isascii()
        and "\x7f" not in raw
        and (
            "\\" not in raw
            # each escape the expression looks for starts with one of these
            or ("\\u" not in raw and "\\b" not in raw and "\\f" not in raw)
            or _UNWRITABLE_ESCAPE.search(raw) is None
        )
    )


# One item rendered as far as it can be on its own (`pieces_of`), for `render_pieces` to
# pair each tool call with its result and put the page together. A plain tuple: worker
# processes pass these back ten times faster than a class's instances.
#   ROW_ID   the item's row id
#   PART     ITEM, CALL or RESULT: what it is to the pairing
#   CALL_ID  of a call or a result: a non-empty text, else None
#   SIZE     the stored text's length, which the look-ahead counts
#   HTML     ITEM: all of it; CALL: the call up to its result; RESULT: under its call
#   INLINE   CALL: the result block of a call that carries its own output, else None
#   LATE     RESULT: shown on its own (rare), the HTML after its heading and the link
#            to its call, which `_joined` adds; else empty
Piece = tuple[int, int, str | None, int, str, str | None, str]
ROW_ID: Final = 0
PART: Final = 1
CALL_ID: Final = 2
SIZE: Final = 3
HTML: Final = 4
INLINE: Final = 5
LATE: Final = 6
ITEM, CALL, RESULT = range(3)
_NOT_LATE = ""


def pieces_of(rows: Iterable[Row]) -> list[Piece]:
    """Each (row id, creation time, stored text) row as a piece of the page: the work per
    item, which needs no other item (so it can be done anywhere, in any order)."""
    return [piece_of(row_id, created, raw) for row_id, created, raw in rows]


def piece_of(row_id: int, created: Any, raw: str) -> Piece:
    """One row as a piece of the page (see `pieces_of`)."""
    item, ok = parse_item(raw)
    if ok and type(item) is dict and type(row_id) is int and ENVELOPE_KEY not in item:
        common = _common_piece(row_id, created, raw, item)
        if common is not None:
            return common
    return _any_piece(row_id, created, raw, item, ok=ok)


def _any_piece(row_id: int, created: Any, raw: str, item: Any, *, ok: bool) -> Piece:
    number = _number(row_id)
    if not ok:
        return _item(row_id, len(raw), _unreadable(number, created, raw))
    kind, tool = classify_item(item)
    if kind is ItemKind.FUNCTION_CALL or kind is ItemKind.FUNCTION_CALL_OUTPUT:
        call_id = item.get("call_id")
        if not (isinstance(call_id, str) and call_id):
            call_id = None
        if kind is ItemKind.FUNCTION_CALL:
            return _call(row_id, number, created, item, tool=tool, call_id=call_id, size=len(raw))
        return _result(row_id, number, created, item, call_id=call_id, size=len(raw))
    if (
        kind is ItemKind.USER
        or kind is ItemKind.ASSISTANT
        or (kind is ItemKind.OTHER and _has_role(item))
    ):
        html_text = _message(number, created, item, kind)
    elif kind is ItemKind.REASONING:
        html_text = _reasoning(number, created, item)
    else:
        html_text = _other(number, created, item)
    return _item(row_id, len(raw), html_text)


def _common_piece(row_id: int, created: Any, raw: str, item: dict[str, Any]) -> Piece | None:
    """The items most of a session is made of (a user's or the assistant's message, a
    function call without an output of its own, a function's result), rendered as
    `piece_of` would in one step: its calls from function to function took a third of the
    time. None for any other item."""
    number = str(row_id)
    if (
        type(created) is str
        and len(created) == 19
        and (head := _TIME_HEADS.get(created[:13])) is not None
        and (tail := created[13:]) in MINUTES_SECONDS
    ):  # _when(created), for SQLite's time of an hour already seen
        link = (
            f'{head}{tail}+00:00">{created} UTC</time>'
            f' <a class="row" href="#item-{number}">#{number}</a></div>'
        )
    else:
        link = f'{_when(created)} <a class="row" href="#item-{number}">#{number}</a></div>'
    item_type = item.get("type")
    if item_type is None or item_type == "message":
        role = item.get("role")
        if role != "user" and role != "assistant":  # noqa: PLR1714 (faster than a tuple)
            return None
        content = item.get("content")
        text = content if type(content) is str else content_text(content)
        text = _esc_writable(text) if _plain(raw) else esc(text)
        return (
            row_id,
            ITEM,
            None,
            len(raw),
            f'<article class="msg {role}" id="item-{number}"><div class="meta"><span class="who">'
            f'{_ROLE_LABELS[role]}</span>{link}<div class="bubble text">{text}</div></article>',
            None,
            _NOT_LATE,
        )
    call_id = item.get("call_id")
    if not (type(call_id) is str and call_id):
        call_id = None
    if item_type == "function_call_output":
        output = item.get("output", "")
        shown = pretty_json(output if type(output) is str else output_text(item))
        body = f'<pre class="code">{_esc_writable(shown) if _plain(raw) else esc(shown)}</pre>'
        tail = f"{link}{body}"
        under_call = f'<div class="result" id="item-{number}">{_RESULT_HEAD}{tail}</div>'
        return (row_id, RESULT, call_id, len(raw), under_call, None, tail)
    name = item.get("name")
    if item_type != "function_call" or type(name) is not str or "output" in item:
        return None
    args = item["arguments"] if "arguments" in item else item.get("input", item.get("action"))
    escape = _esc_writable if _plain(raw) else esc
    shown = escape(pretty_json(item if args is None else args))
    extra = f' <code class="name">{escape(name or "tool")}</code>{_call_id_tag(call_id, escape)}'
    head = (
        f'<section class="tool" id="item-{number}"><div class="meta"><span class="who">Tool call'
        f'</span>{extra}{link}<div class="label">Arguments</div><pre class="code">{shown}</pre>'
    )
    return (row_id, CALL, call_id, len(raw), head, None, _NOT_LATE)


def _item(row_id: int, size: int, html_text: str) -> Piece:
    return (row_id, ITEM, None, size, html_text, None, _NOT_LATE)


def _has_role(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("role"), str)


def _number(row_id: int) -> str:
    """A row id as text (row ids are integers; anything else is escaped all the same)."""
    return str(row_id) if type(row_id) is int else esc(str(row_id))


# The start of a <time> tag for each hour of SQLite's times seen (`_when`), by "YYYY-MM-DD HH".
_TIME_HEADS: dict[str, str] = {}
_TIME_HEADS_KEPT = 100_000


def _when(created: Any) -> str:
    """The time of an item, from a datetime or the time as the store keeps it (SQLite's own
    text is written as the lines below would write it, without parsing it)."""
    if isinstance(created, str) and is_sqlite_time(created):
        head = f' <time datetime="{created[:10]}T{created[11:13]}'
        if len(_TIME_HEADS) >= _TIME_HEADS_KEPT:
            _TIME_HEADS.clear()
        _TIME_HEADS[created[:13]] = head
        return f'{head}{created[13:]}+00:00">{created} UTC</time>'
    moment = stored_time(created)
    if moment is None:
        return ""
    shown = f"{moment:%Y-%m-%d %H:%M:%S %Z}".strip()
    return f' <time datetime="{esc(moment.isoformat())}">{esc(shown)}</time>'


def _meta(number: str, created: Any, label: str, extra: str = "") -> str:
    """The line above an item: who, details, when, and a link to the item itself."""
    return (
        f'<div class="meta"><span class="who">{label}</span>{extra}{_when(created)}'
        f' <a class="row" href="#item-{number}">#{number}</a></div>'
    )


def _meta_head(label: str, extra: str) -> str:
    return f'<div class="meta"><span class="who">{label}</span>{extra}'


_RESULT_HEAD = _meta_head("Result", "")


def _meta_tail(number: str, created: Any) -> str:
    return f'{_when(created)} <a class="row" href="#item-{number}">#{number}</a></div>'


def _message(number: str, created: Any, item: dict[str, Any], kind: ItemKind) -> str:
    role = str(item.get("role") or kind.value)
    css = role if role in ("user", "assistant") else "system"
    text = content_text(item.get("content"))
    label = _ROLE_LABELS.get(role) or esc(role.capitalize())
    return (
        f'<article class="msg {css}" id="item-{number}">'
        f"{_meta(number, created, label)}"
        f'<div class="bubble text">{esc(text)}</div></article>'
    )


_ROLE_LABELS = {"user": "User", "assistant": "Assistant"}


def _call_id_tag(call_id: str | None, escape: Callable[[str], str] = esc) -> str:
    return f' <code class="call-id">{escape(call_id)}</code>' if call_id else ""


def _call(
    row_id: int,
    number: str,
    created: Any,
    item: dict[str, Any],
    *,
    tool: str | None,
    call_id: str | None,
    size: int,
) -> Piece:
    """A tool call up to its result, which `render_pieces` adds (or an inline output, a note)."""
    args = item.get("arguments", item.get("input", item.get("action")))
    shown = pretty_json(item if args is None else args)
    name = f' <code class="name">{esc(tool or "tool")}</code>'
    head = (
        f'<section class="tool" id="item-{number}">'
        f"{_meta(number, created, 'Tool call', name + _call_id_tag(call_id))}"
        f'<div class="label">Arguments</div><pre class="code">{esc(shown)}</pre>'
    )
    inline = item.get("output")
    if inline is not None:  # hosted calls such as mcp_call carry their output themselves
        inline = f'<div class="result"><div class="label">Result</div><pre class="code">{esc(pretty_json(inline))}</pre></div>'
    return (row_id, CALL, call_id, size, head, inline, _NOT_LATE)


def _result(
    row_id: int, number: str, created: Any, item: dict[str, Any], *, call_id: str | None, size: int
) -> Piece:
    """A tool's result as shown under its call, and as shown on its own (a late result,
    whose link back to its call `render_pieces` puts between the two parts)."""
    body = f'<pre class="code">{esc(pretty_json(output_text(item)))}</pre>'
    tail = f"{_meta_tail(number, created)}{body}"
    under_call = f'<div class="result" id="item-{number}">{_RESULT_HEAD}{tail}</div>'
    return (row_id, RESULT, call_id, size, under_call, None, tail)


_NO_RESULT = '<p class="note">No result nearby; if there is one, it is shown where it appears, linked to this call.</p>'


def _reasoning(number: str, created: Any, item: dict[str, Any]) -> str:
    text = item_text(item) or "(no summary)"
    return (
        f'<details class="reasoning" id="item-{number}">'
        f"<summary>Reasoning{_when(created)}</summary>"
        f'<div class="text">{esc(text)}</div></details>'
    )


def _unreadable(number: str, created: Any, raw: str) -> str:
    return (
        f'<section class="unreadable" id="item-{number}">'
        f"{_meta(number, created, 'Unreadable item', ' (not valid JSON)')}"
        f'<pre class="code">{esc(raw)}</pre></section>'
    )


def _other(number: str, created: Any, item: Any) -> str:
    label = item.get("type") if isinstance(item, dict) else None
    shown = pretty_json(item)
    return (
        f'<details class="other" id="item-{number}">'
        f"<summary>{esc(str(label or 'item'))}{_when(created)}</summary>"
        f'<pre class="code">{esc(shown)}</pre></details>'
    )


class CallAnchors:
    """Row ids of calls shown without their result, by call_id (the oldest are forgotten)."""

    def __init__(self, limit: int = REMEMBERED_CALLS) -> None:
        self._rows: OrderedDict[str, int] = OrderedDict()
        self._limit = limit

    def remember(self, call_id: str, row_id: int) -> None:
        self._rows[call_id] = row_id
        self._rows.move_to_end(call_id)
        if len(self._rows) > self._limit:
            self._rows.popitem(last=False)

    def pop(self, call_id: str) -> int | None:
        return self._rows.pop(call_id, None)

    def copy(self) -> CallAnchors:
        twin = CallAnchors(self._limit)
        twin._rows = self._rows.copy()
        return twin


def render_html(
    session_id: str,
    source: str,
    rows: Iterable[Row],
    *,
    lookahead: int = LOOKAHEAD_ITEMS,
) -> Iterator[str]:
    """Yield the page in chunks, so a huge session never sits in memory whole."""
    batches = map(pieces_of, batched(rows, ITEMS_PER_CHUNK))
    return render_pieces(session_id, source, batches, lookahead=lookahead)


def render_pieces(
    session_id: str,
    source: str,
    batches: Iterable[list[Piece]],
    *,
    lookahead: int = LOOKAHEAD_ITEMS,
    budget: int = LOOKAHEAD_CHARS,
) -> Iterator[str]:
    """The page from the items' pieces (`pieces_of`), in order, in chunks."""
    yield page_head(session_id, source)
    anchors = CallAnchors()
    count = 0
    pieces = chain.from_iterable(batches)
    for pairs in batched(paired(pieces, lookahead, budget), ITEMS_PER_CHUNK):
        count += sum(1 if result is None else 2 for _, result in pairs)
        yield "".join([f"{_joined(piece, result, anchors)}\n" for piece, result in pairs])
    yield page_foot(count)


def paired(
    pieces: Iterable[Piece], lookahead: int = LOOKAHEAD_ITEMS, budget: int = LOOKAHEAD_CHARS
) -> Iterator[tuple[Piece, Piece | None]]:
    """Each item in order, a tool call with its result when the result is in the window:
    the call and the items after it, up to `lookahead` items or `budget` characters, but
    always the item after the call (so a call answered straight away is paired even when
    either of them is huge).

    The window is read only as far as a call's search goes: it stops at the result, and
    reading further could not change what a later call finds (each call's window is the
    same however far earlier calls read). A run of rows (html_runs) then renders none of
    the rows after it but the result of its last call.
    """
    source = iter(pieces)
    window: deque[Piece] = deque()  # items read ahead by a call's search, in order
    chars = 0  # what the window holds
    for piece in source:  # the window is empty here: most items need none
        if piece[PART] != CALL or not piece[CALL_ID]:
            yield piece, None
            continue
        after = next(source, None)  # always in the window, and most often the result
        if after is not None and after[PART] == RESULT and after[CALL_ID] == piece[CALL_ID]:
            yield piece, after
            continue
        window.append(piece)
        chars = piece[SIZE]
        if after is not None:
            window.append(after)
            chars += after[SIZE]
        while window:
            head = window[0]
            result = None
            if head[PART] == CALL and head[CALL_ID]:
                result, chars = _take_result(window, source, chars, lookahead, budget)
            window.popleft()
            chars -= head[SIZE] + (result[SIZE] if result else 0)
            yield head, result


def _take_result(
    window: deque[Piece], source: Iterator[Piece], chars: int, lookahead: int, budget: int
) -> tuple[Piece | None, int]:
    """Remove and return the result answering the call `window[0]`, if it is in its window
    (read further from `source` as needed), with the characters the window now holds."""
    call_id = window[0][CALL_ID]
    for index, piece in enumerate(window):
        if piece[PART] == RESULT and piece[CALL_ID] == call_id:
            del window[index]
            return piece, chars
    while len(window) < 2 or (len(window) < lookahead and chars < budget):
        read = next(source, None)
        if read is None:
            break
        chars += read[SIZE]
        if read[PART] == RESULT and read[CALL_ID] == call_id:
            return read, chars
        window.append(read)
    return None, chars


def _joined(piece: Piece, result: Piece | None, anchors: CallAnchors) -> str:
    """The HTML of one item: a call with its result (or its own output, or a note), a
    result on its own with a link back to its call, or the item as it was rendered."""
    row_id, part, call_id, _, html_text, inline, late = piece
    if part == CALL:
        if result is not None:
            shown = result[HTML]
        elif inline is not None:
            shown = inline
        elif call_id is None:
            shown = ""
        else:
            anchors.remember(call_id, row_id)
            shown = _NO_RESULT
        return f"{html_text}{shown}</section>"
    if part == RESULT:
        call = anchors.pop(call_id) if call_id else None
        link = ""
        if call is not None:
            number = _number(call)
            link = f' <span class="answers">answers <a href="#item-{number}">tool call #{number}</a></span>'
        head = _meta_head("Tool result", _call_id_tag(call_id))
        return (
            f'<section class="tool late" id="item-{_number(row_id)}">{head}{link}{late}</section>'
        )
    return html_text


def page_head(session_id: str, source: str) -> str:
    """Everything up to the first item; the CSP comes first so it governs the whole page."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Session {esc(session_id)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>Session <code>{esc(session_id)}</code></h1>"
        f'<p class="source">{esc(source)}</p></header>\n<main>\n'
    )


def page_foot(count: int) -> str:
    noun = "item" if count == 1 else "items"
    return f"</main>\n<footer>{count} {noun}</footer>\n</body>\n</html>\n"
