"""Active members (domain §6's operating metrics): DAU, WAU, MAU and stickiness.

- **DAU**: members with a behaviour on the day (the ledger's ``active``);
- **WAU** / **MAU**: distinct members with a behaviour in the 7 / 30 days to the day, that day
  included (members who churned since still count: they were active in the window);
- **stickiness** = the mean DAU over the 30 days to the day / MAU on the day — the share of
  a month's active members who come back on a given day (1: every one, every day).

Series are ``[replication, day]``; the figures are the last day's, means over replications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.arrays import F64
from econsim.metrics.series import Series, known, ratio, rolling_sum
from econsim.results import Results

#: The window of stickiness's mean DAU (and of MAU).
MONTH = 30


@dataclass(frozen=True)
class Activity:
    """Daily, weekly and monthly active members, and stickiness."""

    dau: Series
    wau: Series
    mau: Series
    stickiness: Series
    by_tier: dict[str, tuple[float, float, float]]  # tier → DAU, WAU, MAU on the last day

    def summary(self) -> dict[str, Any]:
        """The `activity` block of summary.json (last day, means over replications)."""
        return {
            "dau": self.dau.final(),
            "wau": self.wau.final(),
            "mau": self.mau.final(),
            "stickiness": known(self.stickiness.final()),
            "by_tier": {t: {"dau": d, "wau": w, "mau": m} for t, (d, w, m) in self.by_tier.items()},
        }


def activity(r: Results) -> Activity:
    """The activity view of a run."""
    days = np.arange(r.days)
    dau, wau, mau = (r.total(n).astype(float) for n in ("active", "wau", "mau"))
    window = np.minimum(days + 1, MONTH)  # the first days average what they have
    mean_dau = rolling_sum(dau, MONTH) / window
    sticky: F64 = ratio(mean_dau, mau)
    last = {n: r[n][:, -1].mean(axis=0) for n in ("active", "wau", "mau")}
    return Activity(
        dau=Series("DAU", "users", days, dau),
        wau=Series("WAU", "users", days, wau),
        mau=Series("MAU", "users", days, mau),
        stickiness=Series("stickiness (DAU / MAU)", "share", days, sticky),
        by_tier={
            t: (float(last["active"][i]), float(last["wau"][i]), float(last["mau"][i]))
            for i, t in enumerate(r.tiers)
        },
    )
