"""Finance's books of a run: what finance books and defends (issue 16).

- the liability **roll-forward** per period (``rollforward.py``);
- the **aging** of outstanding points by when they expire, per tier, at the horizon;
- the **deferred revenue** of points earned with purchases (IFRS 15 / ASC 606), from the
  run's own ledger, and the **marketing provision** for points given without a sale;
- **cost per member per tier per period** against the calibration's plan;
- the **policy growth coefficient** (domain §7): the elasticity of a period's cost to its
  number of members, fitted over the run, and the cost it projects at 2× and 5× the members.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64
from econsim.engine.lots import AGING_LABELS
from econsim.metrics.deferred_revenue import DeferredRevenue, deferred_revenue
from econsim.metrics.deferred_revenue import marketing_provision as provision
from econsim.metrics.rollforward import SOURCES, RollForward, roll_forward
from econsim.metrics.series import by_group
from econsim.results import Results


@dataclass(frozen=True)
class Growth:
    """How a period's cost grows with its members: cost ∝ members^elasticity."""

    elasticity: float  # NaN when the members hardly changed (nothing to fit)
    se: float
    periods: int  # periods behind the fit
    cost_last: float  # the last full period's cost
    projected: dict[str, float]  # "2x", "5x" → the period's cost at that many members
    note: str


@dataclass(frozen=True)
class Books:
    """Every statement finance books from one run (means over replications)."""

    roll_forward: RollForward
    aging: dict[str, F64]  # tier → points by bucket (30, 90, 180, 365 days, later, never)
    aging_labels: tuple[str, ...]
    deferred: DeferredRevenue
    provision: F64  # marketing provision at each period's close (money)
    cost_per_tier: dict[str, F64]  # tier → cost per member in each period
    planned: dict[str, float]  # tier → the calibration's cost per member per period
    growth: Growth

    def summary(self) -> dict[str, Any]:
        g = self.growth
        return {
            "liability_closing_points": float(self.roll_forward.points["closing"][:, -1].mean()),
            "liability_closing_money": float(self.roll_forward.money["closing"][:, -1].mean()),
            "aging": {
                tier: dict(zip(self.aging_labels, map(float, v), strict=True))
                for tier, v in self.aging.items()
            },
            # the totals; the schedule per period is finance.xlsx's and deferred-revenue.csv's
            "deferred_revenue": {
                k: v for k, v in self.deferred.summary().items() if k != "periods"
            },
            "marketing_provision_at_close": float(self.provision[-1]),
            "growth_elasticity": None if math.isnan(g.elasticity) else g.elasticity,
            "growth_projection": g.projected,
            "growth_note": g.note,
        }


def _aging(r: Results) -> dict[str, F64]:
    last = r["aging"][:, -1].astype(float).mean(axis=0)  # [bucket, tier] at the horizon
    return {tier: last[:, i] for i, tier in enumerate(r.tiers)}


def _per_period(r: Results) -> tuple[NDArray[np.int64], F64, F64]:
    """Period index of each day, user-periods per tier per period, cost per tier per period."""
    d = r.scenario.design
    periods = np.arange(r.days) // d.period_days
    users = (
        np.stack([by_group(r["users"][:, :, i], periods) for i in range(len(r.tiers))], axis=2)
        / d.period_days
    )  # [replication, period, tier] member-periods
    cost = np.stack([by_group(r["cost_by_tier"][:, :, i], periods) for i in range(len(r.tiers))],
                    axis=2)  # fmt: skip
    return periods, users.mean(axis=0), cost.mean(axis=0)


#: Days left out of the growth fit: balances are still building, so cost rises with the
#: programme's age, not with its members.
RAMP_UP_DAYS = 90


def _growth(users: F64, cost: F64, full: NDArray[np.bool_], starts: NDArray[np.int64]) -> Growth:
    """Least squares of log cost on log members over the full periods with cost, after the
    ramp-up."""
    members, spent = users.sum(axis=1), cost.sum(axis=1)
    ok = full & (members > 0) & (spent > 0) & (starts >= RAMP_UP_DAYS)
    x, y = np.log(members[ok]), np.log(spent[ok])
    last = float(spent[full][-1]) if full.any() else float("nan")
    if ok.sum() < 3 or np.ptp(x) < 0.05:  # under ~5% change in members: no slope to read
        note = ("members changed too little over the run to fit how cost grows with them; "
                "run with acquisition or compare populations of different sizes")  # fmt: skip
        return Growth(math.nan, math.nan, int(ok.sum()), last, {}, note)
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    se = math.sqrt(float(resid @ resid) / max(x.size - 2, 1) / float(((x - x.mean()) ** 2).sum()))
    projected = {f"{k}x": last * k ** float(slope) for k in (2, 5)}
    note = (
        f"cost grows as members^{slope:.2f} over {x.size} periods after the first "
        f"{RAMP_UP_DAYS} days (1 = in proportion; above 1, faster than the members)"
    )
    return Growth(float(slope), se, int(x.size), last, projected, note)


def _deferred(
    r: Results, rf: RollForward, starts: list[str], urr: float
) -> tuple[DeferredRevenue, F64]:
    """The schedule from the run's ledger: sales = core amount when core behaviours are
    purchases; their points' share of each period's redemptions is their share of the
    points issued so far (the ledger spends points, not their sources). The expected
    redemption share is ``urr``, the breakage memo's (NaN: no estimate — then the share of
    the points that have left the books that was spent, 1 until some expire)."""
    s = r.scenario
    a = s.design.accounting
    value = a.point_value(s.design.calibration.target_exchange_ratio)
    periods = np.arange(r.days) // s.design.period_days
    pts = {k: v.mean(axis=0) for k, v in rf.points.items()}
    purchase = pts["core behaviours"] if a.core_is_purchase else np.zeros_like(pts["closing"])
    issued = sum(pts[g] for g in SOURCES)
    sales = by_group(r.total("core_amount"), periods).mean(axis=0) if a.core_is_purchase else 0
    consumed = np.cumsum(pts["redeemed"])
    left = consumed + np.cumsum(pts["expired"])
    share = np.where(left > 0, consumed / np.where(left > 0, left, 1), 1.0)
    if np.isfinite(urr):
        share = np.full_like(share, urr)
    weight = np.divide(np.cumsum(purchase), np.cumsum(issued), out=np.zeros_like(issued),
                       where=np.cumsum(issued) > 0)  # fmt: skip
    # never more redeemed so far than awarded so far (the weight moves between periods)
    spent = np.minimum(np.cumsum(pts["redeemed"] * weight), np.cumsum(purchase))
    redeemed = np.diff(spent, prepend=0.0)
    sales = np.where(purchase > 0, sales, 0.0)  # nothing to allocate where no points were earned
    share = np.maximum(share, 1e-9)
    schedule = deferred_revenue(sales, purchase, value, share, redeemed, starts)
    other = issued - purchase
    return schedule, provision(other, value, share, pts["redeemed"] - redeemed)


def books(r: Results, planned: Mapping[str, float], urr: float = float("nan")) -> Books:
    """The books of a run; ``planned``: the calibration's cost per member per tier;
    ``urr``: the expected redemption share its deferred revenue books (the breakage memo's)."""
    rf = roll_forward(r, urr)
    s = r.scenario
    periods, users, cost = _per_period(r)
    lengths = np.bincount(periods)
    full = lengths == s.design.period_days
    per_member = np.divide(cost, users, out=np.zeros_like(cost), where=users > 0)
    starts = [d.isoformat() for d in rf.dates]
    deferred, marketing = _deferred(r, rf, starts, urr)
    return Books(
        roll_forward=rf,
        aging=_aging(r),
        aging_labels=AGING_LABELS,
        deferred=deferred,
        provision=marketing,
        cost_per_tier={t: per_member[:, i] for i, t in enumerate(r.tiers)},
        planned=dict(planned),
        growth=_growth(users, cost, full, rf.starts),
    )
