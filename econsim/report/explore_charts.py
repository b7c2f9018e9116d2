"""Charts for exploring designs: a figure across a sweep, and designs overlaid.

Every chart is ``f(data, ax=None) -> Axes``, like the run charts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from econsim.metrics.figures import UNITS, figure_label
from econsim.metrics.series import Series
from econsim.report.charts import PALETTE, UNHEALTHY, amounts, band, legend_outside, new_axes

if TYPE_CHECKING:
    from econsim.explore.compare import Comparison
    from econsim.explore.sweep import Sweep
    from econsim.pipeline import Run

#: The figures a sweep charts, and a title for each.
SWEEP_FIGURES = {
    "consumption_rate": "Consumption rate",
    "consumer_share": "Consumer share (last 30 days)",
    "budget_used": "Budget used over the horizon",
    "cost": "Cost realised",
    "liability": "Outstanding liability at the horizon",
}


def _numeric(values: tuple[object, ...]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _percent(ax: Axes, figure: str, currency: str, axis: str = "y") -> None:
    """Shares as percentages; points and money with readable ticks and their unit (money
    in the scenario's currency)."""
    unit = UNITS.get(figure)
    target = ax.yaxis if axis == "y" else ax.xaxis
    if unit == "share":
        target.set_major_formatter(PercentFormatter(1.0))
    elif unit is not None:
        amounts(ax, currency if unit == "money" else unit, axis)


def plot_sweep_line(s: Sweep, figure: str, ax: Axes | None = None) -> Axes:
    """A figure against the one swept parameter: mean and 5–95% band, threshold line."""
    ax = new_axes(ax, f"{SWEEP_FIGURES.get(figure, figure)} against {s.paths[0]}")
    values = s.parameters[0].values
    x = np.asarray(values, dtype=float) if _numeric(values) else np.arange(len(values))
    done = [row["point"] for row in s.rows]
    xs = x[done]
    mean = np.array(s.column(f"{figure}_mean"))
    ax.plot(xs, mean, marker="o", color=PALETTE[0], label="mean")
    ax.fill_between(
        xs, s.column(f"{figure}_p5"), s.column(f"{figure}_p95"), color=PALETTE[0], alpha=0.2,
        linewidth=0, label="5–95% of replications",
    )  # fmt: skip
    if not _numeric(values):
        ax.set_xticks(x, [str(v) for v in values])
    if figure in s.thresholds:
        t = s.thresholds[figure]
        ax.axhline(t, color=UNHEALTHY, linestyle="--", linewidth=1, label=f"threshold {t:.0%}")
    ax.set_xlabel(s.paths[0])
    _percent(ax, figure, s.currency)
    legend_outside(ax)
    return ax


def plot_sweep_heatmap(s: Sweep, figure: str, ax: Axes | None = None) -> Axes:
    """A figure's mean over two swept parameters, with the threshold as a contour."""
    from econsim.explore.sweep import figure_grid

    ax = new_axes(ax, f"{SWEEP_FIGURES.get(figure, figure)} (mean)")
    ax.grid(False)
    z = figure_grid(s, figure)
    if z.ndim != 2:
        raise ValueError("a heat map needs exactly two swept parameters (a full grid)")
    px, py = s.parameters[1], s.parameters[0]
    image = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
    cbar = ax.get_figure(root=True).colorbar(image, ax=ax)  # type: ignore[union-attr]
    if UNITS.get(figure) == "share":
        cbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if figure in s.thresholds and np.isfinite(z).sum() >= 4 and min(z.shape) >= 2:
        t = s.thresholds[figure]
        if np.nanmin(z) < t < np.nanmax(z):
            ax.contour(z, levels=[t], colors=UNHEALTHY, linewidths=2, linestyles="--")
    ax.set_xticks(range(len(px.values)), [f"{v:g}" if _numeric((v,)) else str(v)
                                         for v in px.values], fontsize=8)  # fmt: skip
    ax.set_yticks(range(len(py.values)), [f"{v:g}" if _numeric((v,)) else str(v)
                                         for v in py.values], fontsize=8)  # fmt: skip
    ax.set_xlabel(px.path)
    ax.set_ylabel(py.path)
    for (i, j), value in np.ndenumerate(z):
        if np.isfinite(value):
            text = f"{value:.0%}" if UNITS.get(figure) == "share" else f"{value:,.3g}"
            # viridis is bright at the top of its scale: dark text there
            light = float(np.asarray(image.norm(value))) > 0.6
            color = "black" if light else "white"
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color=color)
    return ax


def _alike(series: list[Series], labels: tuple[str, ...]) -> list[tuple[Series, str]]:
    """The distinct series, each with the labels of every design that has it ("A = B")."""
    groups: list[tuple[Series, list[str]]] = []
    for one, label in zip(series, labels, strict=True):
        same = next((g for g in groups if np.array_equal(g[0].values, one.values,
                                                          equal_nan=True)), None)  # fmt: skip
        if same is None:
            groups.append((one, [label]))
        else:
            same[1].append(label)
    return [(one, " = ".join(names)) for one, names in groups]


def sweep_charts(s: Sweep) -> dict[str, Axes]:
    """The sweep's charts by file stem: lines for one parameter (or paired values), heat
    maps for a grid of two; none beyond that (the index holds every point)."""
    if not s.rows:
        return {}
    if len(s.parameters) == 1 or s.paired:
        return {name: plot_sweep_line(s, name) for name in SWEEP_FIGURES}
    if len(s.parameters) == 2:
        return {name: plot_sweep_heatmap(s, name) for name in SWEEP_FIGURES}
    return {}


def plot_overlay(
    runs: tuple[Run, ...],
    labels: tuple[str, ...],
    pick: Callable[[Run], Series],
    title: str,
    threshold: float | None = None,
    ax: Axes | None = None,
    currency: str = "",
) -> Axes:
    """One daily series of several designs on the same axes (median and 5–95% band).
    Designs whose series are equal are drawn once, labelled together ("A = B"): a line
    hidden under another is a design the reader cannot find."""
    ax = new_axes(ax, title)
    if threshold is not None:
        ax.axhspan(0, threshold, color=UNHEALTHY, alpha=0.08)
        ax.axhline(
            threshold, color=UNHEALTHY, linestyle="--", linewidth=1,
            label=f"{threshold:.0%} threshold",
        )  # fmt: skip
    for i, (series, label) in enumerate(_alike([pick(r) for r in runs], labels)):
        band(ax, series, label, PALETTE[i % len(PALETTE)])
    series = pick(runs[0])
    if series.unit == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    elif series.unit in ("points", "money"):
        amounts(ax, currency if series.unit == "money" and currency else series.unit)
    ax.set_xlabel("day")
    legend_outside(ax)
    return ax


def plot_differences(c: Comparison, ax: Axes | None = None, most: int = 12) -> Axes:
    """The key figures that differ from the first design (95% interval excluding zero), as
    relative changes with their intervals — the figures a comparison is about, whatever
    their units. Up to ``most``, the largest changes first."""
    base = c.labels[0]
    ax = new_axes(ax, f"What differs from {base} (relative change, 95% interval)")
    found = [d for d in c.differences()
             if d.significant and d.base != 0 and np.isfinite(d.base)]  # fmt: skip
    found.sort(key=lambda d: -abs(d.difference / d.base))
    found = found[:most]
    if not found:
        ax.text(0.5, 0.5, f"no key figure differs from {base} beyond its 95% interval",
                ha="center", va="center", transform=ax.transAxes)  # fmt: skip
        ax.set_axis_off()
        return ax
    names = list(dict.fromkeys(d.figure for d in found))
    designs = list(dict.fromkeys(d.design for d in found))
    height = 0.8 / len(designs)
    for j, design in enumerate(designs):
        rows = [(names.index(d.figure), d) for d in found if d.design == design]
        y = np.array([i for i, _ in rows]) + (j - (len(designs) - 1) / 2) * height
        scale = np.array([abs(d.base) for _, d in rows])
        change = np.array([d.difference for _, d in rows]) / scale
        low = change - np.array([d.low for _, d in rows]) / scale
        high = np.array([d.high for _, d in rows]) / scale - change
        ax.barh(y, change, height=height, color=PALETTE[(j + 1) % len(PALETTE)],
                xerr=np.vstack([low, high]), capsize=2, label=design)  # fmt: skip
    ax.set_yticks(range(len(names)), [figure_label(n) for n in names], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"change against {base}")
    legend_outside(ax)
    return ax


def compare_charts(c: Comparison) -> dict[str, Axes]:
    """The comparison's charts by file stem: what differs, then daily series overlaid."""
    first = c.runs[0].scenario.health
    cur = c.runs[0].scenario.currency
    return {
        "differences": plot_differences(c),
        "consumption_rate": plot_overlay(
            c.runs, c.labels, lambda r: r.metrics.health.consumption_rate,
            "Consumption rate since the start", first.consumption_threshold,
        ),
        "consumer_share": plot_overlay(
            c.runs, c.labels, lambda r: r.metrics.health.consumer_share,
            "Consumer share (last 30 days)", first.consumer_share_threshold,
        ),
        "liability": plot_overlay(
            c.runs, c.labels, lambda r: r.metrics.finance.liability,
            f"Outstanding liability ({cur})", currency=cur,
        ),
        "price_index": plot_overlay(
            c.runs, c.labels, lambda r: r.metrics.inflation.price_index, "Catalog price index",
        ),
    }  # fmt: skip
