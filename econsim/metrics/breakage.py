"""Breakage that says what it knows: observed, estimated (with its method) or unobserved.

Breakage is the share of issued points never redeemed. Within a horizon it is only
*observed* when most issued points had the chance to expire; otherwise the points still
outstanding decide it, and a figure computed as if they will all be redeemed (0%) is an
artefact of the horizon. So (docs/metrics.md):

- **observed**: at least ``OBSERVED_SHARE`` of the points issued reached their expiry date
  within the horizon; breakage = (expired + outstanding × (1 − consumed / (consumed +
  expired))) / issued — the few points still outstanding are redeemed at the share seen
  among points that have left the books.
- **estimated, "hazard to expiry"** (an expiry policy, too little expired yet): the balance
  outstanding at the horizon is aged first-in-first-out against the daily issuance (the
  newest points are the ones still held), each day's points are run forward to their
  expiry date at the daily redemption hazard of the last ``HAZARD_DAYS`` days (points
  consumed / point-days outstanding), competing with the members' churn hazard (a churned
  holder's points wait for expiry); what survives to its expiry date is breakage.
- **estimated, "redemption flow"** (no expiry): points never leave the books except by
  redemption, so the long-run redeemed share of issued points is the recent flow ratio,
  points consumed / points issued over the last ``HAZARD_DAYS`` days (at most 1).
- **unobserved**: nothing issued, or nothing consumed in those days (a balance still being
  saved up cannot be told from one that will never be spent).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np

from econsim.arrays import F64
from econsim.metrics.series import month_index
from econsim.reserving.triangle import expiry_policy
from econsim.results import Results
from econsim.scenario.schema import Expiry

BreakageBasis = Literal["observed", "estimated", "unobserved"]
#: Share of issued points that must have reached their expiry date for breakage to count
#: as observed.
OBSERVED_SHARE = 0.5
#: Trailing days over which the redemption hazard (or flow) is measured.
HAZARD_DAYS = 60


@dataclass(frozen=True)
class Breakage:
    """Breakage with its basis, and the liability at the redemption share it implies."""

    value: float  # share of issued points never redeemed (NaN when unobserved)
    basis: BreakageBasis
    method: str  # "expired so far", "hazard to expiry", "redemption flow" or "" (unobserved)
    expirable_share: float  # issued points whose expiry date fell within the horizon
    redemption_share: float  # of the points outstanding at the horizon, the share redeemed
    liability: float  # outstanding × cost per point × redemption_share (NaN: nothing priced)
    by_replication: F64 | None  # each replication's (None: not computed — the URR's, whose
    # per replication estimates cost a fit each: ``metrics.finance.breakage_by_replication``)


def expiry_days(r: Results, policy: Expiry) -> np.ndarray:
    """Last day (index from day 0) on which points issued on each day can be redeemed."""
    start = r.scenario.start_date
    months = month_index(start.month, r.days, start)
    out = np.full(r.days, np.iinfo(np.int64).max, dtype=np.int64)
    if policy.policy == "none":
        return out
    for key in np.unique(months):
        k = policy.expires_by(int(key), start.month) + start.month  # months since Jan
        if start.year + k // 12 > dt.MAXYEAR:
            continue  # past the calendar: never, for any estimate made today
        first_after = dt.date(start.year + k // 12, k % 12 + 1, 1)
        out[months == key] = (first_after - start).days - 1
    return out


def _held_by_day(issued: F64, outstanding: float) -> F64:
    """The outstanding balance split over issue days, newest first (FIFO spends the oldest)."""
    newer = np.cumsum(issued[::-1])[::-1] - issued  # issued after each day
    out: F64 = np.clip(outstanding - newer, 0.0, issued)
    return out


def _hazard(consumed: F64, outstanding: F64) -> float:
    days = slice(-HAZARD_DAYS, None)
    exposure = float(outstanding[days].sum())
    return float(consumed[days].sum()) / exposure if exposure > 0 else 0.0


def _churn(churned: F64, users: F64) -> float:
    """Daily churn hazard of members over the trailing days (0 without a lifecycle)."""
    days = slice(-HAZARD_DAYS, None)
    exposure = float(users[days].sum())
    gone = float(churned[-1] - churned[-min(HAZARD_DAYS + 1, churned.size)])
    return gone / exposure if exposure > 0 else 0.0


def redeemed_by(days_left: F64, hazard: float, churn: float) -> F64:
    """Chance a held point is redeemed within ``days_left`` days (churn takes the rest).

    Competing daily risks: redeemed at ``hazard``, or its holder churns at ``churn`` and
    the point waits for expiry; without churn this is 1 − (1 − hazard)^days.
    """
    both = min(1.0, hazard + churn)
    if both <= 0:
        return np.zeros_like(days_left)
    out: F64 = hazard / (hazard + churn) * (1.0 - (1.0 - both) ** days_left)
    return out


def _estimate(r: Results, i: int, last_day: np.ndarray) -> tuple[float, str]:
    """Replication ``i``'s estimated breakage and method (NaN when unobserved)."""
    issued = r.total("issued")[i].astype(float)
    consumed = r.total("redeemed")[i].astype(float)
    outstanding = r.total("outstanding")[i].astype(float)
    total = issued.sum()
    if total <= 0 or consumed[-HAZARD_DAYS:].sum() <= 0:
        return float("nan"), ""
    if (last_day == np.iinfo(np.int64).max).all():
        flow = min(1.0, consumed[-HAZARD_DAYS:].sum() / issued[-HAZARD_DAYS:].sum())
        return 1.0 - flow, "redemption flow"
    held = _held_by_day(issued, float(outstanding[-1]))
    remaining = np.clip(last_day - (issued.size - 1), 0, None).astype(float)
    churn = _churn(r["churned"][i].astype(float), r.total("users")[i].astype(float))
    lost = held * (1.0 - redeemed_by(remaining, _hazard(consumed, outstanding), churn))
    return float((r.total("expired")[i].sum() + lost.sum()) / total), "hazard to expiry"


def _observed(consumed: F64, expired: F64, issued: F64, outstanding: F64) -> float:
    left = consumed.sum() + expired.sum()
    share = consumed.sum() / left if left > 0 else 1.0
    total = issued.sum()
    return float((expired.sum() + outstanding[-1] * (1 - share)) / total) if total else np.nan


def breakage(r: Results, cost_per_point: F64) -> Breakage:
    """Breakage of a run with its basis; ``cost_per_point`` per replication prices liability."""
    issued = r.total("issued").astype(float)
    consumed = r.total("redeemed").astype(float)
    expired = r.total("expired").astype(float)
    outstanding = r.total("outstanding").astype(float)
    last_day = expiry_days(r, expiry_policy(r))
    due = last_day <= r.days - 1  # expiry runs at the end of its day, the last included
    total = issued.sum(axis=1)
    part = np.divide(issued[:, due].sum(axis=1), total, out=np.zeros_like(total), where=total > 0)
    expirable = float(np.mean(part))
    observed = expirable >= OBSERVED_SHARE
    values, methods = [], set()
    for i in range(r.replications):
        if observed:
            values.append(_observed(consumed[i], expired[i], issued[i], outstanding[i]))
            methods.add("expired so far")
        else:
            value, method = _estimate(r, i, last_day)
            values.append(value)
            methods.add(method)
    by_rep = np.asarray(values, dtype=np.float64)
    basis: BreakageBasis = (
        "observed" if observed else "estimated" if np.isfinite(by_rep).all() else "unobserved"
    )
    if basis == "unobserved":
        by_rep = np.full_like(by_rep, np.nan)
    held = outstanding[:, -1]
    share = _outstanding_redeemed(by_rep * total - expired.sum(axis=1), held)
    return Breakage(
        value=float(np.mean(by_rep)),
        basis=basis,
        method="/".join(sorted(methods - {""})) if basis != "unobserved" else "",
        expirable_share=expirable,
        redemption_share=float(np.mean(share)),
        # unobserved: the prudent bound, every outstanding point redeemed
        liability=float(np.mean(held * cost_per_point * np.nan_to_num(share, nan=1.0))),
        by_replication=by_rep,
    )


def _outstanding_redeemed(lost: F64, held: F64) -> F64:
    """Share of the points outstanding that will be redeemed, given the points to be lost."""
    safe = np.where(held > 0, held, 1.0)
    out: F64 = np.where(held > 0, 1.0 - np.clip(lost, 0.0, None) / safe, 1.0)
    return np.clip(out, 0.0, 1.0)
