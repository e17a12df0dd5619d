"""Edit > Preferences: the settings a user may want to change, in one place.

The same settings have their own menu entries where they are used (Theme, Keep a
Search Index, Back Up Automatically); the dialog shows them together with those that
have no menu: the folder opened at start and the price table behind cost estimates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...util.pricing import Price, PriceTable, default_table
from ..theme import Theme

PRICE_HEADERS = ("Model", "Input, $ / 1M tokens", "Output, $ / 1M tokens")
THEME_NAMES = {Theme.SYSTEM: "Follow the system", Theme.LIGHT: "Light", Theme.DARK: "Dark"}


@dataclass(frozen=True)
class Preferences:
    start_folder: Path | None  # None: the folder opened last
    auto_backup: bool
    keep_index: bool
    theme: Theme
    prices: PriceTable


class PreferencesDialog(QDialog):
    def __init__(self, current: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferencesDialog")
        self.start_last = QRadioButton("The folder opened last (the demo folder the first time)")
        self.start_fixed = QRadioButton("Always this folder:")
        self.start_path = QLineEdit(str(current.start_folder or ""))
        self.start_path.setAccessibleName("Folder to open at start")
        self.choose_start = QPushButton("Choose…")
        self.auto_backup = QCheckBox("Back up a store automatically before changing it")
        self.keep_index = QCheckBox("Keep a search index in the app's cache folder")
        self.theme = QComboBox()
        self.theme.setAccessibleName("Theme")
        for theme, name in THEME_NAMES.items():
            self.theme.addItem(name, theme)
        self.prices = QTableWidget(0, len(PRICE_HEADERS))
        self.prices.setObjectName("priceTable")
        self.prices.setAccessibleName("Prices per model")
        self.price_model = QComboBox()
        self.price_model.setAccessibleName("Estimate costs at the prices of")
        self.problem = QLabel()
        self.problem.setObjectName("preferencesProblem")
        self.problem.setStyleSheet("color: #c0392b")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._lay_out()
        self._show(current)
        self._connect()

    def _lay_out(self) -> None:
        start = QGroupBox("At start, open")
        start_layout = QVBoxLayout(start)
        start_layout.addWidget(self.start_last)
        fixed = QHBoxLayout()
        fixed.addWidget(self.start_fixed)
        fixed.addWidget(self.start_path, 1)
        fixed.addWidget(self.choose_start)
        start_layout.addLayout(fixed)
        general = QGroupBox("Safety, search and looks")
        form = QFormLayout(general)
        form.addRow(self.auto_backup)
        form.addRow(self.keep_index)
        form.addRow("Theme:", self.theme)
        usage = QGroupBox("Cost estimates (the SDK does not record which model ran)")
        usage_layout = QVBoxLayout(usage)
        self.prices.setHorizontalHeaderLabels(PRICE_HEADERS)
        header = self.prices.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.prices.verticalHeader().hide()
        self.prices.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        usage_layout.addWidget(self.prices)
        row_buttons = QHBoxLayout()
        self.add_price = QPushButton("Add Model")
        self.remove_price = QPushButton("Remove Model")
        self.reset_prices = QPushButton("Restore Defaults")
        for button in (self.add_price, self.remove_price, self.reset_prices):
            row_buttons.addWidget(button)
        row_buttons.addStretch(1)
        usage_layout.addLayout(row_buttons)
        chosen = QFormLayout()
        chosen.addRow("Estimate at the prices of:", self.price_model)
        usage_layout.addLayout(chosen)
        layout = QVBoxLayout(self)
        for part in (start, general, usage):
            layout.addWidget(part)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(560, 620)

    def _show(self, current: Preferences) -> None:
        (self.start_fixed if current.start_folder else self.start_last).setChecked(True)
        self.auto_backup.setChecked(current.auto_backup)
        self.keep_index.setChecked(current.keep_index)
        self.theme.setCurrentIndex(self.theme.findData(current.theme))
        self._show_prices(current.prices)

    def _show_prices(self, table: PriceTable) -> None:
        self.prices.setRowCount(0)
        for name, price in table.prices.items():
            self._add_price_row(name, price)
        self._list_models(table.model)

    def _add_price_row(self, name: str = "", price: Price | None = None) -> None:
        row = self.prices.rowCount()
        self.prices.insertRow(row)
        texts = (name, f"{price.input:g}" if price else "", f"{price.output:g}" if price else "")
        for column, text in enumerate(texts):
            self.prices.setItem(row, column, QTableWidgetItem(text))

    def _list_models(self, chosen: str | None = None) -> None:
        chosen = chosen if chosen is not None else self.price_model.currentText()
        names = [self._cell(row, 0) for row in range(self.prices.rowCount())]
        self.price_model.blockSignals(True)
        self.price_model.clear()
        self.price_model.addItems([name for name in names if name])
        self.price_model.setCurrentIndex(max(0, self.price_model.findText(chosen)))
        self.price_model.blockSignals(False)

    def _connect(self) -> None:
        self.start_path.textEdited.connect(lambda _text: self.start_fixed.setChecked(True))
        self.choose_start.clicked.connect(self._choose_start)
        self.add_price.clicked.connect(self._on_add_price)
        self.remove_price.clicked.connect(self._on_remove_price)
        self.reset_prices.clicked.connect(lambda: self._show_prices(default_table()))
        self.prices.itemChanged.connect(self._on_price_changed)
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)

    def _on_price_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 0:  # a model renamed: the list of models to estimate at follows
            self._list_models()

    def _choose_start(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to open at start", "")
        if folder:
            self.start_path.setText(folder)
            self.start_fixed.setChecked(True)

    def _on_add_price(self) -> None:
        self._add_price_row()
        row = self.prices.rowCount() - 1
        self.prices.setCurrentCell(row, 0)
        if (name := self.prices.item(row, 0)) is not None:
            self.prices.editItem(name)

    def _on_remove_price(self) -> None:
        rows = sorted({index.row() for index in self.prices.selectedIndexes()}, reverse=True)
        for row in rows:
            self.prices.removeRow(row)
        self._list_models()

    def _cell(self, row: int, column: int) -> str:
        item = self.prices.item(row, column)
        return item.text().strip() if item is not None else ""

    # --- the answer

    def chosen(self) -> Preferences:
        """What the dialog shows; raises ValueError saying what is wrong with it."""
        start = None
        if self.start_fixed.isChecked():
            if not self.start_path.text().strip():
                raise ValueError("Choose the folder to open at start.")
            start = Path(self.start_path.text().strip()).expanduser()
            if not start.is_dir():
                raise ValueError(f"{start} is not a folder: choose one to open at start.")
        return Preferences(
            start,
            self.auto_backup.isChecked(),
            self.keep_index.isChecked(),
            Theme(self.theme.currentData()),
            PriceTable(self._price_rows(), self.price_model.currentText()),
        )

    def _price_rows(self) -> dict[str, Price]:
        prices: dict[str, Price] = {}
        for row in range(self.prices.rowCount()):
            name = self._cell(row, 0)
            if not name:
                raise ValueError(f"Row {row + 1} of the price table has no model name.")
            if name in prices:
                raise ValueError(f"{name} is in the price table twice.")
            try:
                price = Price(float(self._cell(row, 1)), float(self._cell(row, 2)))
            except ValueError:
                raise ValueError(f"The prices of {name} must be numbers.") from None
            if price.input < 0 or price.output < 0:
                raise ValueError(f"The prices of {name} cannot be negative.")
            prices[name] = price
        return prices

    def _on_ok(self) -> None:
        try:
            self.chosen()
        except ValueError as problem:
            self.problem.setText(str(problem))
            return
        self.accept()
