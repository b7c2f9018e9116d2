"""Charts of the views. Every chart is ``f(data, ax=None) -> Axes``.

Charts use matplotlib's object API (``Figure``), never pyplot's global state, so they are
safe in worker processes and in notebooks alike. With several replications a chart shows
the median and the 5–95% band.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from econsim.atomic import write_bytes
from econsim.metrics.series import Series

if TYPE_CHECKING:
    from econsim.metrics import Finance, Health, Inflation, Metrics, Peaks

UNHEALTHY = "#d62728"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]


def new_axes(ax: Axes | None, title: str) -> Axes:
    """The given axes, or fresh ones on a new figure."""
    if ax is None:
        ax = Figure(figsize=(7.5, 3.6), layout="constrained").subplots()
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    return ax


def figure_bytes(ax: Axes, fmt: str, dpi: int = 110) -> bytes:
    """The whole figure holding ``ax``, rendered as PNG or SVG bytes."""
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    return buf.getvalue()


def write_charts(charts: dict[str, Axes], folder: Path) -> list[Path]:
    """Every chart as ``folder/charts/NAME.png`` and ``.svg``, each written atomically."""
    written = []
    for name, ax in charts.items():
        for fmt in ("png", "svg"):
            path = folder / "charts" / f"{name}.{fmt}"
            write_bytes(path, figure_bytes(ax, fmt))
            written.append(path)
    return written


def band(ax: Axes, series: Series, label: str, color: str, step: bool = False) -> None:
    """Median line and, with several replications, the 5–95% band."""
    lo, med, hi = series.band()
    x = series.steps
    if step:
        ax.step(x, med, where="post", label=label, color=color)
    else:
        ax.plot(x, med, label=label, color=color)
    if series.values.shape[0] > 1:
        ax.fill_between(
            x, lo, hi, color=color, alpha=0.2, linewidth=0, step="post" if step else None
        )


def plot_health(health: Health, threshold: float, ax: Axes | None = None) -> Axes:
    """Consumption rate (30 days) and consumer share against the threshold."""
    ax = new_axes(ax, "Health: consumption rate and consumer share (30-day)")
    ax.axhspan(0, threshold, color=UNHEALTHY, alpha=0.08, label="unhealthy zone")
    ax.axhline(threshold, color=UNHEALTHY, linestyle="--", linewidth=1, label=f"{threshold:.0%}")
    band(ax, health.consumption_rate_30d, "consumption rate", PALETTE[0])
    band(ax, health.consumer_share, "consumer share", PALETTE[1])
    # consumption can exceed issuance in a 30-day window when savers spend old points
    top = np.nanmax(health.consumption_rate_30d.band()[2], initial=1.0)
    ax.set_ylim(0, max(1.05, float(top) * 1.05))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("day")
    ax.legend(loc="upper right", fontsize=8)
    return ax


def plot_issuance(health: Health, ax: Axes | None = None) -> Axes:
    """Cumulative points from behaviours: actual against the design's prediction."""
    ax = new_axes(ax, "Issuance: actual vs predicted (cumulative points)")
    band(ax, health.issued_cumulative, "actual", PALETTE[0])
    ax.plot(
        health.predicted_cumulative.steps,
        health.predicted_cumulative.mean(),
        color="black",
        linestyle="--",
        label="predicted",
    )
    ax.set_xlabel("day")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_inflation(inflation: Inflation, ax: Axes | None = None) -> Axes:
    """Catalog price index and month-over-month growth of outstanding points."""
    ax = new_axes(ax, "Inflation: catalog price index and point supply growth")
    band(ax, inflation.price_index, "price index (day 0 = 1)", PALETTE[3], step=True)
    ax.set_xlabel("day")
    ax.set_ylabel("price index")
    twin = ax.twinx()
    band(twin, inflation.supply_growth, "supply growth (month over month)", PALETTE[2])
    twin.yaxis.set_major_formatter(PercentFormatter(1.0))
    twin.set_ylabel("supply growth")
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=8)
    return ax


def plot_budget_burn(finance: Finance, currency: str, ax: Axes | None = None) -> Axes:
    """Money realised per budget period against each period's budget."""
    ax = new_axes(ax, f"Budget burn per period ({currency})")
    x = np.arange(finance.cost_per_period.steps.size)
    _, cost, _ = finance.cost_per_period.band()
    _, budget, _ = finance.budget_per_period.band()
    ax.bar(x, cost, color=PALETTE[0], label="cost realised")
    ax.step(
        np.append(x, x[-1] + 1) - 0.5,
        np.append(budget, budget[-1]),
        where="post",
        color=UNHEALTHY,
        label="budget",
    )
    ax.set_xticks(x, [str(d) for d in finance.cost_per_period.steps], fontsize=7)
    ax.set_xlabel("period starting day")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_liability(finance: Finance, currency: str, ax: Axes | None = None) -> Axes:
    """Outstanding liability in money."""
    ax = new_axes(ax, f"Outstanding liability ({currency})")
    band(ax, finance.liability, "liability", PALETTE[4])
    ax.set_xlabel("day")
    return ax


def plot_balances(finance: Finance, ax: Axes | None = None) -> Axes:
    """Outstanding points by tier (median), stacked."""
    ax = new_axes(ax, "Outstanding points by tier")
    series = list(finance.outstanding_by_tier.values())
    medians = [s.band()[1] for s in series]
    ax.stackplot(
        series[0].steps,
        medians,
        labels=list(finance.outstanding_by_tier),
        colors=PALETTE[: len(series)],
        alpha=0.8,
    )
    ax.set_xlabel("day")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def _compact(value: float) -> str:
    """1,200,000 → '1.2M', 45,000 → '45k': tick labels without an offset above the axis."""
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def plot_daily_flow(peaks: Peaks, ax: Axes | None = None) -> Axes:
    """Points issued and consumed per day: where a season, a festival or a campaign shows."""
    ax = new_axes(ax, "Points issued and consumed per day")
    band(ax, peaks.issued_daily, "issued", PALETTE[0])
    band(ax, peaks.consumed_daily, "consumed", PALETTE[1])
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _compact(v)))
    ax.set_xlabel("day")
    ax.set_ylabel("points per day")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def all_charts(metrics: Metrics, threshold: float, currency: str) -> dict[str, Axes]:
    """Every chart of a run, by file name stem."""
    makers: dict[str, Callable[[], Axes]] = {
        "health": lambda: plot_health(metrics.health, threshold),
        "issuance": lambda: plot_issuance(metrics.health),
        "daily_flow": lambda: plot_daily_flow(metrics.peaks),
        "inflation": lambda: plot_inflation(metrics.inflation),
        "budget_burn": lambda: plot_budget_burn(metrics.finance, currency),
        "liability": lambda: plot_liability(metrics.finance, currency),
        "balances": lambda: plot_balances(metrics.finance),
    }
    return {name: make() for name, make in makers.items()}
