"""The daily books of one replication: every point and every unit of money, by day.

Invariant every day, in total and per tier:
    Σ issued − Σ redeemed − Σ expired + Σ transferred = outstanding
(``transferred`` moves a user's balance between tiers when the user changes tier).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.engine.model import Model
from econsim.errors import SimulationError
from econsim.results import FUNNEL


@dataclass
class Ledger:
    """Arrays with a leading day axis. Points are integers, money is float."""

    issued: I64  # [D, S, T]
    redeemed: I64  # [D, K, T] points spent per sink
    redemptions: I64  # [D, K] count
    expired: I64  # [D, T]
    outstanding: I64  # [D, T] end of day
    transferred: I64  # [D, T] net points moved in by tier changes
    cost: F64  # [D, K] money realised
    cost_by_tier: F64  # [D, T] the same money by the redeeming user's tier
    budget: F64  # [D] budget of the period so far (grows with core amount for fixed_ratio)
    period_cost: F64  # [D] money realised in the period so far
    denied: I64  # [D] redemptions denied by the hard budget cap
    stock_outs: I64  # [D] redemptions wanted but out of stock
    users: I64  # [D, T] users not churned
    active: I64  # [D, T] users with a behaviour that day (DAU), by their tier then
    wau: I64  # [D, T] users with a behaviour in the 7 days to this one, by tier at its end
    mau: I64  # [D, T] … in the 30 days to this one (churned since included)
    retained: I64  # [D, R, T] members who joined retention_days[r] days before (from day 1)
    # and had a behaviour today, by the tier they earned in
    cohort_active: I64  # [D, M] at month ends and the last day: members who joined in
    # month m (from day 1) with a behaviour this month so far
    holders: I64  # [D, T] users with a positive balance (churned included: still a liability)
    redeemers: I64  # [D, T] users who redeemed that day
    consumers_30d: I64  # [D, T] users who redeemed in the last 30 days
    reach_30d: I64  # [D, T] users holding points now or who redeemed in the last 30 days
    ever_redeemed: I64  # [D] distinct users who have redeemed so far
    new_users: I64  # [D]
    churned: I64  # [D] users churned so far
    dormant: I64  # [D] users dormant at the end of the day
    tier_up: I64  # [D, T] moves up into tier
    tier_down: I64  # [D, T] moves down into tier
    core_amount: F64  # [D, T]
    prices: I64  # [D, K] catalog points prices in force that day
    occurrences: I64  # [D, B] occurrences of each behaviour (non-core: within caps)
    actors: I64  # [D, B] users who did each behaviour
    aging: I64  # [D, 6, T] outstanding by how soon it expires (month ends and the last day)
    coupons_given: I64  # [D, C] coupons members received (claimed, handed out or won)
    coupons_used: I64  # [D, C] coupons used on a purchase (their discount is in ``cost``)
    coupon_uplift: F64  # [D, C] extra core amount of baskets topped up to a threshold
    active_new: I64  # [D] members who joined that day (from day 1) and had a behaviour
    buyers: I64  # [D, T] members who made their first core purchase that day
    repeat_buyers: I64  # [D, T] members who made their second core purchase that day
    funnel: I64  # [D, 5] new members (from day 1) reaching each AARRR stage that day
    participants: I64  # [D, P] members who took part in each packaged campaign that day
    rewarded: I64  # [D, P] rewards paid (flat rewards, prizes, group members, draw winners)
    # [D, 3] a run from a snapshot: its members' points of that day redeemed and expired so
    # far, and still outstanding (engine.runoff; 0 in a run from day 0)
    runoff: I64
    # [D, T] points the run opens with, on its first day: a run from a snapshot with no
    # books before it (engine.snapshot); 0 elsewhere
    opening: I64
    # [D, M, T] points issued in month m of the run (its issuance cohort) redeemed, and
    # expired, that day, by the member's tier then; the lots' order — oldest month first —
    # decides which cohort a redemption draws on (breakage triangles: metrics.triangles).
    # Points a run opened with belong to no month of it (``runoff`` follows them)
    cohort_redeemed: I64
    cohort_expired: I64

    @classmethod
    def empty(cls, model: Model) -> Ledger:
        d, t = model.horizon, len(model.tiers)
        s, k = len(model.sources), len(model.sinks)
        months = int(model.month_key[-1]) + 1
        i = np.int64

        def z(*shape: int, dtype: type = i) -> Any:  # typed by the field it fills
            return np.zeros(shape, dtype=dtype)

        return cls(
            issued=z(d, s, t),
            redeemed=z(d, k, t),
            redemptions=z(d, k),
            expired=z(d, t),
            outstanding=z(d, t),
            transferred=z(d, t),
            cost=z(d, k, dtype=float),
            cost_by_tier=z(d, t, dtype=float),
            budget=z(d, dtype=float),
            period_cost=z(d, dtype=float),
            denied=z(d),
            stock_outs=z(d),
            users=z(d, t),
            active=z(d, t),
            wau=z(d, t),
            mau=z(d, t),
            retained=z(d, len(model.retention_days), t),
            cohort_active=z(d, months),
            holders=z(d, t),
            redeemers=z(d, t),
            consumers_30d=z(d, t),
            reach_30d=z(d, t),
            ever_redeemed=z(d),
            new_users=z(d),
            churned=z(d),
            dormant=z(d),
            tier_up=z(d, t),
            tier_down=z(d, t),
            core_amount=z(d, t, dtype=float),
            prices=z(d, len(model.items)),
            occurrences=z(d, len(model.behaviours)),
            actors=z(d, len(model.behaviours)),
            aging=z(d, 6, t),
            coupons_given=z(d, len(model.coupons)),
            coupons_used=z(d, len(model.coupons)),
            coupon_uplift=z(d, len(model.coupons), dtype=float),
            active_new=z(d),
            buyers=z(d, t),
            repeat_buyers=z(d, t),
            funnel=z(d, len(FUNNEL)),
            participants=z(d, len(model.packaged)),
            rewarded=z(d, len(model.packaged)),
            runoff=z(d, 3),
            opening=z(d, t),
            cohort_redeemed=z(d, months, t),
            cohort_expired=z(d, months, t),
        )

    def arrays(self) -> dict[str, NDArray[np.generic]]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def check_invariants(ledger: Ledger, hard_cap: bool, first: int = 0) -> None:
    """Raise SimulationError naming the first day an invariant breaks. ``first``: the
    first simulated day — the days before are a live programme's books
    (``engine.snapshot``), whose counts of coupons given, campaign participants and the
    new members' funnel a log shows only in part; its points must still add up."""
    flow = (
        ledger.opening
        + ledger.issued.sum(axis=1)
        - ledger.redeemed.sum(axis=1)
        - ledger.expired
        + ledger.transferred
    ).cumsum(axis=0)
    bad = np.nonzero((flow != ledger.outstanding).any(axis=1))[0]
    if bad.size:
        day = int(bad[0])
        raise SimulationError(
            f"ledger does not balance on day {day}: opening + issued − redeemed − expired + "
            "transferred "
            f"= {flow[day].tolist()} but outstanding = {ledger.outstanding[day].tolist()}"
        )
    _check_cohorts(ledger)
    dau, wau, mau = (x.sum(axis=1) for x in (ledger.active, ledger.wau, ledger.mau))
    joined = ledger.users.sum(axis=1) + ledger.churned  # every member so far
    wrong = np.nonzero((dau > wau) | (wau > mau) | (mau > joined))[0]
    if wrong.size:
        day = int(wrong[0])
        raise SimulationError(
            f"active members out of order on day {day}: DAU {dau[day]}, WAU {wau[day]}, "
            f"MAU {mau[day]}, members who joined {joined[day]}"
        )
    _check_counts(ledger, joined, first)
    neg = np.nonzero((ledger.outstanding < 0).any(axis=1))[0]
    if neg.size:
        raise SimulationError(f"negative outstanding points on day {int(neg[0])}")
    if hard_cap:
        over = np.nonzero(ledger.period_cost > ledger.budget * (1 + 1e-12) + 1e-9)[0]
        if over.size:
            day = int(over[0])
            raise SimulationError(
                f"cost {ledger.period_cost[day]:.2f} exceeds the hard budget "
                f"{ledger.budget[day]:.2f} on day {day}"
            )


def _check_counts(ledger: Ledger, joined: NDArray[np.int64], first: int) -> None:
    """Coupons, campaign participants and the funnel, counted from day ``first``."""
    given = ledger.coupons_given[first:].cumsum(axis=0)
    used = ledger.coupons_used[first:].cumsum(axis=0)
    spent = np.nonzero((used > given).any(axis=1))[0]
    if spent.size:
        raise SimulationError(f"more coupons used than given by day {first + int(spent[0])}")
    took = ledger.participants[first:].sum(axis=1).cumsum()
    crowd = np.nonzero(took > joined[first:] * max(ledger.participants.shape[1], 1))[0]
    if crowd.size:
        raise SimulationError(
            f"more campaign participants than members by day {first + int(crowd[0])}: a "
            "member takes part in a campaign once"
        )
    # acquisition ≥ activation ≥ retention and revenue (a purchase is a behaviour);
    # referral ≤ acquisition (a new member may bring a friend before doing anything)
    stages = ledger.funnel[first:].cumsum(axis=0)
    narrow = (stages[:, 1] <= stages[:, 0]) & (stages[:, 2] <= stages[:, 1])
    narrow &= (stages[:, 3] <= stages[:, 1]) & (stages[:, 4] <= stages[:, 0])
    buyers = ledger.buyers[first:].cumsum(axis=0).sum(axis=1)
    narrow &= ledger.repeat_buyers[first:].cumsum(axis=0).sum(axis=1) <= buyers
    wide = np.nonzero(~narrow)[0]
    if wide.size:
        raise SimulationError(
            f"the funnel widens by day {first + int(wide[0])}: {stages[wide[0]].tolist()} "
            "(acquisition, activation, retention, revenue, referral), or more repeat buyers "
            "than buyers"
        )


def _check_cohorts(ledger: Ledger) -> None:
    """Every point redeemed or expired came from a month of the run or from what it opened
    with: by day and tier, the cohorts' share is at most the day's, and all of it in a run
    that opened with nothing."""
    for name, cohorts, total in (
        ("redeemed", ledger.cohort_redeemed, ledger.redeemed.sum(axis=1)),
        ("expired", ledger.cohort_expired, ledger.expired),
    ):
        drawn = cohorts.sum(axis=1)
        opened = ledger.opening.any() or ledger.runoff.any()
        wrong = (drawn > total) if opened else (drawn != total)
        bad = np.nonzero(wrong.any(axis=1))[0]
        if bad.size:
            day = int(bad[0])
            raise SimulationError(
                f"points {name} on day {day} by tier {total[day].tolist()} but drawn from the "
                f"months' cohorts {drawn[day].tolist()}"
            )
