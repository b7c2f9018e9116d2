"""Finance: budget burn, cost per user per tier, outstanding liability, breakage.

- **budget burn** per period = money realised / the period's budget (a fixed amount, or the
  ratio × core amount realised in the period); the last period pro-rated if cut short;
- **forecast at horizon** = money realised over the horizon vs budget over the horizon;
- **cost per user** per tier = money realised by the tier's users / user-periods in the
  tier, against the plan = predicted points per user per period / target exchange ratio;
- **expected cost per point** = money realised / points consumed so far;
- **the ultimate redemption rate (URR)**: the share of issued points ever redeemed, from the
  issuance triangle (``reserving``, the breakage memo); **breakage** = 1 − URR — one figure
  per run, which the liability, the roll-forward and the deferred revenue all book;
- **expected redemption share** = the share of the points outstanding at the horizon that
  the URR expects to be redeemed, ``1 − ((1 − URR) × issued − expired) / outstanding``;
- **outstanding liability** = outstanding points × expected cost per point × expected
  redemption share (each day's points at the horizon's estimates);
- when the books give no URR (fewer than three month-ends, nothing redeemed yet), breakage
  is the simulation's own (metrics/breakage.py: observed when most points could expire
  within the horizon, else the recent redemption hazard run forward, else unobserved) and
  the expected redemption share that of the points that have left the books, consumed /
  (consumed + expired) (1 until something expires).
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
from econsim.reserving import outstanding_redeemed, triangle
from econsim.reserving.urr import urr_by
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
    verdict: Verdict
    breakage_estimate: Breakage  # the figure with its basis, method and implied liability
    simulated_breakage: Breakage  # the simulation's own, beside the URR in the memo


def period_budgets(r: Results, periods: np.ndarray) -> np.ndarray:
    """Budget of each period, ``[replication, period]``; a cut-short period pro-rated."""
    s = r.scenario
    ends = np.array([np.nonzero(periods == p)[0][-1] for p in range(int(periods.max()) + 1)])
    budget = r["budget"][:, ends].astype(float)
    return s.design.budget.prorated(budget, np.bincount(periods), s.design.period_days)


def finance(
    r: Results,
    planned: Mapping[str, float] | None = None,
    urr: float = float("nan"),
    method: str = "",
) -> Finance:
    """The finance view of a run.

    ``planned``: cost per user per period per tier as the calibration states it for the
    values simulated (``Calibration.planned_cost_per_user``); by default the prediction for
    the simulated scenario's own point values at the target exchange ratio. ``urr``: the
    run's URR by ``method`` (``reserving.chosen_urr``); NaN: the simulation's breakage.
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
    per_point = cost_per_point(r)
    simulated = breakage(r, per_point)  # NaN cost per point: that liability is unknown, not 0
    broken = simulated
    share = np.where(consumed + expired > 0, ratio(consumed, consumed + expired), 1.0)
    if np.isfinite(urr):
        broken = _from_urr(r, urr, method, per_point, simulated.expirable_share)
        share = urr_shares(r, urr)[:, -1]
    per_point = np.nan_to_num(per_point, nan=0.0)
    # every day's outstanding points at the horizon's estimates
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
        verdict=verdict,
        breakage_estimate=broken,
        simulated_breakage=simulated,
    )


def urr_shares(r: Results, urr: float) -> NDArray[np.float64]:
    """``[replication, day]``: the share of the points outstanding the URR expects redeemed
    (what a run opened with counted as issued)."""
    issued = np.cumsum(r.total("issued") + r.total("opening"), axis=1)
    expired = np.cumsum(r.total("expired"), axis=1)
    out: NDArray[np.float64] = outstanding_redeemed(urr, issued, expired, r.total("outstanding"))
    return out


def _from_urr(
    r: Results, urr: float, method: str, per_point: NDArray[np.float64], expirable: float
) -> Breakage:
    """Breakage = 1 − URR, by the memo's method, with the liability at the share of the
    outstanding points it expects redeemed."""
    return Breakage(
        value=1.0 - urr,
        basis="estimated",
        method=f"URR by {method}, issuance triangle",
        expirable_share=expirable,
        redemption_share=float(np.mean(urr_shares(r, urr)[:, -1])),
        liability=liability_at(r, urr, per_point),
        by_replication=None,
    )


def liability_at(r: Results, urr: float, per_point: NDArray[np.float64]) -> float:
    """The liability at the horizon were the URR ``urr``: each replication's points
    outstanding × its cost per point (``per_point``; NaN: nothing priced, 0) × the share of
    them ``urr`` expects redeemed, then the mean."""
    held = r.total("outstanding")[:, -1].astype(float)
    share = urr_shares(r, urr)[:, -1]
    return float(np.mean(held * np.nan_to_num(per_point, nan=0.0) * share))


def cost_per_point(r: Results) -> NDArray[np.float64]:
    """Each replication's money realised per point consumed (NaN: nothing consumed)."""
    consumed = r.total("redeemed").sum(axis=1).astype(float)
    out: NDArray[np.float64] = ratio(point_cost(r).sum(axis=1), consumed)
    return out


def breakage_by_replication(r: Results, f: Finance, method: str) -> NDArray[np.float64]:
    """Each replication's breakage by the run's method: the URR's method on the
    replication's own triangle, or the simulation's estimate when there is no URR."""
    if f.breakage_estimate.by_replication is not None:
        return f.breakage_estimate.by_replication
    each = [1.0 - urr_by(method, triangle(r, replication=i)) for i in range(r.replications)]
    return np.asarray(each, dtype=np.float64)


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
