"""The report's chart: received and spent per fund in the month (PNG).

Drawn on a `matplotlib.figure.Figure` with the Agg canvas, never pyplot, so
it needs no display and no global state (the bridge draws it in a request
thread or in huey's consumer). matplotlib's own DejaVu Sans has every
Vietnamese letter."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.reports.monthly.month_figures import MonthReport

RECEIVED, SPENT = "#2e7d32", "#ef6c00"


def _millions(value: float, _position) -> str:
    return f"{value / 1_000_000:,.1f}".replace(",", " ").replace(".", ",") + " tr"


def write_chart(report: MonthReport, path: Path) -> Path:
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    names = [fund.name.removeprefix("Quỹ ") for fund in report.funds]
    places = range(len(names))
    width = 0.38
    received = axes.bar(
        [p - width / 2 for p in places],
        [fund.received for fund in report.funds],
        width,
        label="Đã nhận",
        color=RECEIVED,
    )
    spent = axes.bar(
        [p + width / 2 for p in places],
        [fund.spent for fund in report.funds],
        width,
        label="Đã chi",
        color=SPENT,
    )
    for bars in (received, spent):
        axes.bar_label(
            bars,
            labels=[_millions(bar.get_height(), None) for bar in bars],
            fontsize=8,
            padding=2,
        )
    axes.set_xticks(list(places), names)
    axes.yaxis.set_major_formatter(FuncFormatter(_millions))
    axes.set_title(f"Thu và chi theo quỹ, {report.title}")
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(y=0.15)
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path
