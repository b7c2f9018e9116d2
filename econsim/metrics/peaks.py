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
    """One budget period's figures, means over replications."""

    number: int
    start: dt.date
    days: int  # the horizon's days in the period: fewer than a period's for a part period
    cost: float
    budget: float  # a part period's pro-rated to its days
    burn: float  # cost / budget, the mean of each replication's (inf: cost without budget)
    issued: float
    redeemed: float
    stock_outs: float
    season: float  # the calendar's mean multiplier on activity over the period
    judged: bool  # False for a part period at the end of the horizon (see Peaks)


@dataclass(frozen=True)
class Peaks:
    """Every budget period, the busiest one and the verdict on it.

    **The busiest period** is the one that uses the largest share of its budget (its burn),
    the one the verdict judges. A period the horizon cuts short at its end (the 5 days of a
    30-day period after day 360 of a 365-day run) is shown with its days and its pro-rated
    budget but not judged: its budget runs on past the horizon, and a few days' rush against
    a few days' budget says little about the period. A horizon shorter than one period is
    judged as it is.
    """

    periods: tuple[Period, ...]
    verdict: Verdict
    issued_daily: Series  # points issued per day: where the season shows
    consumed_daily: Series

    @property
    def busiest(self) -> Period:
        """The judged period with the largest burn (the earliest of equals)."""
        return max(self.judged, key=lambda p: p.burn)

    @property
    def judged(self) -> tuple[Period, ...]:
        return tuple(p for p in self.periods if p.judged)

    @property
    def part_period(self) -> Period | None:
        """The part period at the end of the horizon that is not judged, if any."""
        last = self.periods[-1]
        return None if last.judged else last

    @property
    def over_budget(self) -> tuple[Period, ...]:
        """The judged periods that spent more than their budget."""
        return tuple(p for p in self.judged if p.burn > 1.0)

    def top(self, count: int = 3) -> list[Period]:
        """The ``count`` busiest judged periods, busiest first."""
        return sorted(self.judged, key=lambda p: -p.burn)[:count]


def _mean(values: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.asarray(values, dtype=float).mean(axis=0)
    return out


def peaks(r: Results) -> Peaks:
    """The peak view of a run: each period's cost against its budget."""
    s = r.scenario
    length = s.design.period_days
    periods = np.arange(r.days) // length
    days = np.bincount(periods)
    budget = period_budgets(r, periods)
    cost = by_group(r.total("cost"), periods)
    # a period with no budget (a ratio budget without core spend) is within it while it
    # spends nothing, over it once it spends anything
    burn = _mean(np.where(budget > 0, ratio(cost, budget), np.where(cost > 0, np.inf, 0.0)))
    issued = _mean(by_group(r.total("issued"), periods))
    redeemed = _mean(by_group(r.total("redeemed"), periods))
    stock_outs = _mean(by_group(r.total("stock_outs"), periods))
    season = period_factors(s).mean(axis=1)
    rows = tuple(
        Period(
            number=p + 1,
            start=s.start_date + dt.timedelta(days=p * length),
            days=int(days[p]),
            cost=float(_mean(cost)[p]),
            budget=float(_mean(budget)[p]),
            burn=float(burn[p]),
            issued=float(issued[p]),
            redeemed=float(redeemed[p]),
            stock_outs=float(stock_outs[p]),
            season=float(season[p]),
            judged=bool(days[p] == length or days.size == 1),
        )
        for p in range(budget.shape[1])
    )
    daily = np.arange(r.days)
    return Peaks(
        rows,
        _verdict(rows, s.currency),
        Series("issued per day", "points", daily, r.total("issued").astype(float)),
        Series("consumed per day", "points", daily, r.total("redeemed").astype(float)),
    )


def _verdict(rows: tuple[Period, ...], currency: str) -> Verdict:
    judged = [p for p in rows if p.judged]
    worst = max(judged, key=lambda p: p.burn)
    where = f"period {worst.number} (from {worst.start:%Y-%m-%d})"
    last = rows[-1]
    part = "" if last.judged else f"; the last {last.days} days, part of a period, are not judged"
    if worst.burn <= 1.0:
        advice = f"the busiest budget period, {where}, uses {worst.burn:.0%} of its budget{part}"
    else:
        over = [p for p in judged if p.burn > 1.0]
        advice = (
            f"{where} spends {worst.cost:,.0f} {currency}, {worst.burn:.0%} of its budget "
            f"{worst.budget:,.0f} ({len(over)} period{'s' if len(over) != 1 else ''} over): "
            "raise the budget of those periods, set a hard cap on redemption cost, or spread "
            f"rewards (campaigns, festivals) over more days{part}"
        )
    return Verdict(
        "every period within budget", worst.burn, 1.0, worst.burn <= 1.0, advice, kind="peak"
    )
