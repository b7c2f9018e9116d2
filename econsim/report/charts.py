"""Charts of the views. Every chart is ``f(data, ax=None) -> Axes``.

Charts use matplotlib's object API (``Figure``), never pyplot's global state, so they are
safe in worker processes and in notebooks alike. With several replications a chart shows
the median and the 5–95% band.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter
from numpy.typing import NDArray

from econsim.atomic import write_bytes
from econsim.metrics.series import Series

if TYPE_CHECKING:
    from econsim.metrics import (
        Activity,
        Books,
        Finance,
        Health,
        Inflation,
        Metrics,
        Peaks,
        Retention,
        Sources,
    )

UNHEALTHY = "#d62728"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]


def new_axes(ax: Axes | None, title: str) -> Axes:
    """The given axes, or fresh ones on a new figure."""
    if ax is None:
        ax = Figure(figsize=(8.5, 3.6), layout="constrained").subplots()
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    return ax


def compact(value: float) -> str:
    """1,200,000 → '1.2M', 45,000 → '45k': tick labels with no offset above the axis."""
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def amounts(ax: Axes, label: str, axis: str = "y") -> None:
    """Points or money on an axis: readable ticks (k, M) and the unit in the label."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    target.set_label_text(label)


def legend_outside(ax: Axes, handles: tuple[list[Any], list[str]] | None = None) -> None:
    """The legend to the right of the plot, where it never covers the data."""
    lines, labels = handles or ax.get_legend_handles_labels()
    ax.legend(lines, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8,
              frameon=False)  # fmt: skip


def figure_bytes(ax: Axes, fmt: str, dpi: int = 110) -> bytes:
    """The whole figure holding ``ax``, rendered as PNG or SVG bytes — once: a chart's PNG
    is both a file in charts/ and the picture in report.html."""
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    rendered: dict[tuple[str, int], bytes] = fig.__dict__.setdefault("_econsim_rendered", {})
    if (fmt, dpi) not in rendered:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi)
        rendered[fmt, dpi] = buf.getvalue()
        fig.set_layout_engine("none")  # laid out by the first drawing; keep, not redo
    return rendered[fmt, dpi]


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


def plot_health(health: Health, ax: Axes | None = None) -> Axes:
    """What the health verdicts judge, against their thresholds: the consumption rate since
    the start (points consumed / issued) and the consumer share of the last 30 days; the
    last 30 days' consumption rate beside them, thin, to show the trend."""
    ax = new_axes(ax, "Health: consumption rate and consumer share")
    limits = {v.name: v.threshold for v in health.verdicts if v.kind == "health"}
    lowest = min(limits.values())
    ax.axhspan(0, lowest, color=UNHEALTHY, alpha=0.08, label="unhealthy zone")
    for limit in sorted(set(limits.values())):  # one line for a threshold both share
        names = [n for n, v in limits.items() if v == limit]
        ax.axhline(limit, color=UNHEALTHY, linestyle="--", linewidth=1)
        said = f"{limit:.0%} threshold" + ("" if len(names) == len(limits) else f": {names[0]}")
        ax.annotate(said, (0.0, limit), xycoords=("axes fraction", "data"), xytext=(4, 3),
                    textcoords="offset points", color=UNHEALTHY, fontsize=8)  # fmt: skip
    band(ax, health.consumption_rate, "consumption rate since the start", PALETTE[0])
    band(ax, health.consumer_share, "consumer share, last 30 days", PALETTE[1])
    _, recent, _ = health.consumption_rate_30d.band()
    ax.plot(health.consumption_rate_30d.steps, recent, color=PALETTE[0], linewidth=0.8,
            linestyle=":", label="consumption rate, last 30 days")  # fmt: skip
    # consumption can exceed issuance in a 30-day window when savers spend old points
    top = np.nanmax(health.consumption_rate_30d.band()[2], initial=1.0)
    ax.set_ylim(0, max(1.05, float(top) * 1.05))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("day")
    ax.set_ylabel("share")
    legend_outside(ax)
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
    amounts(ax, "points issued so far")
    legend_outside(ax)
    return ax


def _finite_range(series: Series) -> tuple[float, float] | None:
    lo, _, hi = series.band()
    both = np.concatenate([lo, hi])
    both = both[np.isfinite(both)]
    return (float(both.min()), float(both.max())) if both.size else None


def plot_inflation(inflation: Inflation, ax: Axes | None = None) -> Axes:
    """Catalog price index and month-over-month growth of outstanding points."""
    ax = new_axes(ax, "Inflation: catalog price index and point supply growth")
    band(ax, inflation.price_index, "price index (day 0 = 1)", PALETTE[3], step=True)
    # a flat index is drawn flat: at least 0.9–1.1 around it, not magnified noise
    lo, hi = _finite_range(inflation.price_index) or (1.0, 1.0)
    ax.set_ylim(min(0.9, lo - 0.02), max(1.1, hi + 0.02))
    ax.set_xlabel("day")
    ax.set_ylabel("price index (day 0 = 1)")
    twin = ax.twinx()
    band(twin, inflation.supply_growth, "supply growth (month over month)", PALETTE[2])
    span = _finite_range(inflation.supply_growth)
    if span is not None:  # growth from an empty book is not finite: keep every finite point in
        pad = max(0.05 * (span[1] - span[0]), 0.01)
        twin.set_ylim(min(0.0, span[0] - pad), span[1] + pad)
    twin.yaxis.set_major_formatter(PercentFormatter(1.0))
    twin.set_ylabel("supply growth per month")
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left",
              bbox_to_anchor=(1.12, 1.0), fontsize=8, frameon=False)  # fmt: skip
    return ax


def plot_budget_burn(
    finance: Finance,
    currency: str,
    reserve_share: float = 0.0,
    ax: Axes | None = None,
    part_days: int = 0,
) -> Axes:
    """Money realised per budget period against each period's budget, and the part of it
    the calibration plans to spend (the budget less its reserve). ``part_days``: the days of
    a part period at the end of the horizon (its bar hatched, its budget pro-rated)."""
    ax = new_axes(ax, f"Budget burn per period ({currency})")
    x = np.arange(finance.cost_per_period.steps.size)
    _, cost, _ = finance.cost_per_period.band()
    _, budget, _ = finance.budget_per_period.band()
    bars = ax.bar(x, cost, color=PALETTE[0], label="cost realised")
    if part_days:
        bars[-1].set_hatch("///")
        bars[-1].set_facecolor("white")
        bars[-1].set_edgecolor(PALETTE[0])
        bars[-1].set_label(f"part period ({part_days} days, not judged)")
    edges = np.append(x, x[-1] + 1) - 0.5
    ax.step(edges, np.append(budget, budget[-1]), where="post", color=UNHEALTHY, label="budget")
    if reserve_share > 0:
        usable = budget * (1 - reserve_share)
        label = f"usable: budget less the {reserve_share:.0%} reserve"
        ax.step(edges, np.append(usable, usable[-1]), where="post", color=UNHEALTHY,
                linestyle=":", label=label)  # fmt: skip
    ax.set_xticks(x, [str(d) for d in finance.cost_per_period.steps], fontsize=7)
    ax.set_xlabel("period starting day")
    amounts(ax, currency)
    legend_outside(ax)
    return ax


def plot_liability(finance: Finance, currency: str, ax: Axes | None = None) -> Axes:
    """Outstanding liability in money."""
    ax = new_axes(ax, f"Outstanding liability ({currency})")
    band(ax, finance.liability, "liability", PALETTE[4])
    ax.set_xlabel("day")
    amounts(ax, currency)
    legend_outside(ax)
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
    amounts(ax, "points outstanding")
    legend_outside(ax)
    return ax


def plot_daily_flow(peaks: Peaks, ax: Axes | None = None) -> Axes:
    """Points issued and consumed per day: where a season, a festival or a campaign shows."""
    ax = new_axes(ax, "Points issued and consumed per day")
    band(ax, peaks.issued_daily, "issued", PALETTE[0])
    band(ax, peaks.consumed_daily, "consumed", PALETTE[1])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("day")
    amounts(ax, "points per day")
    legend_outside(ax)
    return ax


def plot_aging(books: Books, ax: Axes | None = None) -> Axes:
    """Outstanding points at the horizon by when they expire, stacked by tier."""
    ax = new_axes(ax, "Outstanding points by when they expire (at the horizon)")
    x = np.arange(len(books.aging_labels))
    bottom = np.zeros(x.size)
    for i, (tier, values) in enumerate(books.aging.items()):
        ax.bar(x, values, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=tier)
        bottom = bottom + values
    labels = [f"within {b}" if b[0].isdigit() else b for b in books.aging_labels]
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_xlabel("expires")
    amounts(ax, "points outstanding")
    legend_outside(ax)
    return ax


def plot_activity(activity: Activity, ax: Axes | None = None) -> Axes:
    """DAU, WAU and MAU (members) on ``ax``; stickiness (DAU / MAU) in a panel below it on
    a new figure (on given axes, on the right-hand axis): on one pair of axes the DAU line
    and the stickiness line, near proportional, lie on one another."""
    if ax is None:
        fig = Figure(figsize=(8.5, 4.6), layout="constrained")
        ax, below = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
        below.grid(alpha=0.3)
    else:
        below = ax.twinx()
    ax.set_title("Active members: daily, weekly, monthly; stickiness", loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    for i, s in enumerate((activity.mau, activity.wau, activity.dau)):
        band(ax, s, s.name, PALETTE[i])
    ax.set_ylim(bottom=0)
    amounts(ax, "members")
    band(below, activity.stickiness, "stickiness (DAU / MAU)", PALETTE[3])
    below.set_ylim(0, 1.05)
    below.yaxis.set_major_formatter(PercentFormatter(1.0))
    below.set_ylabel("stickiness")
    below.set_xlabel("day")
    lines, labels = ax.get_legend_handles_labels()
    more, names = below.get_legend_handles_labels()
    ax.legend(lines + more, labels + names, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              fontsize=8, frameon=False)  # fmt: skip
    return ax


def plot_retention(retention: Retention, ax: Axes | None = None) -> Axes:
    """The cohort triangle: each month's new members (rows) active in each month after
    joining (columns), as a heatmap with the shares written in."""
    ax = new_axes(ax, "Cohort retention: share of each month's new members active")
    ax.grid(False)
    keep = retention.sizes > 0
    grid = retention.triangle[keep]
    labels = [c for c, k in zip(retention.cohorts, keep, strict=True) if k]
    if grid.size:
        image = ax.imshow(grid, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
        for (i, j), x in np.ndenumerate(grid):
            if np.isfinite(x):
                ax.text(j, i, f"{x:.0%}", ha="center", va="center", fontsize=7,
                        color="white" if x > 0.6 else "black")  # fmt: skip
        ax.figure.colorbar(image, ax=ax, format=PercentFormatter(1.0), label="active")
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xticks(range(grid.shape[1]), [str(a) for a in range(grid.shape[1])], fontsize=7)
    ax.set_xlabel("months after joining")
    ax.set_ylabel("cohort (month joined)")
    return ax


#: The most sources or items a stacked chart shows by name; the rest are one "other" layer.
STACKED = 8


def _stacked(ax: Axes, sources: Sources, layers: dict[str, NDArray[Any]]) -> None:
    """Bars per budget period, one layer per name, largest first (small ones as "other")."""
    starts = sources.period_starts
    widths = np.diff(np.append(starts, sources.days))
    ranked = sorted(layers, key=lambda n: -float(layers[n].sum()))
    ranked = [n for n in ranked if layers[n].sum() > 0]
    shown = ranked if len(ranked) <= STACKED else ranked[: STACKED - 1]
    rest = [n for n in ranked if n not in shown]
    parts = [(n, layers[n]) for n in shown]
    if rest:
        parts.append((f"other ({len(rest)})", np.sum([layers[n] for n in rest], axis=0)))
    bottom = np.zeros(starts.size)
    colours = [*PALETTE, "#7f7f7f", "#bcbd22", "#17becf"]
    for i, (name, values) in enumerate(parts):
        ax.bar(starts, values, width=widths * 0.9, bottom=bottom, align="edge",
               color=colours[i % len(colours)], label=name)  # fmt: skip
        bottom = bottom + values
    ax.set_xlabel("day (budget periods)")
    lines, labels = ax.get_legend_handles_labels()
    legend_outside(ax, (lines[::-1], labels[::-1]))  # top to bottom, as stacked


def plot_sources(sources: Sources, ax: Axes | None = None) -> Axes:
    """Points issued per budget period, stacked by where they came from."""
    ax = new_axes(ax, "Where the points come from: issued per period by source")
    _stacked(ax, sources, sources.issued_by_period)
    amounts(ax, "points issued")
    return ax


def plot_consumption(sources: Sources, ax: Axes | None = None) -> Axes:
    """Points consumed per budget period, stacked by the item or game that took them."""
    ax = new_axes(ax, "Where the points go: consumed per period by item")
    _stacked(ax, sources, sources.consumed_by_period)
    amounts(ax, "points consumed")
    return ax


def _part_days(metrics: Metrics) -> int:
    part = metrics.peaks.part_period
    return part.days if part else 0


def all_charts(metrics: Metrics, currency: str, reserve_share: float = 0.0) -> dict[str, Axes]:
    """Every chart of a run, by file name stem."""
    makers: dict[str, Callable[[], Axes]] = {
        "health": lambda: plot_health(metrics.health),
        "issuance": lambda: plot_issuance(metrics.health),
        "daily_flow": lambda: plot_daily_flow(metrics.peaks),
        "activity": lambda: plot_activity(metrics.activity),
        "retention": lambda: plot_retention(metrics.retention),
        "inflation": lambda: plot_inflation(metrics.inflation),
        "budget_burn": lambda: plot_budget_burn(
            metrics.finance, currency, reserve_share, part_days=_part_days(metrics)
        ),
        "liability": lambda: plot_liability(metrics.finance, currency),
        "balances": lambda: plot_balances(metrics.finance),
        "aging": lambda: plot_aging(metrics.books),
        "sources": lambda: plot_sources(metrics.sources),
        "consumption": lambda: plot_consumption(metrics.sources),
    }
    return {name: make() for name, make in makers.items()}
