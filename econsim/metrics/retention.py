"""Retention of new members (domain §6): day-k retention and the monthly cohort triangle.

A **cohort** is the members who joined on one day (day-k retention) or in one calendar
month (the triangle), from day 1: day 0's members are the launch population, not new ones.

- **day-k retention** (k = 1, 3, 7, 30) = members with a behaviour k days after the day they
  joined / members who joined, pooled over every cohort whose day k falls within the
  horizon (undefined — ``None`` in JSON — when none does: a 30-day horizon has no day-30
  retention);
- **the cohort triangle**: for the cohort of month c and each month a ≥ 0 after it, the
  share of the cohort with a behaviour in month c + a (the last month only up to the
  horizon's last day).

Shares are means over replications of the per-replication shares.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.arrays import F64
from econsim.metrics.series import known, ratio
from econsim.results import Results


@dataclass(frozen=True)
class Retention:
    """Day-k retention and the monthly cohorts' activity."""

    days: dict[int, float]  # k → pooled day-k retention (NaN: no cohort reached day k)
    by_replication: dict[int, F64]  # k → the same, each replication's
    cohorts: tuple[str, ...]  # YYYY-MM of each cohort
    sizes: F64  # [cohort] members who joined in the month (mean over replications)
    triangle: F64  # [cohort, months since joining] share active; NaN beyond the horizon

    def summary(self) -> dict[str, Any]:
        """The `retention` block of summary.json."""
        return {
            **{f"day_{k}": known(v) for k, v in self.days.items()},
            "cohorts": {
                c: {"members": float(self.sizes[i]),
                    "active_by_month": [known(x) for x in self.triangle[i] if np.isfinite(x)]}
                for i, c in enumerate(self.cohorts)
                if self.sizes[i] > 0
            },
        }  # fmt: skip


def retention(r: Results) -> Retention:
    """The retention view of a run."""
    new = r["new_users"].astype(float)  # [replication, day]
    new[:, 0] = 0.0  # day 0: the launch population's day, no cohort
    retained = r["retained"].sum(axis=3).astype(float)  # [replication, day, k]
    each = {}
    for i, k in enumerate(r.scenario.operating.retention()):
        joined = new[:, : max(r.days - k, 0)].sum(axis=1)  # cohorts whose day k is in range
        each[k] = ratio(retained[:, :, i].sum(axis=1), joined)
    days = {k: _mean(x) for k, x in each.items()}
    return Retention(days, each, r.labels["cohorts"], *_triangle(r, new))


def _triangle(r: Results, new: F64) -> tuple[F64, F64]:
    """Cohort sizes by month joined and the share of each active in each later month."""
    start = r.scenario.start_date
    dates = [start + dt.timedelta(days=d) for d in range(r.days)]
    months = np.array([(x.year - start.year) * 12 + x.month - start.month for x in dates])
    n = len(r.labels["cohorts"])
    sizes = np.stack([np.bincount(months, weights=row, minlength=n) for row in new])
    ends = [int(np.nonzero(months == m)[0][-1]) for m in range(n)]  # each month's last day
    active = r["cohort_active"][:, ends, :].astype(float)  # [replication, month, cohort]
    share = ratio(active, np.broadcast_to(sizes[:, None, :], active.shape))
    triangle = np.full((n, n), np.nan)
    for c in range(n):
        for a in range(n - c):
            triangle[c, a] = _mean(share[:, c + a, c])
    return sizes.mean(axis=0), triangle


def _mean(x: F64) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # undefined in every replication
        return float(np.nanmean(x))
