"""The look shared by the app's tables: whole rows, one line each, no row numbers."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableView


def row_table(name: str, model: Any, widths: dict[Any, int]) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setHighlightSections(False)
    for column, width in widths.items():
        view.setColumnWidth(column, width)
    return view


def narrow_combo(combo: QComboBox, characters: int = 4) -> None:
    """A combo box that may be narrower than its longest entry (the list still shows it
    whole), so a pane keeps a small minimum width at a large font or 200% scale."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
