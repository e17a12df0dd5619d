"""Content that tries to act (HTML, scripts, remote images, links) stays text, and
showing or exporting it never touches the network."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agents import SQLiteSession

from agency_desktop.ops.export import export_session
from agency_desktop.stores.paging import SessionReader

ACTING = (
    '<script>alert("owned")</script> <img src="http://tracker.invalid/pixel.png"> '
    '<iframe src="http://evil.invalid"></iframe> ![beacon](http://tracker.invalid/b.png) '
    "[click me](http://evil.invalid/login) <a href='javascript:alert(1)'>x</a>"
)


@pytest.fixture(scope="module")
def acting_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("acting") / "acting.db"
    session = SQLiteSession("acting-1", path)
    items = [
        {"role": "user", "content": ACTING},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "fetch",
            "arguments": f'{{"url": "http://evil.invalid", "note": {ACTING!r}}}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": ACTING},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": ACTING, "annotations": []}],
        },
    ]
    asyncio.run(session.add_items(items))
    session.close()
    return path


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every attempt to reach the network from Python, recorded and refused."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access during rendering")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts


def test_the_transcript_and_json_views_show_it_as_text_and_load_nothing(
    qtbot: Any, acting_store: Path, no_network: list[Any]
) -> None:
    from agency_desktop.ui.widgets.message_detail import MessageDetail
    from agency_desktop.ui.workers import WorkerPool

    workers = WorkerPool()
    detail = MessageDetail(workers)
    qtbot.addWidget(detail)
    loaded: list[tuple[str, Any]] = []  # every resource a view asked for, and what it got

    def spying(real: Any) -> Any:
        def load(kind: int, name: Any) -> Any:
            result = real(kind, name)
            loaded.append((str(name), result))
            return result

        return load

    for view in (detail.transcript, detail.json_view):
        view.loadResource = spying(view.loadResource)  # type: ignore[method-assign]
    with SessionReader(acting_store, "acting-1") as reader:
        rows = reader.page_after(None, 10)
        for row in rows:
            with qtbot.waitSignal(detail.detailShown, timeout=10_000):
                detail.show_row(acting_store, "acting-1", row)
            detail.transcript.grab()  # laid out and painted: when images would be fetched
            detail.show_json(True)
            detail.json_view.grab()
            detail.show_json(False)
            assert "<script>" in detail.transcript.toPlainText()  # the text, not a script
    assert workers.shutdown()
    assert no_network == []
    assert loaded and all(result is None for _, result in loaded)  # asked for, given nothing
    assert detail.transcript.document().toHtml().count("<script") == 0
    assert not detail.transcript.openLinks() and not detail.transcript.openExternalLinks()


def test_the_html_export_escapes_it(
    acting_store: Path, tmp_path: Path, no_network: list[Any]
) -> None:
    target = tmp_path / "acting.html"
    export_session(acting_store, "acting-1", "html", target)
    page = target.read_text(encoding="utf-8")
    assert "<script>alert" not in page and '<img src="http://tracker' not in page
    assert "<iframe" not in page and "javascript:alert(1)'>" not in page
    assert "&lt;script&gt;alert" in page  # there, as text
    assert no_network == []
