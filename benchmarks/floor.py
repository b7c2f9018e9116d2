"""The floor kernel: the least work any engine must do for LOY — draws and balance updates.

Per day and behaviour: one uniform draw per user (is the behaviour done today?), the amount
draws for the users who did a core behaviour, and adding the points to their balances.
No caps, tiers moves, lifecycle, redemption, expiry or books: the yardstick for "close to
the limit" of a numpy engine on this machine.
"""

from __future__ import annotations

import time

import numpy as np

from econsim.engine.model import compile_model
from econsim.scenario.schema import Scenario


def run_floor(scenario: Scenario, seed: int = 0) -> dict[str, float]:
    """Simulate the floor of LOY; returns seconds and agent-days."""
    m = compile_model(scenario)
    rng = np.random.default_rng(seed)
    n = scenario.population.users
    tier = rng.choice(len(m.tiers), size=n, p=[t.share for t in scenario.population.tiers.values()])
    balance = np.zeros(n, np.int64)
    # chance of doing each behaviour on a day, and points when done, per tier
    p_do = np.where(m.is_core[None, :], 1 - np.exp(-m.core_rate), 1 - (1 - m.slot_p) ** m.daily_cap)
    pts = np.where(m.is_core[None, :], m.amount_mean / m.unit[None, :], m.slot_p * 0 + 1)
    pts = pts * np.array([b.points for b in scenario.design.behaviours.values()])[None, :]
    start = time.perf_counter()
    for _ in range(scenario.horizon_days):
        for b in range(len(m.behaviours)):
            u = rng.random(n, dtype=np.float32)
            rows = np.nonzero(u < p_do[:, b].astype(np.float32)[tier])[0]
            if m.is_core[b]:
                amount = rng.gamma(1.0, 1.0, rows.size)  # one amount per actor
                balance[rows] += (amount * pts[tier[rows], b]).astype(np.int64)
            else:
                balance[rows] += pts[tier[rows], b].astype(np.int64)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "agent_days": float(n * scenario.horizon_days)}
