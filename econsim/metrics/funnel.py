"""Growth of the membership (domain §6): the new/old member ratio, the repurchase rate and
the AARRR funnel of new members.

- **new/old member ratio** (daily) = members who joined that day (from day 1) / members who
  had a behaviour that day and joined earlier (the day's returning members); the figure is
  the same ratio over the last 30 days (new members / returning member-days in them).
  Undefined (null) with no returning member.
- **repurchase rate** (to each day) = members who have made two or more core purchases /
  members who have made one or more, from day 0; per tier by the tier a member bought in.
- **AARRR funnel** of new members (from day 1), to the horizon: acquisition (joined),
  activation (had a behaviour), retention (had a behaviour at least ``retained_after_days``
  after joining; 30 unless the scenario's ``operating`` says), revenue (made a core
  purchase), referral (brought a friend on a later day than they joined); each stage's
  conversion is its count / acquisition — undefined (null) for a stage the design has no
  way to reach (revenue without a core behaviour, referral without a referral mechanic).

Series are ``[replication, day]``; figures are means over replications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.arrays import F64
from econsim.metrics.series import Series, finite_mean, known, ratio, rolling_sum
from econsim.results import FUNNEL, Results

#: The window of the new/old ratio's key figure.
MONTH = 30


@dataclass(frozen=True)
class Funnel:
    """New/old ratio, repurchase and the AARRR funnel."""

    new_old_ratio: Series  # daily
    new_old_30d: F64  # [replication] over the last 30 days
    repurchase_rate: Series  # cumulative to each day
    repurchase_by_tier: dict[str, float]  # at the horizon
    stages: dict[str, float]  # stage → members, at the horizon
    conversion: dict[str, float]  # stage → members / acquisition
    retained_after: int

    def summary(self) -> dict[str, Any]:
        """The `growth` block of summary.json."""
        return {
            "new_old_ratio_30d": known(finite_mean(self.new_old_30d)),
            "repurchase_rate": known(self.repurchase_rate.final()),
            "repurchase_by_tier": {t: known(v) for t, v in self.repurchase_by_tier.items()},
            "funnel": {s: {"members": n, "conversion": known(self.conversion[s])}
                       for s, n in self.stages.items()},
            "retained_after_days": self.retained_after,
        }  # fmt: skip


def funnel(r: Results) -> Funnel:
    """The growth view of a run."""
    days = np.arange(r.days)
    new = r["new_users"].astype(float)
    new[:, 0] = 0.0  # day 0: the launch population, no new members
    returning = (r.total("active") - r["active_new"]).astype(float)
    daily = ratio(new, returning)
    daily[:, 0] = np.nan  # day 0's members are the launch population: no ratio
    window = ratio(rolling_sum(new, MONTH)[:, -1], rolling_sum(returning, MONTH)[:, -1])
    buyers = r["buyers"].cumsum(axis=1).astype(float)  # [replication, day, tier]
    again = r["repeat_buyers"].cumsum(axis=1).astype(float)
    rate = ratio(again.sum(axis=2), buyers.sum(axis=2))
    stages = r["funnel"].sum(axis=1).astype(float)  # [replication, stage]
    conversion = ratio(stages, np.broadcast_to(stages[:, :1], stages.shape))
    design = r.scenario.design
    if not any(b.kind == "core" for b in design.behaviours.values()):
        conversion[:, FUNNEL.index("revenue")] = np.nan  # no purchase to make: not 0%
    if design.mechanics.referral is None:
        conversion[:, FUNNEL.index("referral")] = np.nan  # no way to refer: not 0%
    return Funnel(
        new_old_ratio=Series("new/old member ratio", "index", days, daily),
        new_old_30d=window,
        repurchase_rate=Series("repurchase rate", "share", days, rate),
        repurchase_by_tier={
            t: finite_mean(ratio(again[:, -1, i], buyers[:, -1, i])) for i, t in enumerate(r.tiers)
        },
        stages={s: float(stages[:, i].mean()) for i, s in enumerate(FUNNEL)},
        conversion={s: finite_mean(conversion[:, i]) for i, s in enumerate(FUNNEL)},
        retained_after=r.scenario.operating.retained_after(),
    )
