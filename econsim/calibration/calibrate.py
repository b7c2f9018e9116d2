"""``calibrate(scenario) -> Calibration``: run the five steps and keep every number.

Steps 1 and 2 (behaviour mapping, tiers and their core shares) are the scenario itself;
:func:`calibrate` runs step 3 (per-user totals), step 4 (all-user totals) and step 5
(exchange-ratio correction, integer adjustment, cost per user), each a function below.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from econsim.arrays import F64
from econsim.calibration import steps
from econsim.calibration.diagnostics import diagnose
from econsim.calibration.result import BehaviourCalibration, Calibration, TierCalibration
from econsim.calibration.rounding import Rounded, round_values
from econsim.errors import Problem, ScenarioError
from econsim.scenario.earning_rule import expected_points, points_per_value
from econsim.scenario.schema import Scenario

__all__ = [
    "BehaviourCalibration",
    "Calibration",
    "TierCalibration",
    "calibrate",
    "inputs",
    "predicted_issuance",
]


def inputs(s: Scenario) -> steps.Inputs:
    """The calibration's arrays from a scenario (tier users from the population's shares)."""
    d = s.design
    tiers = tuple(d.tiers)
    names = tuple(d.behaviours)
    bs = [d.behaviours[n] for n in names]
    return steps.Inputs(
        tiers=tiers,
        behaviours=names,
        is_core=np.array([b.kind == "core" for b in bs]),
        points=np.array([b.points for b in bs]),
        unit=np.array([b.unit for b in bs]),
        cap=np.array([[b.cap_for(t) for b in bs] for t in tiers]),
        uptake=np.array([[d.tiers[t].uptake.get(n, 0.0) for n in names] for t in tiers]),
        multiplier=np.array([[b.tier_multipliers.get(t, 1.0) for b in bs] for t in tiers]),
        users=np.array([s.population.users * s.population.tiers[t].share for t in tiers]),
        core_share=np.array([d.tiers[t].core_share for t in tiers]),
        reserve_share=d.calibration.reserve_share,
        adjust=d.calibration.adjust,
    )


def predicted_issuance(scenario: Scenario) -> dict[str, dict[str, float]]:
    """Step 4 for the design as written: predicted points per user per period.

    Uses the design's own point values and tier multipliers and its assumed uptake, with no
    correction: this is the issuance the operator plans, to compare with what users do.
    """
    inp = inputs(scenario)
    per_user = _as_written(inp)
    return {
        t: {b: float(per_user[i, j]) for j, b in enumerate(inp.behaviours)}
        for i, t in enumerate(inp.tiers)
    }


def _as_written(inp: steps.Inputs) -> F64:
    """Predicted points per user per period ``[tier, behaviour]`` at the written values."""
    per_user: F64 = expected_points(
        inp.points[None, :], inp.cap, inp.unit[None, :], inp.multiplier, inp.uptake
    )
    return per_user


@dataclass(frozen=True)
class _PerUser:
    """Step 3 and 4 per tier: the multiplier met, maximum and predicted points per user."""

    non_core_max: F64
    core_base_max: F64
    multiplier: F64  # [T] on the adjusted group
    effective: F64  # [T, B] every behaviour's tier multiplier after step 3
    max_points: F64  # [T] per user
    predicted_points: F64  # [T] per user


@dataclass(frozen=True)
class _Correction:
    """Step 5: the budget, the coefficient, exact and rounded point values."""

    budget: float
    usable: float
    ratio_before: float
    coefficient: float
    exact: F64
    rounded: Rounded
    value_weights: F64  # [T, B] predicted points per user per point of value
    total_after: float


def _per_user(scenario: Scenario, inp: steps.Inputs) -> _PerUser:
    """Step 3: the tier multiplier that meets each core share; step 4 per user."""
    k_max, c_max, scaled = steps.per_user_maximum(inp)
    m = steps.tier_multipliers(inp, k_max, c_max)
    problems = _step3_problems(scenario, inp, m, k_max, c_max)
    if problems:
        raise ScenarioError(problems)
    max_by_b = steps.adjusted_values(inp, scaled, m)
    pred_by_b = steps.predicted_per_user(inp, max_by_b)
    return _PerUser(
        non_core_max=k_max,
        core_base_max=c_max,
        multiplier=m,
        effective=steps.effective_multiplier(inp, m),
        max_points=max_by_b.sum(axis=1),
        predicted_points=pred_by_b.sum(axis=1),
    )


def _correct(scenario: Scenario, inp: steps.Inputs, per: _PerUser) -> _Correction:
    """Step 5: exchange ratio → conversion coefficient → values adjusted to whole steps."""
    targets = scenario.design.calibration
    core_amount = float(inp.users @ steps.predicted_core_amount(inp))
    budget = scenario.design.budget.amount_for(core_amount)
    _check_nonzero(scenario, budget, float(inp.users @ per.predicted_points))
    usable = (1.0 - inp.reserve_share) * budget
    ratio_before = steps.exchange_ratio(
        float(inp.users @ per.predicted_points), budget, inp.reserve_share
    )
    k = steps.conversion_coefficient(targets.target_exchange_ratio, ratio_before)
    exact = inp.points * k
    value_weights = points_per_value(inp.cap, inp.unit[None, :], per.effective, inp.uptake)
    weights = (inp.users[:, None] * value_weights).sum(axis=0)
    step_sizes = np.array(
        [scenario.design.behaviours[n].rounding_step() for n in inp.behaviours], dtype=float
    )
    target_total = targets.target_exchange_ratio * usable
    rounded = round_values(exact, step_sizes, weights, target_total, targets.rounding_range)
    return _Correction(
        budget=budget,
        usable=usable,
        ratio_before=ratio_before,
        coefficient=k,
        exact=exact,
        rounded=rounded,
        value_weights=value_weights,
        total_after=float(rounded.values @ weights),
    )


def calibrate(scenario: Scenario) -> Calibration:
    """Run the five-step calibration on a scenario's design and planning population."""
    inp = inputs(scenario)
    per = _per_user(scenario, inp)
    corr = _correct(scenario, inp, per)
    result = _assemble(scenario, inp, per, corr)
    warnings = diagnose(scenario, result, inp, corr.rounded.widened, corr.rounded.optimal)
    return replace(result, warnings=tuple(warnings))


def _assemble(
    scenario: Scenario, inp: steps.Inputs, per: _PerUser, corr: _Correction
) -> Calibration:
    """Every step's numbers in one result."""
    target = scenario.design.calibration.target_exchange_ratio
    after_by_b = corr.value_weights * corr.rounded.values[None, :]
    return Calibration(
        scenario=scenario.name,
        currency=scenario.currency,
        period_days=scenario.design.period_days,
        budget=corr.budget,
        reserve_share=inp.reserve_share,
        usable_budget=corr.usable,
        target_exchange_ratio=target,
        total_max_points=float(inp.users @ per.max_points),
        total_predicted_points=float(inp.users @ per.predicted_points),
        exchange_ratio_before=corr.ratio_before,
        conversion_coefficient=corr.coefficient,
        total_points_after_rounding=corr.total_after,
        exchange_ratio_after_rounding=corr.total_after / corr.usable,
        tiers=_tiers(inp, per, corr.coefficient, target),
        behaviours=_behaviours(inp, corr),
        predicted_by_behaviour={
            t: {n: float(after_by_b[i, j]) for j, n in enumerate(inp.behaviours)}
            for i, t in enumerate(inp.tiers)
        },
        tier_multipliers={
            n: {
                t: float(per.effective[i, j])
                for i, t in enumerate(inp.tiers)
                if per.effective[i, j] != 1.0
            }
            for j, n in enumerate(inp.behaviours)
        },
    )


def _tiers(
    inp: steps.Inputs, per: _PerUser, k: float, target: float
) -> tuple[TierCalibration, ...]:
    cost = steps.cost_per_user(per.predicted_points, k, target)
    max_cost = steps.cost_per_user(per.max_points, k, target)
    # what the programme would cost with the point values as written (no correction)
    written_cost = steps.cost_per_user(_as_written(inp).sum(axis=1), 1.0, target)
    core_amount = steps.predicted_core_amount(inp)
    m = per.multiplier
    return tuple(
        TierCalibration(
            name=t,
            users=float(inp.users[i]),
            core_share=float(inp.core_share[i]),
            non_core_max=float(per.non_core_max[i]),
            core_base_max=float(per.core_base_max[i]),
            core_multiplier=float(m[i]) if inp.adjust == "core" else 1.0,
            non_core_multiplier=float(m[i]) if inp.adjust == "non_core" else 1.0,
            max_points_per_user=float(per.max_points[i]),
            predicted_points_per_user=float(per.predicted_points[i]),
            cost_per_user=float(cost[i]),
            max_cost_per_user=float(max_cost[i]),
            cost_per_user_as_written=float(written_cost[i]),
            predicted_core_amount_per_user=float(core_amount[i]),
        )
        for i, t in enumerate(inp.tiers)
    )


def _behaviours(inp: steps.Inputs, corr: _Correction) -> tuple[BehaviourCalibration, ...]:
    r = corr.rounded
    return tuple(
        BehaviourCalibration(
            name=n,
            kind="core" if inp.is_core[j] else "non_core",
            points_before=float(inp.points[j]),
            points_exact=float(corr.exact[j]),
            points_after=float(r.values[j]),
            low=float(r.low[j]),
            high=float(r.high[j]),
        )
        for j, n in enumerate(inp.behaviours)
    )


#: How far step 3 may scale a tier's adjusted points to meet its core share: further, the
#: core and non-core points stand more orders apart than a double holds together (points
#: of 1e-300 became tier multipliers of 1e297, and the run was refused for "too many
#: points", issue 38).
MAX_STEP3 = 1e15


def _step3_problems(
    s: Scenario, inp: steps.Inputs, m: F64, non_core_max: F64, core_max: F64
) -> list[Problem]:
    group = "core" if inp.adjust == "core" else "non-core"
    other = "non-core" if inp.adjust == "core" else "core"
    kinds = {
        True: ", ".join(b for b, c in zip(inp.behaviours, inp.is_core, strict=True) if c),
        False: ", ".join(b for b, c in zip(inp.behaviours, inp.is_core, strict=True) if not c),
    }
    problems = []
    for i, t in enumerate(inp.tiers):
        loc = f"design.tiers.{t}.core_share"
        if not np.isfinite(m[i]):
            problems.append(Problem(
                f"scenario '{s.name}'", 0, 0, loc,
                f"core share {inp.core_share[i]:g} cannot be reached by scaling {group} points",
                f"tier '{t}' needs both {group} and {other} points for a share strictly between "
                "0 and 1; change the share, the caps, or calibration.adjust",
            ))  # fmt: skip
        elif not 1 / MAX_STEP3 <= m[i] <= MAX_STEP3:
            problems.append(Problem(
                f"scenario '{s.name}'", 0, 0, loc,
                f"tier '{t}' would need its {group} points multiplied by {m[i]:.3g} to reach its "
                f"core share {inp.core_share[i]:g}: its core behaviours ({kinds[True]}) earn at "
                f"most {core_max[i]:.3g} points a period, its non-core ones ({kinds[False]}) "
                f"{non_core_max[i]:.3g}",
                "one of them is off by orders of magnitude: check those behaviours' points and "
                "period caps",
            ))  # fmt: skip
    return problems


def _check_nonzero(scenario: Scenario, budget: float, total_predicted: float) -> None:
    """Step 5 divides by the budget and by the predicted total: both must be positive."""
    source = f"scenario '{scenario.name}'"
    problems = []
    if budget <= 0:
        problems.append(
            Problem(
                source,
                0,
                0,
                "design.budget.ratio",
                "a fixed-ratio budget of a design that predicts no core amount is 0",
                "give core behaviours a positive uptake, or use method: fixed_amount",
            )
        )
    if total_predicted <= 0:
        problems.append(
            Problem(
                source,
                0,
                0,
                "design.tiers",
                "the design predicts no points: every uptake (or every cap) is 0",
                "give at least one behaviour a positive uptake in some tier",
            )
        )
    if problems:
        raise ScenarioError(problems)
