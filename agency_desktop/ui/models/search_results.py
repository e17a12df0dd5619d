"""Results of a search, appended in batches as they arrive, sortable on typed values."""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QStandardItem

from ...search.records import SearchHit
from ...search.text import Query, relevance
from ...util.formatting import local_time
from .base import OBJECT, ItemTableModel, cell
from .message_table import KIND_COLOURS

_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
SORT = Qt.ItemDataRole.UserRole + 1
# On the Match cell: how well the excerpt answers the query (search.text.relevance); the
# excerpt, not the whole item, is what the list has, so this orders, it does not rank.
RELEVANCE = Qt.ItemDataRole.UserRole + 2
_COLOURS = {kind: QColor(colour) for kind, colour in KIND_COLOURS.items()}


class Column(enum.IntEnum):
    MATCH = 0
    SESSION = 1
    KIND = 2
    TIME = 3
    TOOL = 4
    FILE = 5


HEADERS = ("Match", "Session", "Kind", "Time", "Tool", "File")
HIT = OBJECT  # the SearchHit, on every cell


class SearchResultsModel(ItemTableModel):
    headers = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root_prefix = ""
        self.query = Query(())

    def reset(self, root: Path | None) -> None:
        """Start a new result list; files under `root` are shown relative to it."""
        self.clear_rows()
        self._root_prefix = os.path.join(str(root), "") if root is not None else ""

    def add_hits(self, hits: list[SearchHit]) -> None:
        self.insert_rows(len(self._rows), hits)

    def hit(self, number: int) -> SearchHit:
        hit: SearchHit = self.row_object(number)
        return hit

    def cells(self, hit: SearchHit, number: int) -> list[QStandardItem]:
        path = str(hit.path)
        file_label = (
            path[len(self._root_prefix) :]
            if self._root_prefix and path.startswith(self._root_prefix)
            else hit.path.name
        )
        texts_and_keys = (
            (hit.snippet, hit.snippet.lower()),
            (hit.session_id, hit.session_id.lower()),
            (hit.kind.label, hit.kind.label),
            (local_time(hit.created_at), hit.created_at.timestamp() if hit.created_at else 0.0),
            (hit.tool or "", hit.tool or ""),
            (file_label, f"{path.lower()}\0{hit.row_id:015d}"),  # by store, then item
        )
        tooltip = (_TOOLTIP, f"{path}\n{hit.session_id}, item {hit.row_id}")
        extra: dict[Column, list[tuple[int, Any]]] = {
            Column.KIND: [(_FOREGROUND, _COLOURS[hit.kind])],
            Column.MATCH: [(RELEVANCE, relevance(hit.snippet, self.query))],
        }
        return [
            cell(text, hit, [(SORT, key), tooltip, *extra.get(column, [])])
            for column, (text, key) in zip(Column, texts_and_keys, strict=True)
        ]


class SearchResultsProxy(QSortFilterProxyModel):
    """Sorts on typed values (times as numbers), so sorting never compares display text."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT)
        self.setDynamicSortFilter(True)
