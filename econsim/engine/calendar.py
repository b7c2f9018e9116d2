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

from collections.abc import Generator, Iterable
from typing import Any

import numpy as np
import simpy

from econsim.engine.simulation import Simulation
from econsim.scenario.schema import RuleChange

Process = Generator[Any, Any, None]


# ---------------------------------------------------------------------- processes


def _at(env: simpy.Environment, when: float) -> simpy.Timeout:
    return env.timeout(max(when - env.now, 0.0))


def _on_days(
    env: simpy.Environment, sim: Simulation, days: Iterable[int], offset: float, action: str
) -> Process:
    """``sim.action()`` at ``offset`` into each of ``days`` (in order) not yet simulated."""
    for d in days:
        if d >= sim.model.horizon:
            break
        if d < env.now:  # a resumed run: done before it stopped
            continue
        yield _at(env, d + offset)
        sim.day = int(d)
        getattr(sim, action)()


def _rule_change(env: simpy.Environment, sim: Simulation, rc: RuleChange) -> Process:
    yield _at(env, rc.day + 0.1)
    sim.day = rc.day
    sim.apply_rule_change(rc)


def _processes(env: simpy.Environment, sim: Simulation) -> list[Process]:
    """The calendar's processes, from its first day to the horizon."""
    m, design = sim.model, sim.model.scenario.design
    period, every = design.period_days, design.tier_review.every_days
    campaigns = design.campaigns.values()
    edges = sorted({c.start_day for c in campaigns} | {c.end_day + 1 for c in campaigns})
    reviews = range(every - 1, m.horizon, every) if len(m.tiers) >= 2 and not m.fixed_tiers else ()
    return [
        _on_days(env, sim, range(period, m.horizon, period), 0.0, "start_period"),
        *(_rule_change(env, sim, rc) for rc in design.rule_changes if rc.day >= env.now),
        _on_days(env, sim, edges, 0.2, "update_campaigns"),
        _on_days(env, sim, range(m.horizon), 0.5, "tick"),
        _on_days(env, sim, reviews, 0.7, "review_tiers"),
        _on_days(env, sim, np.flatnonzero(m.month_end).tolist(), 0.8, "expire_month"),
        _on_days(env, sim, range(m.horizon), 0.9, "close_day"),
    ]


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
    for process in _processes(env, sim):  # earlier rule changes are in the rules in force
        env.process(process)
    env.run(until=stop)
    sim.days_done = stop
