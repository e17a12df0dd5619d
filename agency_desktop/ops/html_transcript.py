"""Render a session as one self-contained HTML page that reads like a chat.

Item content is untrusted (a model, a tool or a user wrote it), so every string
taken from an item goes through `html.escape` and is shown as plain text
(`white-space: pre-wrap`), never turned into markup: Markdown is not rendered.
The page carries a Content-Security-Policy that forbids every resource and all
scripts, so even a slip in escaping could neither run code nor reach the network.

The page is produced in chunks. A tool call is shown together with its result,
found by call_id in a bounded look-ahead window; a result further away than that
is shown where it appears, with a link back to its call. Memory therefore stays
bounded however long the session is.
"""

from __future__ import annotations

import html
import re
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..stores.items import ItemKind, classify_item, content_text, item_text, parse_item, pretty_json

CSP = "default-src 'none'; style-src 'unsafe-inline'"
# Look-ahead for pairing a call with its result: this many items, or this much text.
LOOKAHEAD_ITEMS = 200
LOOKAHEAD_CHARS = 8_000_000
# Calls shown without their result, remembered so a late result can link back to them.
REMEMBERED_CALLS = 10_000

Row = tuple[int, datetime | None, str]

# NUL and lone surrogates cannot be written as UTF-8 HTML; other controls confuse parsers.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def esc(text: str) -> str:
    """Text from an item, safe anywhere in HTML content or a quoted attribute."""
    return html.escape(_UNWRITABLE.sub("\ufffd", text), quote=True)


@dataclass(frozen=True)
class Entry:
    """One stored item, parsed once; `raw` is kept only when it is not JSON."""

    row_id: int
    created: datetime | None
    item: Any
    ok: bool
    raw: str
    size: int

    @property
    def anchor(self) -> str:
        """The element id of this item (row ids are integers; escaped all the same)."""
        return esc(f"item-{self.row_id}")

    @property
    def kind(self) -> ItemKind:
        return classify_item(self.item)[0]

    @property
    def tool(self) -> str | None:
        return classify_item(self.item)[1]

    @property
    def call_id(self) -> str | None:
        value = self.item.get("call_id") if isinstance(self.item, dict) else None
        return value if isinstance(value, str) and value else None


def to_entry(row: Row) -> Entry:
    row_id, created, raw = row
    item, ok = parse_item(raw)
    return Entry(row_id, created, item, ok, "" if ok else raw, len(raw))


def paired(
    rows: Iterable[Row], lookahead: int = LOOKAHEAD_ITEMS, budget: int = LOOKAHEAD_CHARS
) -> Iterator[tuple[Entry, Entry | None]]:
    """Each item in order, a tool call with its result when the result is in the window.

    The window always holds the item after the current one, so a call answered
    straight away is paired even when either of them is huge.
    """
    source = iter(rows)
    window: deque[Entry] = deque()
    chars = 0
    while True:
        while len(window) < 2 or (len(window) < lookahead and chars < budget):
            row = next(source, None)
            if row is None:
                break
            window.append(to_entry(row))
            chars += window[-1].size
        if not window:
            return
        head = window.popleft()
        result = _take_result(window, head)
        chars -= head.size + (result.size if result else 0)
        yield head, result


def _take_result(window: deque[Entry], call: Entry) -> Entry | None:
    """Remove and return the result answering `call` from the window, if it is there."""
    if call.kind is not ItemKind.FUNCTION_CALL or call.call_id is None:
        return None
    for index, entry in enumerate(window):
        if entry.kind is ItemKind.FUNCTION_CALL_OUTPUT and entry.call_id == call.call_id:
            del window[index]
            return entry
    return None


class CallAnchors:
    """Calls shown without their result, by call_id, content dropped (the oldest are forgotten)."""

    def __init__(self, limit: int = REMEMBERED_CALLS) -> None:
        self._rows: OrderedDict[str, Entry] = OrderedDict()
        self._limit = limit

    def remember(self, call_id: str, call: Entry) -> None:
        self._rows[call_id] = call
        self._rows.move_to_end(call_id)
        if len(self._rows) > self._limit:
            self._rows.popitem(last=False)

    def pop(self, call_id: str) -> Entry | None:
        return self._rows.pop(call_id, None)


def render_html(
    session_id: str,
    source: str,
    rows: Iterable[Row],
    *,
    lookahead: int = LOOKAHEAD_ITEMS,
) -> Iterator[str]:
    """Yield the page in chunks, so a huge session never sits in memory whole."""
    yield page_head(session_id, source)
    anchors = CallAnchors()
    count = 0
    for entry, result in paired(rows, lookahead):
        count += 1 if result is None else 2
        yield render_entry(entry, result, anchors) + "\n"
    yield page_foot(count)


def render_entry(entry: Entry, result: Entry | None, anchors: CallAnchors) -> str:
    """The HTML of one item (and of its result, for a tool call)."""
    if not entry.ok:
        return _unreadable(entry)
    kind = entry.kind
    if kind in (ItemKind.USER, ItemKind.ASSISTANT) or (
        kind is ItemKind.OTHER and _has_role(entry.item)
    ):
        return _message(entry)
    if kind is ItemKind.FUNCTION_CALL:
        return _tool_call(entry, result, anchors)
    if kind is ItemKind.FUNCTION_CALL_OUTPUT:
        return _late_result(entry, anchors)
    if kind is ItemKind.REASONING:
        return _reasoning(entry)
    return _other(entry)


def _has_role(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("role"), str)


def _when(created: datetime | None) -> str:
    if created is None:
        return ""
    shown = f"{created:%Y-%m-%d %H:%M:%S %Z}".strip()
    return f' <time datetime="{esc(created.isoformat())}">{esc(shown)}</time>'


def _meta(entry: Entry, label: str, extra: str = "") -> str:
    """The line above an item: who, details, when, and a link to the item itself."""
    return (
        f'<div class="meta"><span class="who">{label}</span>{extra}{_when(entry.created)}'
        f' <a class="row" href="#{entry.anchor}">#{esc(str(entry.row_id))}</a></div>'
    )


def _message(entry: Entry) -> str:
    role = str(entry.item.get("role") or entry.kind.value)
    css = role if role in ("user", "assistant") else "system"
    text = content_text(entry.item.get("content"))
    return (
        f'<article class="msg {css}" id="{entry.anchor}">{_meta(entry, esc(role.capitalize()))}'
        f'<div class="bubble text">{esc(text)}</div></article>'
    )


def _call_id_tag(entry: Entry) -> str:
    return f' <code class="call-id">{esc(entry.call_id)}</code>' if entry.call_id else ""


def _tool_call(entry: Entry, result: Entry | None, anchors: CallAnchors) -> str:
    item = entry.item
    args = item.get("arguments", item.get("input", item.get("action")))
    shown = pretty_json(item if args is None else args)
    name = f' <code class="name">{esc(entry.tool or "tool")}</code>'
    return (
        f'<section class="tool" id="{entry.anchor}">'
        f"{_meta(entry, 'Tool call', name + _call_id_tag(entry))}"
        f'<div class="label">Arguments</div><pre class="code">{esc(shown)}</pre>'
        f"{_call_result(entry, result, anchors)}</section>"
    )


def _call_result(entry: Entry, result: Entry | None, anchors: CallAnchors) -> str:
    """The result under its call: the paired item, an inline output, or a note."""
    if result is not None:
        return (
            f'<div class="result" id="{result.anchor}">'
            f"{_meta(result, 'Result')}"
            f'<pre class="code">{esc(pretty_json(item_text(result.item)))}</pre></div>'
        )
    inline = entry.item.get("output")
    if inline is not None:  # hosted calls such as mcp_call carry their output themselves
        return f'<div class="result"><div class="label">Result</div><pre class="code">{esc(pretty_json(inline))}</pre></div>'
    if entry.call_id is None:
        return ""
    anchors.remember(entry.call_id, _bare(entry))
    return '<p class="note">No result nearby; if there is one, it is shown where it appears, linked to this call.</p>'


def _bare(entry: Entry) -> Entry:
    """The call without its content: all a late result needs to link back to it."""
    return Entry(entry.row_id, entry.created, None, entry.ok, "", 0)


def _late_result(entry: Entry, anchors: CallAnchors) -> str:
    """A result not paired with its call: shown in place, linking back to the call."""
    call = anchors.pop(entry.call_id) if entry.call_id else None
    link = (
        f' <span class="answers">answers <a href="#{call.anchor}">'
        f"tool call #{esc(str(call.row_id))}</a></span>"
        if call is not None
        else ""
    )
    return (
        f'<section class="tool late" id="{entry.anchor}">'
        f"{_meta(entry, 'Tool result', _call_id_tag(entry) + link)}"
        f'<pre class="code">{esc(pretty_json(item_text(entry.item)))}</pre></section>'
    )


def _reasoning(entry: Entry) -> str:
    text = item_text(entry.item) or "(no summary)"
    return (
        f'<details class="reasoning" id="{entry.anchor}">'
        f"<summary>Reasoning{_when(entry.created)}</summary>"
        f'<div class="text">{esc(text)}</div></details>'
    )


def _unreadable(entry: Entry) -> str:
    return (
        f'<section class="unreadable" id="{entry.anchor}">'
        f"{_meta(entry, 'Unreadable item', ' (not valid JSON)')}"
        f'<pre class="code">{esc(entry.raw)}</pre></section>'
    )


def _other(entry: Entry) -> str:
    item = entry.item
    label = item.get("type") if isinstance(item, dict) else None
    shown = pretty_json(item)
    return (
        f'<details class="other" id="{entry.anchor}">'
        f"<summary>{esc(str(label or 'item'))}{_when(entry.created)}</summary>"
        f'<pre class="code">{esc(shown)}</pre></details>'
    )


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


STYLE = """
:root { --bg: #f6f7f9; --fg: #1d2127; --muted: #667085; --user: #d9ecff; --assistant: #ffffff;
  --system: #fff4d6; --card: #ffffff; --border: #d8dde4; --code: #f1f3f6; --bad: #fde2e1; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15181d; --fg: #e4e7eb; --muted: #98a2b3; --user: #1f3a5c; --assistant: #22272e;
    --system: #3b3320; --card: #1c2026; --border: #343b45; --code: #161a1f; --bad: #4a2323; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
header, main, footer { max-width: 900px; margin: 0 auto; padding: 12px 16px; }
h1 { font-size: 1.3em; margin: 0.4em 0; }
.source, footer, .meta, .note { color: var(--muted); font-size: 0.85em; }
.source, .text, .code { white-space: pre-wrap; overflow-wrap: anywhere; }
code, .code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
main > * { margin: 10px 0; }
.meta { margin-bottom: 3px; }
.meta .who { font-weight: 600; color: var(--fg); }
.meta a, .answers a { color: var(--muted); }
.msg { display: flex; flex-direction: column; align-items: flex-start; }
.msg.user { align-items: flex-end; }
.bubble { max-width: 80%; padding: 8px 12px; border-radius: 14px; border: 1px solid var(--border); }
.user .bubble { background: var(--user); border-bottom-right-radius: 4px; }
.assistant .bubble { background: var(--assistant); border-bottom-left-radius: 4px; }
.system .bubble { background: var(--system); }
.tool, .unreadable, details { background: var(--card); border: 1px solid var(--border);
  border-radius: 8px; padding: 8px 12px; }
.unreadable { background: var(--bad); }
.label { color: var(--muted); font-size: 0.8em; text-transform: uppercase; margin-top: 6px; }
.code { background: var(--code); padding: 8px; border-radius: 6px; margin: 4px 0;
  max-height: 40em; overflow: auto; }
.result { border-top: 1px dashed var(--border); margin-top: 8px; padding-top: 6px; }
details > summary { cursor: pointer; color: var(--muted); }
details.reasoning .text { font-style: italic; margin-top: 6px; }
:target { outline: 2px solid #4c8dff; outline-offset: 2px; }
"""
