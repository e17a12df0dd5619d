"""The stats panel's bar charts (QtCharts), made ready to place.

A module of its own so that QtCharts is imported when the first chart is drawn,
not while the app starts.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPalette

Series = QBarSeries | QHorizontalBarSeries | QStackedBarSeries
LABEL_DIGITS = 15  # significant digits of bar labels: counts print in full
MOST_TICKS = 6


def whole_number_ticks(largest: float, most: int = MOST_TICKS) -> tuple[int, int]:
    """An axis top and tick count whose ticks are all whole numbers (1, 2 or 5 times a
    power of ten apart), with room above the largest bar: (1, 2) for an empty chart,
    where Qt's own "nice numbers" gave 0, 0.2 ... 1, printed "0, 0, 0, 0, 0, 1"."""
    wanted = max(1, math.ceil(largest * 1.15))
    step = 1
    while math.ceil(wanted / step) > most - 1:
        step = _next_step(step)
    top = math.ceil(wanted / step) * step
    return top, top // step + 1


def _next_step(step: int) -> int:
    """1, 2, 5, 10, 20, 50, 100, ..."""
    return step * 5 // 2 if str(step)[0] == "2" else step * 2


def bar_chart(title: str, values: list[tuple[str, int]], *, horizontal: bool) -> QChartView:
    bars = QBarSet(title)
    for _, value in values:
        bars.append(value)
    series = QHorizontalBarSeries() if horizontal else QBarSeries()
    series.append(bars)
    series.setLabelsVisible(True)
    series.setLabelsPrecision(LABEL_DIGITS)  # 1000000, not "1e+06"
    return _view(title, series, [label for label, _ in values], horizontal=horizontal)


def usage_chart(turns: list[dict[str, Any]]) -> QChartView:
    """Input and output tokens per user turn, stacked; turns of other branches say which."""
    inputs, outputs = QBarSet("input tokens"), QBarSet("output tokens")
    for turn in turns:
        inputs.append(turn["input_tokens"] or 0)
        outputs.append(turn["output_tokens"] or 0)
    series = QStackedBarSeries()
    series.append(inputs)
    series.append(outputs)
    labels = [
        f"{t['branch_id']}:{t['user_turn_number']}"
        if t["branch_id"] != "main"
        else str(t["user_turn_number"])
        for t in turns
    ]
    return _view("Tokens per turn", series, labels, horizontal=False, legend=True)


def _view(
    title: str, series: Series, categories: list[str], *, horizontal: bool, legend: bool = False
) -> QChartView:
    chart = QChart()
    chart.setTitle(title)
    chart.addSeries(series)
    chart.legend().setVisible(legend)
    if _is_dark():
        chart.setTheme(QChart.ChartTheme.ChartThemeDark)
    category_axis = QBarCategoryAxis()
    category_axis.append(categories or [""])
    value_axis = QValueAxis()
    value_axis.setLabelFormat("%d")
    top, ticks = whole_number_ticks(_largest(series))
    value_axis.setRange(0, top)
    value_axis.setTickCount(ticks)  # every tick a whole number: "%d" never repeats a label
    chart.addAxis(
        category_axis,
        Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom,
    )
    chart.addAxis(
        value_axis, Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft
    )
    series.attachAxis(category_axis)
    series.attachAxis(value_axis)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(220)
    return view


def _largest(series: Series) -> float:
    sets = series.barSets()
    if isinstance(series, QStackedBarSeries):
        columns = max((s.count() for s in sets), default=0)
        return max((sum(s.at(i) for s in sets) for i in range(columns)), default=0.0)
    return max((s.at(i) for s in sets for i in range(s.count())), default=0.0)


def _is_dark() -> bool:
    return QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
