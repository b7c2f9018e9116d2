"""One replication: the population state, the ledger, and the simpy calendar driving them.

simpy is the calendar. Each kind of scheduled event is its own process; within a day they
run in a fixed order given by their time offset:

    d + 0.0  budget period starts (caps, stock, budget reset)
    d + 0.1  rule changes          d + 0.2  campaign table
    d + 0.5  the daily tick: lifecycle, acquisition, earning, redemption
    d + 0.7  tier review           d + 0.8  month-end expiry
    d + 0.9  the day's closing snapshot

Adding a kind of event is adding a process, not editing the tick.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from econsim.engine import (
    coupons,
    earning,
    funnel_counts,
    lifecycle,
    lots,
    packaging,
    redemption,
    tiers,
)
from econsim.engine.model import CHURNED, DORMANT, N_STATES, Model
from econsim.engine.recorder import Recorder
from econsim.engine.world import World
from econsim.results import CONSUMER_WINDOW
from econsim.scenario.schema import RuleChange

Process = Generator[Any, Any, None]


class Simulation(World):
    """One replication's world with the calendar's actions on it: the daily tick and the
    scheduled events. The kernels see only the ``World``."""

    def __init__(
        self, model: Model, rng: np.random.Generator, recorder: Recorder | None = None
    ) -> None:
        super().__init__(model, rng, recorder)
        self.on_day: Callable[[int], None] | None = None  # progress hook

    # ------------------------------------------------------------------ daily tick
    def tick(self) -> None:
        lifecycle.step(self)
        pop = self.model.scenario.population
        open_ = pop.acquisition_days is None or self.day < pop.acquisition_days
        arrivals = self.rng.poisson(pop.acquisition_per_day) if open_ else 0
        if arrivals:
            self.add_users(int(arrivals))
        coupons.hand_out(self)
        acc = earning.DayEarnings(self, self.day)
        earning.behaviours(self, acc)
        earning.mechanics(self, acc)
        packaging.take_part(self, acc)
        earning.referrals(self, acc)
        funnel_counts.count(self, acc)
        earning.mark_active(self, acc)
        self.credit(acc)
        redemption.retarget(self)
        redemption.redeem_catalog(self)
        redemption.play_games(self)
        coupons.claim(self)

    def credit(self, acc: earning.DayEarnings) -> None:
        """Credit the day's booked points to balances and this month's lot."""
        rows = np.nonzero(acc.points)[0]
        month = int(self.model.month_key[self.day])
        lots.credit(self.state, rows, acc.points[rows], month, self.day)
        if not self.model.tier_metric_is_core:
            self.state.review_metric[rows] += acc.points[rows]

    def start_period(self) -> None:
        st = self.state
        st.count[:] = 0
        st.amount[:] = 0.0
        st.bundle_done[:] = False
        self.stock_left = self.model.item_stock.copy()
        self.period_cost = 0.0
        self.period_core_amount = 0.0

    def review_tiers(self) -> None:
        tiers.review(self)

    def apply_rule_change(self, rc: RuleChange) -> None:
        self.rules.change(self.model, rc)

    def update_campaigns(self) -> None:
        m, day = self.model, self.day
        self.camp_mult[:] = 1.0
        self.camp_source[:] = -1
        for name, c in m.scenario.design.campaigns.items():
            if not (c.start_day <= day <= c.end_day) or c.multiplier == 1.0:
                continue
            ts = [m.tiers.index(t) for t in c.tiers] or list(range(len(m.tiers)))
            bs = [m.behaviours.index(b) for b in c.behaviours] or list(range(len(m.behaviours)))
            cell = np.ix_(ts, bs)
            self.camp_mult[cell] *= c.multiplier
            free = self.camp_source[cell] < 0
            self.camp_source[cell] = np.where(
                free, m.source(f"campaign:{name}"), self.camp_source[cell]
            )

    def expire_month(self) -> None:
        m = self.model
        start_month = m.scenario.start_date.month
        key = int(m.month_key[self.day])
        recorder = self.recorder
        before = None if recorder is None else self.state.balance[: self.state.n].copy()
        self.ledger.expired[self.day] += lots.expire(
            self.state, key, self.rules.expiry, start_month, len(m.tiers)
        )
        if recorder is not None and before is not None:
            self.record_expiry(recorder, before)

    def record_expiry(self, recorder: Recorder, before: NDArray[np.int64]) -> None:
        """Each member's expired points, from their balance before the month's expiry (the
        lots expire slot by slot, a member's points over several)."""
        st = self.state
        gone = before - st.balance[: st.n]
        rows = np.flatnonzero(gone)
        recorder.expired(rows, self.day, gone[rows], st.tier[rows])

    def record_aging(self) -> None:
        """Today's outstanding points by how soon they expire (after the month's expiry)."""
        m, d = self.model, self.day
        month = int(m.month_key[d])
        self.ledger.aging[d] = lots.aging(
            self.state, self.rules.expiry, month, m.scenario.start_date, d, len(m.tiers)
        )

    def record_cohorts(self) -> None:
        """Members of each month's cohort (joined from day 1) with a behaviour this month."""
        m, st, d = self.model, self.state, self.day
        month = int(m.month_key[d])
        first = int(np.searchsorted(m.month_key, month))  # the month's first day in the run
        joined = st.joined[: st.n]
        sel = (joined >= 1) & (st.acted[: st.n] >= first)
        counts = np.bincount(m.month_key[joined[sel]], minlength=month + 1)
        self.ledger.cohort_active[d, : month + 1] = counts[: month + 1]

    def close_day(self) -> None:
        m, st, led, d = self.model, self.state, self.ledger, self.day
        n, nt = st.n, len(m.tiers)
        tier = st.tier[:n]
        bal = st.balance[:n]
        last = st.last_redeem[:n]
        led.outstanding[d] = np.bincount(tier, weights=bal, minlength=nt).astype(np.int64)
        # one count over (tier, lifecycle state, holds points, redeemed in 30 days, today)
        # instead of one pass per statistic
        recent = last > d - CONSUMER_WINDOW
        key = ((tier.astype(np.intp) * N_STATES + st.life[:n]) * 2 + (bal > 0)) * 2 + recent
        key = key * 2 + (last == d)
        # acted in the last 30 days (1), in the last 7 (2): MAU and WAU
        acted = st.acted[:n]
        key = key * 3 + (acted > d - 30) + (acted > d - 7)
        c = np.bincount(key, minlength=nt * N_STATES * 24).reshape(nt, N_STATES, 2, 2, 2, 3)
        led.wau[d] = c[..., 2].sum(axis=(1, 2, 3, 4))
        led.mau[d] = c[..., 1:].sum(axis=(1, 2, 3, 4, 5))
        c = c.sum(axis=5)
        led.users[d] = c[:, :CHURNED].sum(axis=(1, 2, 3, 4))
        led.holders[d] = c[:, :, 1].sum(axis=(1, 2, 3))
        led.redeemers[d] = c[..., 1].sum(axis=(1, 2, 3))
        led.consumers_30d[d] = c[:, :, :, 1].sum(axis=(1, 2, 3))
        led.reach_30d[d] = c.sum(axis=(1, 2, 3, 4)) - c[:, :, 0, 0].sum(axis=(1, 2))
        by_state = c.sum(axis=(0, 2, 3, 4))
        led.churned[d] = by_state[CHURNED]
        led.dormant[d] = by_state[DORMANT]
        led.ever_redeemed[d] = self.ever_redeemed
        led.prices[d] = self.rules.prices
        led.budget[d] = self.period_budget()
        led.period_cost[d] = self.period_cost
        if m.month_end[d] or d == m.horizon - 1:  # the aging profile, at month ends and the end
            self.record_aging()
            self.record_cohorts()
        if self.on_day is not None:
            self.on_day(d)


# ---------------------------------------------------------------------- processes


def _at(env: simpy.Environment, when: float) -> simpy.Timeout:
    return env.timeout(max(when - env.now, 0.0))


def _daily(env: simpy.Environment, sim: Simulation, offset: float, action: str) -> Process:
    for d in range(sim.model.horizon):
        yield _at(env, d + offset)
        sim.day = d
        getattr(sim, action)()


def _periods(env: simpy.Environment, sim: Simulation) -> Process:
    period = sim.model.scenario.design.period_days
    for d in range(period, sim.model.horizon, period):
        yield _at(env, d)
        sim.day = d
        sim.start_period()


def _rule_change(env: simpy.Environment, sim: Simulation, rc: RuleChange) -> Process:
    yield _at(env, rc.day + 0.1)
    sim.day = rc.day
    sim.apply_rule_change(rc)


def _campaign_edges(env: simpy.Environment, sim: Simulation) -> Process:
    edges = sorted(
        {c.start_day for c in sim.model.scenario.design.campaigns.values()}
        | {c.end_day + 1 for c in sim.model.scenario.design.campaigns.values()}
    )
    for d in edges:
        if d >= sim.model.horizon:
            break
        yield _at(env, d + 0.2)
        sim.day = d
        sim.update_campaigns()


def _tier_reviews(env: simpy.Environment, sim: Simulation) -> Process:
    every = sim.model.scenario.design.tier_review.every_days
    if len(sim.model.tiers) < 2 or sim.model.fixed_tiers:
        return
    for d in range(every - 1, sim.model.horizon, every):
        yield _at(env, d + 0.7)
        sim.day = d
        sim.review_tiers()


def _month_ends(env: simpy.Environment, sim: Simulation) -> Process:
    for d in np.nonzero(sim.model.month_end)[0]:
        yield _at(env, float(d) + 0.8)
        sim.day = int(d)
        sim.expire_month()


def run_calendar(sim: Simulation) -> None:
    """Run every process of the scenario's calendar over the horizon."""
    env = simpy.Environment()
    env.process(_periods(env, sim))
    for rc in sim.model.scenario.design.rule_changes:
        env.process(_rule_change(env, sim, rc))
    env.process(_campaign_edges(env, sim))
    env.process(_daily(env, sim, 0.5, "tick"))
    env.process(_tier_reviews(env, sim))
    env.process(_month_ends(env, sim))
    env.process(_daily(env, sim, 0.9, "close_day"))
    env.run(until=sim.model.horizon)
