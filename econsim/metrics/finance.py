"""Finance: budget burn, cost per user per tier, outstanding liability, breakage.

- **budget burn** per period = money realised / the period's budget (a fixed amount, or the
  ratio × core amount realised in the period); the last period pro-rated if cut short;
- **forecast at horizon** = money realised over the horizon vs budget over the horizon;
- **cost per user** per tier = money realised by the tier's users / user-periods in the
  tier, against the plan = predicted points per user per period / target exchange ratio;
- **expected cost per point** = money realised / points consumed so far;
- **expected redemption share** = points consumed / (consumed + expired): of the points
  that have left the books, the share that was spent (1 until something expires);
- **outstanding liability** = outstanding points × expected cost per point × expected
  redemption share;
- **breakage**: share of issued points never redeemed, observed when most points could
  expire within the horizon, else estimated or unobserved (metrics/breakage.py);
- **liability at the estimated redemption share**: outstanding points × expected cost per
  point × the share of them the breakage estimate expects to be redeemed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from econsim.calibration import predicted_issuance
from econsim.metrics.breakage import Breakage, breakage
from econsim.metrics.health import user_periods
from econsim.metrics.series import Series, by_group, point_cost, ratio
from econsim.metrics.verdicts import Verdict
from econsim.results import Results


@dataclass(frozen=True)
class TierCost:
    tier: str
    realised: float
    planned: float


@dataclass(frozen=True)
class Finance:
    budget_per_period: Series
    cost_per_period: Series
    burn: Series
    total_budget: float
    total_cost: float
    cost_per_user: tuple[TierCost, ...]
    cost_per_point: float
    redemption_share: float
    liability: Series
    outstanding_by_tier: dict[str, Series]
    breakage: float  # best figure: observed or estimated; NaN when unobserved
    breakage_by_replication: NDArray[np.float64]
    verdict: Verdict
    breakage_estimate: Breakage  # the figure with its basis, method and implied liability


def period_budgets(r: Results, periods: np.ndarray) -> np.ndarray:
    """Budget of each period, ``[replication, period]``; a cut-short period pro-rated."""
    s = r.scenario
    ends = np.array([np.nonzero(periods == p)[0][-1] for p in range(int(periods.max()) + 1)])
    budget = r["budget"][:, ends].astype(float)
    return s.design.budget.prorated(budget, np.bincount(periods), s.design.period_days)


def finance(r: Results, planned: Mapping[str, float] | None = None) -> Finance:
    """The finance view of a run.

    ``planned``: cost per user per period per tier as the calibration states it for the
    values simulated (``Calibration.planned_cost_per_user``); by default the prediction for
    the simulated scenario's own point values at the target exchange ratio.
    """
    s = r.scenario
    periods = np.arange(r.days) // s.design.period_days
    starts = np.unique(periods) * s.design.period_days
    budget = period_budgets(r, periods)
    cost = by_group(r.total("cost"), periods)
    total_budget = float(budget.sum(axis=1).mean())
    total_cost = float(cost.sum(axis=1).mean())
    consumed = r.total("redeemed").sum(axis=1).astype(float)
    expired = r.total("expired").sum(axis=1).astype(float)
    outstanding = r.total("outstanding").astype(float)
    spent = point_cost(r).sum(axis=1)
    per_point = ratio(spent, consumed)
    broken = breakage(r, per_point)  # NaN cost per point: that liability is unknown, not 0
    share = np.where(consumed + expired > 0, ratio(consumed, consumed + expired), 1.0)
    per_point = np.nan_to_num(per_point, nan=0.0)
    liability = outstanding * (per_point * share)[:, None]
    over = total_cost > total_budget
    verdict = Verdict(
        "within budget",
        total_cost / total_budget if total_budget else float("inf"),
        1.0,
        not over,
        f"cost {total_cost:,.0f} {s.currency} is "
        f"{'over' if over else 'within'} the horizon budget {total_budget:,.0f}",
        kind="budget",
    )
    return Finance(
        budget_per_period=Series("budget", "money", starts, budget),
        cost_per_period=Series("cost", "money", starts, cost),
        burn=Series("burn", "share", starts, ratio(cost, budget)),
        total_budget=total_budget,
        total_cost=total_cost,
        cost_per_user=_tier_costs(r, planned),
        cost_per_point=float(np.mean(per_point)),
        redemption_share=float(np.mean(share)),
        liability=Series("liability", "money", np.arange(r.days), liability),
        outstanding_by_tier={
            t: Series(f"outstanding {t}", "points", np.arange(r.days), r["outstanding"][:, :, i])
            for i, t in enumerate(r.tiers)
        },
        breakage=broken.value,
        breakage_by_replication=broken.by_replication,
        verdict=verdict,
        breakage_estimate=broken,
    )


def _tier_costs(r: Results, planned: Mapping[str, float] | None) -> tuple[TierCost, ...]:
    exposure = user_periods(r).mean(axis=0)
    realised = r["cost_by_tier"].sum(axis=1).mean(axis=0)
    if planned is None:
        predicted = predicted_issuance(r.scenario)
        target = r.scenario.design.calibration.target_exchange_ratio
        planned = {t: sum(predicted[t].values()) / target for t in r.tiers}
    return tuple(
        TierCost(
            tier=t,
            realised=float(realised[i] / exposure[i]) if exposure[i] else 0.0,
            planned=float(planned[t]),
        )
        for i, t in enumerate(r.tiers)
    )
