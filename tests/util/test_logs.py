"""The log rotates, and holds no conversation content unless debug logging is on."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agency_desktop.stores.errors import ProblemKind, StoreError
from agency_desktop.util import logs

SECRET = "my bank password is hunter2"


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    yield logs.configure(debug=False)
    logs.configure(debug=False)


def _raise_with_content() -> None:
    message_text = SECRET  # a local, as a message read from a store would be
    raise ValueError(f"could not render {message_text!r}")


def _described() -> str:
    try:
        _raise_with_content()
    except ValueError:
        return logs.describe_exception(*sys.exc_info())  # type: ignore[arg-type]
    raise AssertionError("it did not raise")


def test_records_go_to_the_log_folder(configured: Path, tmp_path: Path) -> None:
    logs.log.info("opened a folder")
    assert configured == tmp_path / "data" / "logs" / "agency-desktop.log"
    assert "opened a folder" in configured.read_text()


def test_the_log_rotates_and_keeps_a_few_files(
    configured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    logs.configure(debug=False)
    for n in range(400):
        logs.log.info("record %d %s", n, "x" * 40)
    files = sorted(p.name for p in configured.parent.iterdir())
    assert files == ["agency-desktop.log"] + [f"agency-desktop.log.{n}" for n in range(1, 6)]
    assert all(p.stat().st_size <= 2_100 for p in configured.parent.iterdir())


def test_an_exception_is_logged_without_what_the_conversation_said(configured: Path) -> None:
    text = _described()
    assert "_raise_with_content" in text and "ValueError" in text
    assert "hunter2" not in text
    assert "debug logging keeps it" in text


def test_debug_logging_keeps_messages_and_the_frames_variables(configured: Path) -> None:
    logs.configure(debug=True)
    text = _described()
    assert text.count("hunter2") >= 2  # the message, and the local variable
    assert "DEBUG LOGGING" in configured.read_text()  # the log says what it holds
    assert logs.log.isEnabledFor(logging.DEBUG)


def test_messages_of_our_own_errors_are_kept(configured: Path) -> None:
    try:
        raise StoreError(
            Path("/data/a.db"), ProblemKind.CORRUPT, "database disk image is malformed"
        )
    except StoreError:
        text = logs.describe_exception(*sys.exc_info())  # type: ignore[arg-type]
    assert "/data/a.db" in text and "malformed" in text


def test_what_is_logged_before_the_file_is_set_up_reaches_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The app sets the file up a moment after start; nothing said before is lost."""
    monkeypatch.setenv("AGENCY_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    for handler in list(logs.log.handlers):
        logs.log.removeHandler(handler)
        handler.close()
    logs.hold_records()
    logs.log.info("opened a folder early")
    logs.log.debug("a detail only debug logging keeps")
    path = logs.configure(debug=False)
    text = path.read_text()
    assert "opened a folder early" in text and "only debug logging" not in text
    logs.configure(debug=False)
