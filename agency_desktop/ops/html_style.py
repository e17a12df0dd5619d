"""The exported page's style sheet: inline, as the page's Content-Security-Policy allows."""

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
