"""The peak-period table: the costliest periods beside their budgets, stock-outs and season."""

from __future__ import annotations

from typing import TYPE_CHECKING

from econsim.metrics import Period

if TYPE_CHECKING:
    from econsim.pipeline import Run

HEADERS = ["period", "from", "season ×", "cost", "budget", "burn", "points issued", "stock-outs"]


def peak_rows(run: Run, count: int = 3) -> list[Period]:
    """The ``count`` costliest periods, plus the worst-burn one when it is not among them."""
    peaks = run.metrics.peaks
    rows = peaks.top(count)
    worst = max(peaks.periods, key=lambda p: p.burn)
    return rows if worst in rows else [*rows, worst]


def cells(p: Period) -> list[str]:
    burn = f"{p.burn:.0%}" if p.budget > 0 else "no budget"
    return [
        str(p.number),
        f"{p.start:%Y-%m-%d}",
        f"{p.season:.2f}",
        f"{p.cost:,.0f}",
        f"{p.budget:,.0f}",
        burn,
        f"{p.issued:,.0f}",
        f"{p.stock_outs:,.0f}",
    ]


NOTE = (
    "The costliest periods of the horizon, means over replications; season × is the "
    "calendar's mean multiplier on activity in the period (1 = an average period)."
)
