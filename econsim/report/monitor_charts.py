"""Charts of ``econsim monitor``: each watched figure against the plan's band, and the
forecast fan. Every chart is ``f(data, ax=None) -> Axes``, like the run charts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from econsim.report.charts import PALETTE, UNHEALTHY, amounts, legend_outside, new_axes

if TYPE_CHECKING:
    from econsim.monitor.forecast import Forecast
    from econsim.monitor.monitor import Monitoring
    from econsim.monitor.watch import Watch


def _dates(start: dt.date, days: int) -> np.ndarray:
    first = np.datetime64(start, "D")
    return np.arange(first, first + days)


def _unit_axis(ax: Axes, unit: str) -> None:
    if unit == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel("share")
    else:
        amounts(ax, unit)
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def plot_watch(w: Watch, ax: Axes | None = None) -> Axes:
    """Actual against the plan's median and 5–95% band; the day it left the band marked."""
    ax = new_axes(ax, f"{w.name}: actual vs the plan")
    x = _dates(w.start, w.actual.size)
    ax.fill_between(x, w.low, w.high, color=PALETTE[0], alpha=0.2, linewidth=0,
                    label="plan 5–95%")  # fmt: skip
    ax.plot(x, w.mid, color=PALETTE[0], linewidth=1, linestyle="--", label="plan median")
    ax.plot(x, w.actual, color="black", linewidth=1.4, label="actual")
    if w.left is not None:
        when = x[w.left]
        ax.axvline(when, color=UNHEALTHY, linewidth=1, linestyle=":")
        ax.plot([when], [w.actual[w.left]], "o", color=UNHEALTHY, ms=6,
                label=f"left the band {w.direction}, {w.left_date}")  # fmt: skip
    _unit_axis(ax, w.unit)
    legend_outside(ax)
    return ax


def plot_forecast(f: Forecast, name: str, actual: np.ndarray, ax: Axes | None = None) -> Axes:
    """The actual figure so far, then each forecast path's median and 5–95% fan."""
    from econsim.monitor.watch import WATCHED

    ax = new_axes(ax, f"Forecast: {name}, {f.periods} period(s) ahead")
    x = _dates(f.start, f.days)
    for i, path in enumerate(f.paths):
        low, mid, high = path.figures[name]
        colour = PALETTE[(i + 1) % len(PALETTE)]
        label = "design" if not path.overrides else "what-if: " + ", ".join(path.overrides)
        ax.fill_between(x, low, high, color=colour, alpha=0.18, linewidth=0)
        ax.plot(x, mid, color=colour, linewidth=1.2, label=label)
    ax.plot(x[: actual.size], actual, color="black", linewidth=1.4, label="actual")
    ax.axvline(x[f.as_of], color="#666", linewidth=1, linestyle=":")
    _unit_axis(ax, WATCHED[name][0])
    legend_outside(ax)
    return ax


def monitoring_charts(m: Monitoring) -> dict[str, Axes]:
    """Every watched figure against the band, and the forecast of each forecast figure."""
    charts = {f"band-{_slug(w.name)}": plot_watch(w) for w in m.band.watches}
    if m.forecast is not None:
        from econsim.monitor.forecast import FORECAST

        actual = {w.name: w.actual for w in m.band.watches}
        for name in FORECAST:
            charts[f"forecast-{_slug(name)}"] = plot_forecast(m.forecast, name, actual[name])
    return charts


def _slug(name: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in name.lower())
    return "-".join(p for p in keep.split("-") if p)
