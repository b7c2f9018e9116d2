"""The peak-period table: the costliest periods beside their budgets, stock-outs and season."""

from __future__ import annotations

from typing import TYPE_CHECKING

from econsim.metrics import Period

if TYPE_CHECKING:
    from econsim.pipeline import Run

HEADERS = ["period", "from", "season ×", "cost", "budget", "burn", "points issued", "stock-outs"]


def peak_rows(run: Run, count: int = 3) -> list[Period]:
    """The ``count`` busiest periods (the first is the one the verdict judges), then the
    part period at the end of the horizon when there is one (shown, not judged)."""
    peaks = run.metrics.peaks
    part = peaks.part_period
    return [*peaks.top(count), *([part] if part else [])]


def cells(p: Period, length: int) -> list[str]:
    """``length``: the days of a whole period, to mark a part period."""
    burn = f"{p.burn:.0%}" if p.budget > 0 else "no budget"
    number = str(p.number) if p.judged else f"{p.number} (part: {p.days} of {length} days)"
    return [
        number,
        f"{p.start:%Y-%m-%d}",
        f"{p.season:.2f}",
        f"{p.cost:,.0f}",
        f"{p.budget:,.0f}",
        burn,
        f"{p.issued:,.0f}",
        f"{p.stock_outs:,.0f}",
    ]


NOTE = (
    "The busiest periods of the horizon — those that use the largest share of their "
    "budget (burn), the first the one the peak verdict judges — means over replications; "
    "season × is the calendar's mean multiplier on activity in the period (1 = an average "
    "period). A part period at the end of the horizon is shown with its pro-rated budget "
    "but not judged: its budget runs on past the horizon."
)
