"""The floor kernel: the least work any engine must do for LOY — draws and balance updates.

Per day and behaviour: one uniform draw per user (is the behaviour done today?), the amount
draws for the users who did a core behaviour, and adding the points to their balances.
No caps, tiers moves, lifecycle, redemption, expiry or books: the yardstick for "close to
the limit" of an engine on this machine. The engine is reported against
:func:`run_true_floor`, compiled with the engine's own inlined generator; the floors before
issue 34 are kept for the history of docs/performance.md: in plain numpy (:func:`run_floor`)
and compiled with numpy's ``Generator`` called from numba (:func:`run_floor_compiled`, 6–8 ns
a draw through a function pointer: a slower floor than the engine's own draws).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from econsim.engine.model import compile_model
from econsim.scenario.schema import Scenario

try:
    from numba import njit
except ImportError:  # the numpy floor runs without numba
    njit = None


def floor_tables(scenario: Scenario, rng: np.random.Generator) -> tuple[Any, ...]:
    """Each user's tier, and per tier and behaviour the chance of doing it on a day and the
    points when done (both floors use the same tables)."""
    m = compile_model(scenario)
    n = scenario.population.users
    tier = rng.choice(len(m.tiers), size=n, p=[t.share for t in scenario.population.tiers.values()])
    p_do = np.where(m.is_core[None, :], 1 - np.exp(-m.core_rate), 1 - (1 - m.slot_p) ** m.daily_cap)
    pts = np.where(m.is_core[None, :], m.amount_mean / m.unit[None, :], m.slot_p * 0 + 1)
    pts = pts * np.array([b.points for b in scenario.design.behaviours.values()])[None, :]
    return m, tier, p_do, pts


def run_floor(scenario: Scenario, seed: int = 0) -> dict[str, float]:
    """Simulate the floor of LOY in numpy; returns seconds and agent-days."""
    rng = np.random.default_rng(seed)
    m, tier, p_do, pts = floor_tables(scenario, rng)
    n = scenario.population.users
    balance = np.zeros(n, np.int64)
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


def _floor_days(
    rng: np.random.Generator,
    days: int,
    tier: np.ndarray,
    p_do: np.ndarray,
    pts: np.ndarray,
    is_core: np.ndarray,
    balance: np.ndarray,
) -> None:
    """Per day, one pass over the members; per member and behaviour one uniform draw, and
    for a core behaviour done one gamma(1, 1) amount, added to the balance."""
    behaviours = is_core.size
    for _ in range(days):
        for i in range(tier.size):
            t = tier[i]
            for b in range(behaviours):
                if rng.random(dtype=np.float32) < p_do[t, b]:
                    if is_core[b]:
                        balance[i] += np.int64(rng.gamma(1.0, 1.0) * pts[t, b])
                    else:
                        balance[i] += np.int64(pts[t, b])


floor_days = None if njit is None else njit(cache=True)(_floor_days)


def _true_floor_days(
    state: np.ndarray,
    days: int,
    tier: np.ndarray,
    p_do: np.ndarray,
    pts: np.ndarray,
    is_core: np.ndarray,
    balance: np.ndarray,
) -> None:
    """:func:`_floor_days` with the engine's own generator: the inlined xoshiro256+ of
    ``engine/compiled/uniform.py`` for the coin flips, and the gamma(1, 1) amount drawn as
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


if njit is None:
    true_floor_days = None
else:
    from econsim.engine.compiled.uniform import seeded, uniform

    true_floor_days = njit(cache=True, error_model="numpy")(_true_floor_days)


def run_true_floor(scenario: Scenario, seed: int = 0) -> dict[str, float]:
    """The floor with the engine's own inlined generator (:func:`_true_floor_days`): the
    yardstick the engine is reported against. Seconds are the simulation alone."""
    if true_floor_days is None:
        raise ImportError("the compiled floor kernel needs numba; pip install numba")
    rng = np.random.default_rng(seed)
    m, tier, p_do, pts = floor_tables(scenario, rng)
    tier = tier.astype(np.int64)
    is_core = np.ascontiguousarray(m.is_core, dtype=np.bool_)
    balance = np.zeros(tier.size, np.int64)
    state = seeded(rng)
    true_floor_days(state.copy(), 1, tier[:10].copy(), p_do, pts, is_core, np.zeros(10, np.int64))
    start = time.perf_counter()
    true_floor_days(state, scenario.horizon_days, tier, p_do, pts, is_core, balance)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "agent_days": float(tier.size * scenario.horizon_days)}


def run_floor_compiled(scenario: Scenario, seed: int = 0) -> dict[str, float]:
    """Simulate the floor of LOY compiled with numba; returns seconds and agent-days.

    The same tables as :func:`run_floor`, with the numpy Generator passed into compiled
    code. The kernel is compiled (or loaded from numba's cache) on a tiny input first, so
    ``seconds`` is the simulation alone."""
    if floor_days is None:
        raise ImportError("the compiled floor kernel needs numba; pip install numba")
    rng = np.random.default_rng(seed)
    m, tier, p_do, pts = floor_tables(scenario, rng)
    p_do = p_do.astype(np.float32)
    tier = tier.astype(np.int64)
    is_core = np.ascontiguousarray(m.is_core, dtype=np.bool_)
    balance = np.zeros(tier.size, np.int64)
    warm = np.random.default_rng(seed + 1)
    floor_days(warm, 1, tier[:10].copy(), p_do, pts, is_core, np.zeros(10, np.int64))
    start = time.perf_counter()
    floor_days(rng, scenario.horizon_days, tier, p_do, pts, is_core, balance)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "agent_days": float(tier.size * scenario.horizon_days)}
