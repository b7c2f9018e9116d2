"""Warnings a finance or product reviewer needs to see next to the calibrated numbers."""

from __future__ import annotations

from econsim.calibration.result import Calibration
from econsim.calibration.steps import Inputs
from econsim.scenario.schema import Scenario

RATIO_DEVIATION_WARNING = 0.01


def diagnose(
    scenario: Scenario,
    cal: Calibration,
    inp: Inputs,
    widened: tuple[int, ...],
    optimal: bool = True,
) -> list[str]:
    """Inverted incentives, per-user cost over the limit, an unreachable target."""
    slow = (
        []
        if optimal
        else [
            "the integer adjustment stopped at its search limit; the point values are the best "
            "found, not proven optimal — widen points_step or narrow rounding_range"
        ]
    )
    return [
        *_inverted_incentive(cal, inp),
        *_cost_limit(scenario, cal),
        *_unreachable(cal, inp, widened),
        *slow,
    ]


def _inverted_incentive(cal: Calibration, inp: Inputs) -> list[str]:
    out = []
    for j, name in enumerate(inp.behaviours):
        if not inp.is_core[j]:
            continue
        after = cal.behaviours[j].points_after / inp.unit[j]
        rates = [after * cal.tier_multipliers[name].get(t, 1.0) for t in inp.tiers]
        for lower, higher, r_lo, r_hi in zip(
            inp.tiers, inp.tiers[1:], rates, rates[1:], strict=False
        ):
            if r_hi < r_lo - 1e-12:
                out.append(
                    f"inverted incentive: '{name}' earns {r_hi:.4g} points per unit in tier "
                    f"'{higher}' but {r_lo:.4g} in the lower tier '{lower}' — higher tiers "
                    "should earn at least as much; raise the higher tier's core share"
                )
    return out


def _cost_limit(scenario: Scenario, cal: Calibration) -> list[str]:
    limit = scenario.design.calibration.max_cost_per_user
    if limit is None:
        return []
    return [
        f"maximum cost per user in tier '{t.name}' is {t.max_cost_per_user:,.2f} "
        f"{cal.currency}, above the limit {limit:,.2f}: lower its caps or point values"
        for t in cal.tiers
        if t.max_cost_per_user > limit
    ]


def _unreachable(cal: Calibration, inp: Inputs, widened: tuple[int, ...]) -> list[str]:
    out = [
        f"'{inp.behaviours[j]}' calibrates to {cal.behaviours[j].points_exact:.4g} points, "
        f"with no whole step within the rounding range; it was set to "
        f"{cal.behaviours[j].points_after:g}"
        for j in widened
    ]
    if abs(cal.ratio_deviation) > RATIO_DEVIATION_WARNING:
        out.append(
            f"the target exchange ratio {cal.target_exchange_ratio:g} is unreachable with "
            f"integer points: after rounding it is {cal.exchange_ratio_after_rounding:.4g} "
            f"({cal.ratio_deviation:+.1%}); change the budget, reserve, target or points_step"
        )
    return out
