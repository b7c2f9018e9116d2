"""Charts of a fitted history: an amount distribution against its data; RFM segments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from econsim.report.charts import PALETTE, new_axes

if TYPE_CHECKING:
    from econsim.history.fit import AmountFit
    from econsim.history.rfm import RFM


def plot_amount_fit(a: AmountFit, ax: Axes | None = None) -> Axes:
    """Histogram of amounts (log-spaced bins) with the fitted density; KS distance in title."""
    ax = new_axes(ax, f"{a.behaviour} amounts, tier {a.tier}: {a.distribution} "
                      f"(mean {a.mean:,.4g}, cv {a.cv:.2f}, KS {a.ks:.3f}, n {a.n:,})")  # fmt: skip
    x = a.amounts
    if a.fitted is None:  # "fixed": every amount the same, a spike, not a density
        ax.axvline(a.mean, color=PALETTE[1], label=f"every amount is {a.mean:,.4g}")
        ax.set_xlim(a.mean * 0.5, a.mean * 1.5)
    else:
        bins = np.geomspace(max(float(x.min()), 1e-9), float(x.max()), 40)
        ax.hist(x, bins=bins.tolist(), density=True, color=PALETTE[0], alpha=0.5,
                label="history")  # fmt: skip
        grid = np.geomspace(bins[0], bins[-1], 400)
        ax.plot(grid, a.fitted.pdf(grid), color=PALETTE[1], label=f"fitted {a.distribution}")
        ax.set_xscale("log")
    ax.set_xlabel("amount per occurrence")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    return ax


def plot_segments(rfm: RFM, ax: Axes | None = None) -> Axes:
    """Share of users in each of the 8 RFM value classes, most valuable first."""
    ax = new_axes(ax, "RFM value classes")
    counts = rfm.counts()
    total = max(sum(counts.values()), 1)
    names = list(counts)
    shares = [counts[k] / total for k in names]
    colors = [PALETTE[0] if k.startswith("important") else PALETTE[1] for k in names]
    ax.barh(names[::-1], shares[::-1], color=colors[::-1])
    for i, (share, k) in enumerate(zip(shares[::-1], names[::-1], strict=True)):
        ax.text(share, i, f" {counts[k]:,}", va="center", fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of users")
    return ax
