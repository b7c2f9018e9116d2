"""The floor kernel: the least work any engine must do for LOY — draws and balance updates.

Per day and behaviour: one uniform draw per user (is the behaviour done today?), the amount
draw for the users who did a core behaviour, and adding the points to their balances.
No caps, tiers moves, lifecycle, redemption, expiry or books: the yardstick for "close to
the limit" of an engine on this machine, compiled with numba and drawing from the engine's
own inlined generator (:func:`run_floor`). It replaced (issue 34) a floor that called
numpy's ``Generator`` from numba — 6–8 ns a draw through a function pointer, a slower
floor than the engine's own draws — and a numpy floor for the retired numpy reference.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numba import njit

from econsim.engine.compiled.uniform import seeded, uniform
from econsim.engine.model import compile_model
from econsim.scenario.schema import Scenario


def floor_tables(scenario: Scenario, rng: np.random.Generator) -> tuple[Any, ...]:
    """Each user's tier, and per tier and behaviour the chance of doing it on a day and the
    points when done."""
    m = compile_model(scenario)
    n = scenario.population.users
    tier = rng.choice(len(m.tiers), size=n, p=[t.share for t in scenario.population.tiers.values()])
    p_do = np.where(m.is_core[None, :], 1 - np.exp(-m.core_rate), 1 - (1 - m.slot_p) ** m.daily_cap)
    pts = np.where(m.is_core[None, :], m.amount_mean / m.unit[None, :], m.slot_p * 0 + 1)
    pts = pts * np.array([b.points for b in scenario.design.behaviours.values()])[None, :]
    return m, tier, p_do, pts


def _floor_days(
    state: np.ndarray,
    days: int,
    tier: np.ndarray,
    p_do: np.ndarray,
    pts: np.ndarray,
    is_core: np.ndarray,
    balance: np.ndarray,
) -> None:
    """Per day, one pass over the members; per member and behaviour one coin flip from the
    engine's own generator (the inlined xoshiro256+ of ``engine/compiled/uniform.py``), and
    for a core behaviour done and the gamma(1, 1) amount drawn as
    an exponential by inversion from the same stream (-log(1 - u), exact in distribution).
    The least the engine's loop could cost with the draws it makes."""
    behaviours = is_core.size
    for _ in range(days):
        for i in range(tier.size):
            t = tier[i]
            for b in range(behaviours):
                if uniform(state) < p_do[t, b]:
                    if is_core[b]:
                        balance[i] += np.int64(-np.log(1.0 - uniform(state)) * pts[t, b])
                    else:
                        balance[i] += np.int64(pts[t, b])


floor_days = njit(cache=True, error_model="numpy")(_floor_days)


def run_floor(scenario: Scenario, seed: int = 0) -> dict[str, float]:
    """Simulate the floor of LOY (:func:`_floor_days`): the yardstick the engine is reported
    against. The kernel is compiled (or loaded from numba's cache) on a tiny input first, so
    ``seconds`` is the simulation alone."""
    rng = np.random.default_rng(seed)
    m, tier, p_do, pts = floor_tables(scenario, rng)
    tier = tier.astype(np.int64)
    is_core = np.ascontiguousarray(m.is_core, dtype=np.bool_)
    balance = np.zeros(tier.size, np.int64)
    state = seeded(rng)
    floor_days(state.copy(), 1, tier[:10].copy(), p_do, pts, is_core, np.zeros(10, np.int64))
    start = time.perf_counter()
    floor_days(state, scenario.horizon_days, tier, p_do, pts, is_core, balance)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "agent_days": float(tier.size * scenario.horizon_days)}
