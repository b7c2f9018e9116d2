"""Peak periods: the busiest period's burn and stock-outs, whatever the horizon's total says.

A programme can stay within its budget over the year and still overspend in the week of a
festival, when issuance, redemptions and stock-outs surge together. The peak view puts
every period side by side and judges the worst one against its own budget (a warning by
default: ``--fail-on peak`` makes it gate).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from econsim.metrics.finance import period_budgets
from econsim.metrics.series import Series, by_group, ratio
from econsim.metrics.verdicts import Verdict
from econsim.results import Results
from econsim.scenario.season import period_factors


@dataclass(frozen=True)
class Period:
    """One period's figures, means over replications."""

    number: int
    start: dt.date
    cost: float
    budget: float
    issued: float
    redeemed: float
    stock_outs: float
    season: float  # the calendar's mean multiplier on activity over the period

    @property
    def burn(self) -> float:
        return self.cost / self.budget if self.budget > 0 else float("inf")


@dataclass(frozen=True)
class Peaks:
    """Every period, the busiest one and the verdict on the worst period's budget."""

    periods: tuple[Period, ...]
    verdict: Verdict
    issued_daily: Series  # points issued per day: where the season shows
    consumed_daily: Series

    @property
    def busiest(self) -> Period:
        """The period that cost the most."""
        return max(self.periods, key=lambda p: p.cost)

    def top(self, count: int = 3) -> list[Period]:
        """The ``count`` costliest periods, costliest first."""
        return sorted(self.periods, key=lambda p: -p.cost)[:count]


def _mean(values: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.asarray(values, dtype=float).mean(axis=0)
    return out


def peaks(r: Results) -> Peaks:
    """The peak view of a run: each period's cost against its budget."""
    s = r.scenario
    periods = np.arange(r.days) // s.design.period_days
    budget = period_budgets(r, periods)
    cost = by_group(r.total("cost"), periods)
    issued = _mean(by_group(r.total("issued"), periods))
    redeemed = _mean(by_group(r.total("redeemed"), periods))
    stock_outs = _mean(by_group(r.total("stock_outs"), periods))
    season = period_factors(s).mean(axis=1)
    rows = tuple(
        Period(
            number=p + 1,
            start=s.start_date + dt.timedelta(days=p * s.design.period_days),
            cost=float(_mean(cost)[p]),
            budget=float(_mean(budget)[p]),
            issued=float(issued[p]),
            redeemed=float(redeemed[p]),
            stock_outs=float(stock_outs[p]),
            season=float(season[p]),
        )
        for p in range(budget.shape[1])
    )
    # a period with no budget (a ratio budget without core spend) is within it while it
    # spends nothing, over it once it spends anything
    burn = _mean(np.where(budget > 0, ratio(cost, budget), np.where(cost > 0, np.inf, 0.0)))
    days = np.arange(r.days)
    return Peaks(
        rows,
        _verdict(rows, burn, s.currency),
        Series("issued per day", "points", days, r.total("issued").astype(float)),
        Series("consumed per day", "points", days, r.total("redeemed").astype(float)),
    )


def _verdict(rows: tuple[Period, ...], burn: np.ndarray, currency: str) -> Verdict:
    finite = np.where(np.isfinite(burn), burn, np.inf)
    worst = rows[int(np.argmax(finite))]
    value = float(burn[worst.number - 1])
    where = f"period {worst.number} (from {worst.start:%Y-%m-%d})"
    if value <= 1.0:
        advice = f"the busiest budget period, {where}, uses {value:.0%} of its budget"
    else:
        over = [p for p, b in zip(rows, burn, strict=True) if b > 1.0]
        advice = (
            f"{where} spends {worst.cost:,.0f} {currency}, {value:.0%} of its budget "
            f"{worst.budget:,.0f} ({len(over)} period{'s' if len(over) != 1 else ''} over): "
            "raise the budget of those periods, set a hard cap on redemption cost, or spread "
            "rewards (campaigns, festivals) over more days"
        )
    return Verdict("every period within budget", value, 1.0, value <= 1.0, advice, kind="peak")
