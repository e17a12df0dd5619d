"""The stats panel's bar charts (QtCharts), made ready to place.

A module of its own so that QtCharts is imported when the first chart is drawn,
not while the app starts.
"""

from __future__ import annotations

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


def bar_chart(title: str, values: list[tuple[str, int]], *, horizontal: bool) -> QChartView:
    bars = QBarSet(title)
    for _, value in values:
        bars.append(value)
    series = QHorizontalBarSeries() if horizontal else QBarSeries()
    series.append(bars)
    series.setLabelsVisible(True)
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
    value_axis.setRange(0, max(1.0, _largest(series) * 1.15))
    value_axis.applyNiceNumbers()  # whole-number ticks, so "%d" never repeats a label
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
