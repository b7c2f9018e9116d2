"""Charts of the advisor: a study's trade-off and history, a tornado, global indices.

Every chart is ``f(data, ax=None) -> Axes``, like the run charts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from econsim.report.charts import PALETTE, UNHEALTHY, amounts, legend_outside, new_axes
from econsim.report.wording import short_path

if TYPE_CHECKING:
    from econsim.advisor.optimisation import Optimisation
    from econsim.advisor.sensitivity import Sensitivity

GREY = "#b0b0b0"
SHARE_FIGURES = {
    "consumption_rate",
    "consumer_share",
    "budget_used",
    "redeemer_share",
    "engagement",
    "supply_growth",
    "peak_burn",
}


def _axis(ax: Axes, figure: str, label: str, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    if figure in SHARE_FIGURES:
        target.set_major_formatter(PercentFormatter(1.0))
        target.set_label_text(label)
    else:
        amounts(ax, label, axis)


def _finite(x: float) -> float:
    return x if np.isfinite(x) else -np.inf


def _label(o: Optimisation, figure: str) -> str:
    """An axis label with its unit: money objectives in the scenario's currency."""
    words = figure.replace("_", " ")
    if figure == "cost_per_active_user":
        return f"{words} ({o.scenario.currency} per period)"
    if figure in ("cost", "liability"):
        return f"{words} ({o.scenario.currency})"
    return words


def _trade_off(o: Optimisation) -> tuple[str, str]:
    """The two figures the Pareto chart plots: both objectives, or the objective against the
    gating figure the box pushed hardest (the smallest mean slack among the feasible)."""
    if len(o.objectives) >= 2:
        return o.objectives[0].figure, o.objectives[1].figure
    first = o.objectives[0].figure
    if not o.constraints:
        return first, "consumer_share"
    slack = {c.figure: [] for c in o.constraints}  # type: dict[str, list[float]]
    for t in o.trials:
        for c, s in zip(o.constraints, t.slacks, strict=False):
            slack[c.figure].append(s)
    binding = max(slack, key=lambda f: float(np.median(slack[f])) if slack[f] else -np.inf)
    return first, binding


def plot_pareto(o: Optimisation, ax: Axes | None = None) -> Axes:
    """Every design on the trade-off: passing ones in colour, the front joined, the rest grey."""
    x_fig, y_fig = _trade_off(o)
    ax = new_axes(ax, "Designs tried: passing every gating verdict (colour) and not (grey)")
    ran = [t for t in o.trials if not t.refused]
    fail = [t for t in ran if not t.feasible]
    good = [t for t in ran if t.feasible]
    ax.scatter(
        [t.mean(x_fig) for t in fail],
        [t.mean(y_fig) for t in fail],
        s=18,
        c=GREY,
        marker="x",
        label="fails a gate",
    )
    ax.scatter(
        [t.mean(x_fig) for t in good],
        [t.mean(y_fig) for t in good],
        s=22,
        c=PALETTE[0],
        label="passes",
    )
    front = sorted(o.front(), key=lambda t: t.mean(x_fig))
    if len(o.objectives) >= 2 and front:
        ax.plot(
            [t.mean(x_fig) for t in front],
            [t.mean(y_fig) for t in front],
            "-o",
            c=PALETTE[1],
            ms=5,
            label="Pareto front",
        )
    best = o.best()
    if best is not None:
        ax.scatter(
            [best.mean(x_fig)],
            [best.mean(y_fig)],
            s=120,
            facecolors="none",
            edgecolors=UNHEALTHY,
            linewidths=1.8,
            label=f"best (trial {best.number})",
        )
    for c in o.constraints:
        if c.figure == y_fig:
            ax.axhline(c.threshold, color=UNHEALTHY, ls="--", lw=1, label=f"{c.name} line")
    _axis(ax, x_fig, _label(o, x_fig), "x")
    _axis(ax, y_fig, _label(o, y_fig))
    legend_outside(ax)
    return ax


def plot_history(o: Optimisation, ax: Axes | None = None) -> Axes:
    """The first objective of each trial in order, and the best passing design so far."""
    obj = o.objectives[0]
    ax = new_axes(ax, f"Optimisation history: {obj.name.replace('_', ' ')} per trial")
    ran = [t for t in o.trials if not t.refused]
    good = [t for t in ran if t.feasible]
    bad = [t for t in ran if not t.feasible]
    ax.scatter(
        [t.number for t in bad],
        [t.objectives[0] for t in bad],
        s=14,
        c=GREY,
        marker="x",
        label="fails a gate",
    )
    ax.scatter(
        [t.number for t in good],
        [t.objectives[0] for t in good],
        s=18,
        c=PALETTE[0],
        label="passes",
    )
    if good:
        pick = min if obj.direction == "minimize" else max
        xs, ys, best = [], [], None
        for t in sorted(good, key=lambda t: t.number):
            best = t.objectives[0] if best is None else pick(best, t.objectives[0])
            xs.append(t.number)
            ys.append(best)
        xs.append(max(t.number for t in o.trials))
        ys.append(ys[-1])
        ax.step(xs, ys, where="post", c=PALETTE[1], label="best passing so far")
    ax.set_xlabel("trial")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _axis(ax, obj.figure, _label(o, obj.figure))
    legend_outside(ax)
    return ax


def plot_tornado(s: Sensitivity, figure: str, ax: Axes | None = None) -> Axes:
    """Each field alone at its low and high end: the figure's change from the design."""
    ax = new_axes(ax, f"Tornado: {figure.replace('_', ' ')} with one field at each end")
    bars = sorted((b for b in s.bars if b.figure == figure), key=lambda b: b.swing)
    home = s.baseline[figure]
    labels = [short_path(b.path) for b in bars]
    y = np.arange(len(bars))
    ax.barh(y, [b.at_low - home for b in bars], left=home, color=PALETTE[0], label="at LOW")
    ax.barh(y, [b.at_high - home for b in bars], left=home, color=PALETTE[1], label="at HIGH")
    # each end marked too: a design already at one end of a range has a bar of no length
    ax.plot([b.at_low for b in bars], y, "o", color=PALETTE[0], ms=5, label="_ends")
    ax.plot([b.at_high for b in bars], y, "D", color=PALETTE[1], ms=5, label="_ends")
    ax.axvline(home, color="#444", lw=1, label="as designed")
    # bars stick to their base: the design's line would sit on the frame, unseen
    ax.use_sticky_edges = False
    ax.margins(x=0.08)
    ax.set_yticks(y, labels)
    _axis(ax, figure, figure.replace("_", " "), "x")
    legend_outside(ax)
    return ax


def plot_indices(s: Sensitivity, figure: str, ax: Axes | None = None) -> Axes:
    """Sobol S1 and ST (or Morris μ* and σ) of each field, with bootstrap intervals."""
    sobol = s.method == "sobol"
    kind = "Sobol indices" if sobol else "Morris elementary effects"
    ax = new_axes(ax, f"{kind}: {figure.replace('_', ' ')}")
    # the most influential field on top, as in the tornado
    rows = sorted((i for i in s.indices if i.figure == figure), key=lambda i: _finite(i.total))
    y = np.arange(len(rows))
    h = 0.38
    labels = [short_path(i.path) for i in rows]
    if sobol:
        ax.barh(
            y + h / 2,
            [i.first for i in rows],
            h,
            xerr=[i.first_conf for i in rows],
            color=PALETTE[0],
            label="first order S1",
        )
        ax.barh(
            y - h / 2,
            [i.total for i in rows],
            h,
            xerr=[i.total_conf for i in rows],
            color=PALETTE[1],
            label="total ST",
        )
        ax.set_xlabel("share of the figure's variance over the box")
    else:
        ax.barh(
            y + h / 2,
            [i.total for i in rows],
            h,
            xerr=[i.total_conf for i in rows],
            color=PALETTE[0],
            label="μ* (mean |effect|)",
        )
        ax.barh(
            y - h / 2,
            [i.spread for i in rows],
            h,
            color=PALETTE[1],
            label="σ (interaction, non-linearity)",
        )
        _axis(ax, figure, f"change in {figure.replace('_', ' ')} across a field's range", "x")
    ax.set_yticks(y, labels)
    legend_outside(ax)
    return ax


def optimisation_charts(o: Optimisation) -> dict[str, Axes]:
    if not any(not t.refused for t in o.trials):
        return {}
    return {"pareto": plot_pareto(o), "history": plot_history(o)}


def sensitivity_charts(s: Sensitivity) -> dict[str, Axes]:
    charts: dict[str, Axes] = {}
    for f in s.figures:
        charts[f"tornado_{f}"] = plot_tornado(s, f, _tall(len(s.box)))
        if s.indices:
            charts[f"{s.method}_{f}"] = plot_indices(s, f, _tall(len(s.box)))
    return charts


def _tall(bars: int) -> Axes:
    return Figure(figsize=(8.5, 1.4 + 0.45 * bars), layout="constrained").subplots()
