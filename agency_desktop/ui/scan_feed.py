"""Lists scan results in the session list a slice per event-loop turn.

A folder of 10,000 stores streams in faster than a model can take it in one go:
the feed keeps what has come, hands the model the first screenful at once (what
shows first is what counts) and the rest in slices, so painting never stalls.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from ..stores.listing import StoreScan
from .gil import with_gui_turns
from .models.session_list import SessionListModel

SCAN_SLICE = 24  # files listed per event-loop turn while a folder streams in
FIRST_SCAN_SLICE = 100


class ScanFeed(QObject):
    listed = Signal()  # a slice went into the model

    def __init__(self, model: SessionListModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._pending: list[StoreScan] = []
        self._timer = QTimer(self, interval=0)
        self._timer.timeout.connect(self._list_slice)

    @property
    def pending(self) -> bool:
        """Scan results received but not listed yet."""
        return bool(self._pending)

    def add(self, scans: list[StoreScan]) -> None:
        self._pending.extend(scans)
        if self.model.rowCount() == 0:
            self._list_slice()  # the first rows of a folder: no turn of the loop to wait for
        if self._pending and not self._timer.isActive():
            self._timer.start()

    def restart(self, model: SessionListModel) -> None:
        """Drop what was not listed yet and feed a new model from now on."""
        self._pending = []
        self._timer.stop()
        self.model = model

    @with_gui_turns
    def _list_slice(self) -> None:
        size = FIRST_SCAN_SLICE if self.model.rowCount() < FIRST_SCAN_SLICE else SCAN_SLICE
        batch, self._pending = self._pending[:size], self._pending[size:]
        if not self._pending:
            self._timer.stop()
        self.model.apply_scans(batch)
        self.listed.emit()
