"""Issuance cohorts: the points issued in a month, followed month by month as they are
redeemed and expire — the development triangle loyalty reserving starts from.

Cohort ``c`` is the points issued in month ``c`` of the books; evaluation ``e`` is the
close of month ``e`` (the last, the books' last day when that falls inside a month). Cell
``(c, e)``, for ``e ≥ c``, holds the points of the cohort redeemed (and expired) by then,
cumulative; its development age is ``e − c`` months. Which cohort a redemption draws on is
the lots' order, oldest month first (``Results["cohort_redeemed"]``), so a triangle of a
simulation and of a live log's books are built the same way and their last diagonal adds up
to the roll-forward's redeemed and expired points exactly (points a run opened with belong
to no month of it: the run-off follows them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from econsim.arrays import F64, I64
from econsim.protocol import html_table, pandas
from econsim.results import Results
from econsim.scenario.schema import Expiry

if TYPE_CHECKING:
    import pandas as pd

#: A cohort whose points never expire: its development never stops.
NEVER_AGE = 10**6


@dataclass(frozen=True)
class Triangle:
    """Cumulative points redeemed and expired by issuance cohort and evaluation."""

    cohorts: tuple[str, ...]  # YYYY-MM of each cohort
    evaluations: tuple[str, ...]  # the date of each evaluation (a month's close, or as-of)
    issued: F64  # [C] points issued in each cohort's month
    redeemed: F64  # [C, E] cumulative; NaN before the cohort's month
    expired: F64  # [C, E]
    last_age: I64  # [C] the last age at which a cohort's points can be redeemed
    complete: int  # evaluations at a month's close (the rest: the books' part month)
    tier: str  # "all tiers" or the tier's name

    @property
    def ages(self) -> int:
        return len(self.evaluations)

    def by_age(self, values: F64 | None = None) -> F64:
        """``values`` (default: redeemed) as ``[cohort, age]``: the development view."""
        v = self.redeemed if values is None else values
        out = np.full(v.shape, np.nan)
        for c in range(v.shape[0]):
            out[c, : v.shape[1] - c] = v[c, c:]
        return out

    def ratio(self) -> F64:
        """Cumulative share of each cohort's points redeemed, ``[cohort, age]``."""
        safe = np.where(self.issued > 0, self.issued, np.nan)
        out: F64 = self.by_age() / safe[:, None]
        return out

    def latest(self) -> F64:
        """Each cohort's points redeemed so far (its last evaluation)."""
        out: F64 = self.redeemed[:, -1]
        return out

    def urr_of(self, ultimate: F64) -> float:
        """The URR of cohorts' ``ultimate`` redemptions, each kept between what it has
        redeemed and what it can (its points not expired)."""
        kept = np.maximum(np.minimum(ultimate, self.issued - self.expired[:, -1]), self.latest())
        return float(kept.sum() / self.issued.sum())

    def upto(self, evaluations: int) -> Triangle:
        """The triangle as it stood at evaluation ``evaluations − 1``: cohorts and
        evaluations after it dropped (an earlier close of the books)."""
        n = evaluations
        return Triangle(
            self.cohorts[:n], self.evaluations[:n], self.issued[:n],
            self.redeemed[:n, :n], self.expired[:n, :n], self.last_age[:n],
            min(self.complete, n), self.tier,
        )  # fmt: skip

    def rows(self) -> list[list[Any]]:
        """One row per cohort: its month, points issued, then redeemed share by age."""
        ratio = self.ratio()
        return [
            [c, float(self.issued[i]), *(None if np.isnan(x) else float(x) for x in ratio[i])]
            for i, c in enumerate(self.cohorts)
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "cohorts": list(self.cohorts),
            "evaluations": list(self.evaluations),
            "issued": self.issued.tolist(),
            "redeemed_share_by_age": [r[2:] for r in self.rows()],
        }

    def to_df(self) -> pd.DataFrame:
        """Redeemed share by cohort (rows) and development age in months (columns)."""
        columns = ["cohort", "issued", *(str(a) for a in range(self.ages))]
        return pandas().DataFrame(self.rows(), columns=columns).set_index("cohort")

    def _repr_html_(self) -> str:
        head = [["cohort", "issued", *(f"age {a}" for a in range(self.ages))]]
        body = [
            [r[0], f"{r[1]:,.0f}", *("" if x is None else f"{x:.1%}" for x in r[2:])]
            for r in self.rows()
        ]
        return html_table(f"Redeemed share by issuance cohort ({self.tier})", head + body)


def expiry_policy(r: Results) -> Expiry:
    """The expiry policy in force at the horizon (the last rule change that set one)."""
    policy = r.scenario.design.expiry
    for rc in sorted(r.scenario.design.rule_changes, key=lambda rc: rc.day):
        if rc.expiry is not None and rc.day < r.days:
            policy = rc.expiry
    return policy


def month_keys(start: dt.date, days: int) -> I64:
    """Month number (0 = the month of ``start``) of each of ``days`` days."""
    dates = np.datetime64(start, "D") + np.arange(days)
    months = dates.astype("datetime64[M]").astype(np.int64)
    out: I64 = months - months[0]
    return out


def triangle(r: Results, tier: str | None = None, replication: int | None = None) -> Triangle:
    """The mean over replications of each replication's triangle, or ``replication``'s
    (``tier``: its members' points — issued to them, redeemed and expired by them — else
    every tier's)."""
    if replication is not None:
        one = {k: v[replication : replication + 1] for k, v in r.arrays.items()}
        r = Results(r.scenario, r.seed, r.labels, one)
    start, days = r.scenario.start_date, r.days
    month = month_keys(start, days)
    months = int(month[-1]) + 1
    ends = np.array([np.flatnonzero(month == m)[-1] for m in range(months)])
    pick = slice(None) if tier is None else r.tiers.index(tier)
    issued = r["issued"][..., pick]
    if tier is None:
        issued = issued.sum(axis=-1)
    flows = {name: r[f"cohort_{name}"][..., pick].astype(float) for name in ("redeemed", "expired")}
    if tier is None:
        flows = {k: v.sum(axis=-1) for k, v in flows.items()}
    per_month = np.stack(
        [issued[:, month == m].sum(axis=(1, 2)) for m in range(months)], axis=1
    ).astype(float)  # [replication, cohort]
    cumulative = {k: v.cumsum(axis=1)[:, ends].mean(axis=0).T for k, v in flows.items()}
    later = np.arange(months)[None, :] < np.arange(months)[:, None]  # e < c: not yet
    for v in cumulative.values():
        v[later] = np.nan
    labels = r.labels.get("cohorts") or tuple(str(m) for m in range(months))
    policy = expiry_policy(r)
    return Triangle(
        cohorts=tuple(labels[:months]),
        evaluations=tuple(str(start + dt.timedelta(days=int(d))) for d in ends),
        issued=per_month.mean(axis=0),
        redeemed=cumulative["redeemed"],
        expired=cumulative["expired"],
        last_age=last_ages(policy, months, start.month),
        complete=months - (not _month_closes(start, days)),
        tier="all tiers" if tier is None else tier,
    )


def last_ages(policy: Expiry, months: int, start_month: int) -> I64:
    """The last development age (months) at which each cohort's points can be redeemed."""
    out = np.empty(months, np.int64)
    for c in range(months):
        due = policy.expires_by(c, start_month)
        out[c] = min(due - c, NEVER_AGE)
    return out


def _month_closes(start: dt.date, days: int) -> bool:
    """Whether the books' last day is the last of its month."""
    last = start + dt.timedelta(days=days - 1)
    return (last + dt.timedelta(days=1)).month != last.month
