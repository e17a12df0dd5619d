"""File > Connect to Server Store…: a URL, a test of it, and the servers used before.

The test lists the store in a worker (a server that is down takes its connect timeout
there, and the dialog says which host and port did not answer). Whichever kinds the
registry claims by URL are accepted: the dialog knows no scheme of its own. The recent
list holds URLs without their passwords; a password typed this run is kept in memory
(`server_locations`) and used again when its URL is picked from the list.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...stores.registry import kind_of
from ...util.errors import InputError
from ...util.urls import is_url
from ..server_locations import typed_url, with_password
from ..server_store import error_text, probe_server
from ..workers import Worker, WorkerPool

EXAMPLES = "postgresql://user@host/db, postgresql+asyncpg://…, redis://host:6379/0"
EXPLANATION = (
    "The URL of the server your agents keep their sessions on, as in your SDK code."
    " Browsing only reads. A password (in the URL or below) is kept in memory for this run"
    " only: recent connections are saved without it."
)


def url_problem(url: str) -> str | None:
    """Why `url` names no server store this version reads, or None when one claims it."""
    if not url:
        return "Enter the server's URL."
    if not is_url(url):
        return f"Not a server URL. For example: {EXAMPLES}"
    try:
        kind_of(url)
    except InputError as exc:
        return str(exc)
    return None


def _named[W: QWidget](widget: W, name: str, accessible: str = "") -> W:
    widget.setObjectName(name)
    if accessible:
        widget.setAccessibleName(accessible)
    return widget


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


class ServerConnectDialog(QDialog):
    def __init__(self, parent: QWidget | None, workers: WorkerPool, recent: list[str]) -> None:
        super().__init__(parent)
        self.setObjectName("serverConnectDialog")
        self.setWindowTitle("Connect to Server Store")
        self.setMinimumWidth(560)
        self._workers = workers
        self._worker: Worker | None = None
        self.url_field = _named(QLineEdit(placeholderText=EXAMPLES), "serverUrl", "Server URL")
        self.password_field = _named(QLineEdit(), "serverPassword", "Password")
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_field.setPlaceholderText(
            "if the URL has none (PostgreSQL also reads ~/.pgpass)"
        )
        self.test_button = _named(QPushButton("&Test Connection"), "testConnection")
        self.outcome = _named(QLabel(wordWrap=True), "serverTestResult")
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.recent = _named(QListWidget(), "recentServers", "Recent connections")
        for url in recent:
            self.recent.addItem(QListWidgetItem(url))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.connect_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText("&Connect")
        self._lay_out()
        self.url_field.textChanged.connect(self._on_url_changed)
        self.password_field.textChanged.connect(lambda _text: self._drop_test())
        self.test_button.clicked.connect(self.test_connection)
        self.recent.currentTextChanged.connect(self.url_field.setText)
        self.recent.itemDoubleClicked.connect(lambda _item: self.accept())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._on_url_changed(self.url_field.text())

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self._heading())
        layout.addSpacing(6)
        layout.addWidget(_label("&URL:", self.url_field))
        layout.addWidget(self.url_field)
        layout.addWidget(_label("&Password (optional):", self.password_field))
        layout.addWidget(self.password_field)
        layout.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.outcome)
        for choice in self._choices():
            layout.addWidget(choice)
        layout.addWidget(_label("&Recent connections:", self.recent))
        layout.addWidget(self.recent, 1)
        layout.addWidget(self.buttons)

    def _heading(self) -> QLabel:
        """The text above the fields (dialogs built on this one say what they do)."""
        return QLabel(EXPLANATION, wordWrap=True)

    def _choices(self) -> list[QWidget]:
        """Options under the test's outcome: none when only connecting."""
        return []

    def url(self) -> str:
        """The URL to open: as typed, with the password typed in its own field (shown as
        dots), or else the one typed for it earlier this run."""
        typed = with_password(self.url_field.text().strip(), self.password_field.text())
        return typed_url(typed)

    def _on_url_changed(self, text: str) -> None:
        """A test of the URL as it was says nothing about this one: it is dropped."""
        self.connect_button.setEnabled(bool(text.strip()))
        self._drop_test()

    def _drop_test(self) -> None:
        self.outcome.clear()
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
            self.test_button.setEnabled(True)

    def test_connection(self) -> None:
        """List the store in a worker and say what came of it."""
        url = self.url()
        if problem := url_problem(url):
            self.outcome.setText(problem)
            return
        if self._worker is not None:
            self._worker.cancel()
        self.outcome.setText("Connecting…")
        self.test_button.setEnabled(False)
        worker = Worker(probe_server, url)
        worker.signals.returned.connect(lambda text, w=worker: self._on_tested(w, text))
        worker.signals.errored.connect(
            lambda exc, w=worker: self._on_tested(w, f"Could not connect: {error_text(exc, url)}")
        )
        self._worker = self._workers.start(worker)

    def _on_tested(self, worker: Worker, text: str) -> None:
        if worker is not self._worker:
            return  # a test of a URL since replaced
        self._worker = None
        self.test_button.setEnabled(True)
        self.outcome.setText(text)

    def accept(self) -> None:
        if problem := url_problem(self.url()):
            self.outcome.setText(problem)
            return
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        super().accept()
