"""The calendar: simpy drives a replication's ``Simulation`` day by day.

Each kind of scheduled event is its own process; within a day they run in a fixed order
given by their time offset:

    d + 0.0  budget period starts (caps, stock, budget reset)
    d + 0.1  rule changes          d + 0.2  campaign table
    d + 0.5  the daily tick: lifecycle, acquisition, earning, redemption
    d + 0.7  tier review           d + 0.8  month-end expiry
    d + 0.9  the day's closing snapshot

Adding a kind of event is adding a process, not editing the tick.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from econsim.engine.simulation import Simulation
from econsim.scenario.schema import RuleChange

Process = Generator[Any, Any, None]


# ---------------------------------------------------------------------- processes


def _at(env: simpy.Environment, when: float) -> simpy.Timeout:
    return env.timeout(max(when - env.now, 0.0))


def _daily(env: simpy.Environment, sim: Simulation, offset: float, action: str) -> Process:
    for d in range(int(env.now), sim.model.horizon):
        yield _at(env, d + offset)
        sim.day = d
        getattr(sim, action)()


def _periods(env: simpy.Environment, sim: Simulation) -> Process:
    period = sim.model.scenario.design.period_days
    for d in range(period, sim.model.horizon, period):
        if d < env.now:
            continue
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
        if d < env.now:
            continue
        yield _at(env, d + 0.2)
        sim.day = d
        sim.update_campaigns()


def _tier_reviews(env: simpy.Environment, sim: Simulation) -> Process:
    every = sim.model.scenario.design.tier_review.every_days
    if len(sim.model.tiers) < 2 or sim.model.fixed_tiers:
        return
    for d in range(every - 1, sim.model.horizon, every):
        if d < env.now:
            continue
        yield _at(env, d + 0.7)
        sim.day = d
        sim.review_tiers()


def _month_ends(env: simpy.Environment, sim: Simulation) -> Process:
    for d in np.nonzero(sim.model.month_end)[0]:
        if d < env.now:
            continue
        yield _at(env, float(d) + 0.8)
        sim.day = int(d)
        sim.expire_month()


def run_calendar(sim: Simulation, stop: int | None = None) -> None:
    """Run every process of the scenario's calendar from the first day ``sim`` has not
    simulated (``Simulation.days_done``) up to day ``stop`` (not included; default the
    horizon's end). A simulation stopped at a day, checkpointed and restored goes on from it
    exactly as if it had never stopped (``Simulation.checkpoint``)."""
    start = sim.days_done
    stop = sim.model.horizon if stop is None else min(stop, sim.model.horizon)
    if start >= stop:
        return
    env = simpy.Environment(initial_time=start)
    env.process(_periods(env, sim))
    for rc in sim.model.scenario.design.rule_changes:
        if rc.day >= start:  # earlier ones are in the rules in force
            env.process(_rule_change(env, sim, rc))
    env.process(_campaign_edges(env, sim))
    env.process(_daily(env, sim, 0.5, "tick"))
    env.process(_tier_reviews(env, sim))
    env.process(_month_ends(env, sim))
    env.process(_daily(env, sim, 0.9, "close_day"))
    env.run(until=stop)
    sim.days_done = stop
