"""Coupons (domain §7): how many were given and used, what they cost, and the basket uplift.

For each coupon (threshold coupons ``coupon:NAME``, random coupons ``random:NAME``):

- **given**: coupons members received (claimed with points, handed out, or won);
- **used** and the **use rate** = used / given;
- **cost**: the discounts paid (money, when used);
- **uplift** (threshold coupons): extra core amount — baskets that fell short of the
  threshold topped up to it — and the **uplift points** it earned at the behaviour's base
  rate (tier multipliers, campaigns and caps aside), and the uplift per unit of cost.

Means over replications of each replication's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from econsim.metrics.series import finite_mean, known, ratio
from econsim.protocol import Rows, html_table
from econsim.results import Results

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Coupon:
    """One coupon over the horizon."""

    name: str
    given: float
    used: float
    use_rate: float
    cost: float
    uplift: float  # extra core amount (NaN: a random coupon, which has no threshold)
    uplift_points: float  # points the uplift earned at the base rate
    uplift_per_cost: float  # extra amount per unit of discount


@dataclass(frozen=True)
class Coupons(Rows):
    """Every coupon of a run (the `coupons` block of summary.json)."""

    coupons: tuple[Coupon, ...]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"coupon": c.name, "given": c.given, "used": c.used, "use_rate": known(c.use_rate),
             "cost": c.cost, "uplift": known(c.uplift), "uplift_points": known(c.uplift_points),
             "uplift_per_cost": known(c.uplift_per_cost)}
            for c in self.coupons
        ]  # fmt: skip

    def _repr_html_(self) -> str:
        head = [["coupon", "given", "used", "cost", "uplift"]]
        body = [[c.name, f"{c.given:,.0f}", f"{c.used:,.0f}", f"{c.cost:,.0f}",
                 f"{c.uplift:,.0f}"] for c in self.coupons]  # fmt: skip
        return html_table("Coupons", head + body)


def coupons(r: Results) -> Coupons:
    """The coupons of a run."""
    mech = r.scenario.design.mechanics
    behaviours = r.scenario.design.behaviours
    sinks = r.labels["sinks"]
    out = []
    for j, name in enumerate(r.labels["coupons"]):
        given = r["coupons_given"][:, :, j].sum(axis=1).astype(float)
        used = r["coupons_used"][:, :, j].sum(axis=1).astype(float)
        cost = r["cost"][:, :, sinks.index(name)].sum(axis=1)
        uplift = r["coupon_uplift"][:, :, j].sum(axis=1)
        kind, _, key = name.partition(":")
        rate = float("nan")  # a random coupon has no threshold to top up to: no uplift
        if kind == "coupon":
            b = behaviours[mech.threshold_coupons[key].behaviour]
            rate = b.points / b.unit
        else:
            uplift = np.full(uplift.shape, np.nan)
        out.append(
            Coupon(
                name=name,
                given=float(given.mean()),
                used=float(used.mean()),
                use_rate=finite_mean(ratio(used, given)),
                cost=float(cost.mean()),
                uplift=finite_mean(uplift),
                uplift_points=finite_mean(uplift) * rate,
                uplift_per_cost=finite_mean(ratio(uplift, cost)),
            )
        )
    return Coupons(tuple(out))
