"""The five steps of point-earning calibration (domain §3) as pure array functions.

Shapes: ``T`` tiers × ``B`` behaviours. ``cap[t, b]`` is the per-period cap (occurrences,
or amount for core behaviours), ``unit[b]`` the amount that earns ``points[b]`` (1 for
non-core), ``uptake[t, b]`` the share of the cap an average tier member realises.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64
from econsim.scenario.earning_rule import expected_quantity, max_points


@dataclass(frozen=True)
class Inputs:
    """Everything the calibration needs, as arrays (built from a Scenario by ``inputs``)."""

    tiers: tuple[str, ...]
    behaviours: tuple[str, ...]
    is_core: NDArray[np.bool_]
    points: F64
    unit: F64
    cap: F64
    uptake: F64
    multiplier: F64  # existing tier multipliers [t, b]; the adjusted group's are replaced
    users: F64
    core_share: F64
    reserve_share: float
    adjust: str  # "core" or "non_core"


def per_user_maximum(inp: Inputs) -> tuple[F64, F64, F64]:
    """Step 3 before adjustment: non-core max K_t and core base max C_t per user.

    The adjusted group is taken at base value (no multiplier): step 3 sets its multiplier.
    Returns ``(K, C, per_behaviour_base_max[t, b])``.
    """
    adjusted = inp.is_core if inp.adjust == "core" else ~inp.is_core
    kept = np.where(adjusted[None, :], 1.0, inp.multiplier)
    scaled = max_points(inp.points[None, :], inp.cap, inp.unit[None, :], kept)
    non_core_max = (scaled * ~inp.is_core).sum(axis=1)
    core_max = (scaled * inp.is_core).sum(axis=1)
    return non_core_max, core_max, scaled


def tier_multipliers(inp: Inputs, non_core_max: F64, core_max: F64) -> F64:
    """Step 3: the per-tier multiplier on the adjusted group that meets each core share.

    adjust core:      m·C / (m·C + K) = s  →  m = s·K / ((1 − s)·C)
    adjust non_core:  C / (C + n·K) = s    →  n = (1 − s)·C / (s·K)
    A tier with only core points and a share of 1 (or only non-core points and a share of
    0) meets its share whatever the multiplier: it keeps its points as designed (m = 1).
    Infinite or undefined multipliers are returned as NaN for the caller to report.
    """
    s = inp.core_share
    with np.errstate(divide="ignore", invalid="ignore"):
        if inp.adjust == "core":
            m = s * non_core_max / ((1.0 - s) * core_max)
        else:
            m = (1.0 - s) * core_max / (s * non_core_max)
    already = ((s == 1.0) & (non_core_max == 0)) | ((s == 0.0) & (core_max == 0))
    return np.where(already, 1.0, np.where(np.isfinite(m), m, np.nan))


def adjusted_values(inp: Inputs, scaled: F64, m: F64) -> F64:
    """Per-user maximum points per behaviour after step 3 (tier multiplier applied)."""
    adjusted = inp.is_core if inp.adjust == "core" else ~inp.is_core
    return np.where(adjusted[None, :], scaled * m[:, None], scaled)


def effective_multiplier(inp: Inputs, m: F64) -> F64:
    """The tier multiplier of every behaviour after step 3, [t, b]."""
    adjusted = inp.is_core if inp.adjust == "core" else ~inp.is_core
    return np.where(adjusted[None, :], m[:, None], inp.multiplier)


def predicted_per_user(inp: Inputs, max_by_behaviour: F64) -> F64:
    """Step 4: predicted points per user per behaviour, [t, b] = max × uptake."""
    return max_by_behaviour * inp.uptake


def predicted_core_amount(inp: Inputs) -> F64:
    """Predicted core amount per user per tier (for a fixed-ratio budget)."""
    amount: F64 = (expected_quantity(inp.cap, inp.uptake) * inp.is_core[None, :]).sum(axis=1)
    return amount


def exchange_ratio(total_points: float, budget: float, reserve_share: float) -> float:
    """Step 5: points per unit of usable money, usable = (1 − reserve) × budget."""
    return total_points / ((1.0 - reserve_share) * budget)


def conversion_coefficient(target: float, ratio_before: float) -> float:
    """Step 5: k = target exchange ratio / current exchange ratio."""
    return target / ratio_before


def cost_per_user(points_per_user: F64, k: float, target: float) -> F64:
    """Step 5: money one user costs, predicted_t × k / target (also for the maximum)."""
    return points_per_user * k / target
