"""``calibrate(scenario) -> Calibration``: run the five steps and keep every number."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from econsim.calibration import steps
from econsim.calibration.rounding import round_values
from econsim.errors import Problem, ScenarioError
from econsim.protocol import html_table, pandas
from econsim.scenario.schema import Behaviour, Scenario

if TYPE_CHECKING:
    import pandas as pd

#: Relative deviation of the exchange ratio after rounding that earns a warning.
RATIO_DEVIATION_WARNING = 0.01
CORE_STEP = 0.01


@dataclass(frozen=True)
class TierCalibration:
    """One tier's figures, per user per period unless named otherwise."""

    name: str
    users: float
    core_share: float
    non_core_max: float
    core_base_max: float
    core_multiplier: float
    non_core_multiplier: float
    max_points_per_user: float
    predicted_points_per_user: float
    cost_per_user: float
    max_cost_per_user: float
    predicted_core_amount_per_user: float


@dataclass(frozen=True)
class BehaviourCalibration:
    """One behaviour's point value before, exactly after correction, and after rounding."""

    name: str
    kind: str
    points_before: float
    points_exact: float
    points_after: float
    low: float
    high: float


@dataclass(frozen=True)
class Calibration:
    """Every step's numbers; per period of ``period_days`` days."""

    scenario: str
    currency: str
    period_days: int
    budget: float
    reserve_share: float
    usable_budget: float
    target_exchange_ratio: float
    total_max_points: float
    total_predicted_points: float
    exchange_ratio_before: float
    conversion_coefficient: float
    total_points_after_rounding: float
    exchange_ratio_after_rounding: float
    tiers: tuple[TierCalibration, ...]
    behaviours: tuple[BehaviourCalibration, ...]
    #: predicted points per user per period after rounding, {tier: {behaviour: points}}
    predicted_by_behaviour: dict[str, dict[str, float]]
    tier_multipliers: dict[str, dict[str, float]]
    warnings: tuple[str, ...] = field(default=())

    @property
    def ratio_deviation(self) -> float:
        """Relative deviation of the exchange ratio after rounding from the target."""
        return self.exchange_ratio_after_rounding / self.target_exchange_ratio - 1.0

    @property
    def total_cost(self) -> float:
        """Predicted money cost of one period before rounding (= usable budget)."""
        return sum(t.users * t.cost_per_user for t in self.tiers)

    def tier(self, name: str) -> TierCalibration:
        return next(t for t in self.tiers if t.name == name)

    def summary(self) -> dict[str, Any]:
        """Every step's numbers, JSON-ready (the shape of ``econsim calibrate --json``)."""
        return {
            "scenario": self.scenario,
            "currency": self.currency,
            "period_days": self.period_days,
            "budget": self.budget,
            "reserve_share": self.reserve_share,
            "usable_budget": self.usable_budget,
            "target_exchange_ratio": self.target_exchange_ratio,
            "total_max_points": self.total_max_points,
            "total_predicted_points": self.total_predicted_points,
            "exchange_ratio_before": self.exchange_ratio_before,
            "conversion_coefficient": self.conversion_coefficient,
            "total_points_after_rounding": self.total_points_after_rounding,
            "exchange_ratio_after_rounding": self.exchange_ratio_after_rounding,
            "ratio_deviation": self.ratio_deviation,
            "total_cost": self.total_cost,
            "tiers": {t.name: _public(t) for t in self.tiers},
            "behaviours": {b.name: _public(b) for b in self.behaviours},
            "predicted_by_behaviour": self.predicted_by_behaviour,
            "warnings": list(self.warnings),
        }

    def to_df(self) -> pd.DataFrame:
        """One row per behaviour with its calibrated numbers (needs pandas)."""
        return pandas().DataFrame([vars(b) for b in self.behaviours]).set_index("name")

    def _repr_html_(self) -> str:
        rows = [
            ["target exchange ratio", f"{self.target_exchange_ratio:,.4g}"],
            ["exchange ratio of the design", f"{self.exchange_ratio_before:,.4g}"],
            ["conversion coefficient", f"{self.conversion_coefficient:,.4g}"],
            [f"usable budget per period ({self.currency})", f"{self.usable_budget:,.0f}"],
            *(["warning", w] for w in self.warnings),
        ]
        return html_table(f"Calibration of {self.scenario}", rows)

    def calibrated_scenario(self, scenario: Scenario) -> Scenario:
        """The scenario with calibrated point values and tier multipliers, ready to simulate."""
        behaviours = {
            name: b.model_copy(
                update={
                    "points": self._after(name),
                    "tier_multipliers": self.tier_multipliers[name],
                }
            )
            for name, b in scenario.design.behaviours.items()
        }
        design = scenario.design.model_copy(update={"behaviours": behaviours})
        return scenario.model_copy(update={"design": design})

    def _after(self, behaviour: str) -> float:
        return next(b.points_after for b in self.behaviours if b.name == behaviour)


def _public(obj: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(obj).items() if k != "name"}


def _cap(b: Behaviour, tier: str) -> float:
    return b.period_cap[tier] if isinstance(b.period_cap, dict) else b.period_cap


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
        cap=np.array([[_cap(b, t) for b in bs] for t in tiers]),
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
    per_user = inp.points[None, :] * inp.cap / inp.unit[None, :] * inp.multiplier * inp.uptake
    return {
        t: {b: float(per_user[i, j]) for j, b in enumerate(inp.behaviours)}
        for i, t in enumerate(inp.tiers)
    }


def _budget(s: Scenario, inp: steps.Inputs) -> float:
    b = s.design.budget
    if b.method == "fixed_amount":
        assert b.amount is not None  # guaranteed by the scenario checks
        return b.amount
    assert b.ratio is not None
    return b.ratio * float(inp.users @ steps.predicted_core_amount(inp))


def _step3_problems(s: Scenario, inp: steps.Inputs, m: np.ndarray) -> list[Problem]:
    group = "core" if inp.adjust == "core" else "non-core"
    other = "non-core" if inp.adjust == "core" else "core"
    return [
        Problem(
            f"scenario '{s.name}'",
            0,
            0,
            f"design.tiers.{t}.core_share",
            f"core share {inp.core_share[i]:g} cannot be reached by scaling {group} points",
            f"tier '{t}' needs both {group} and {other} points for a share strictly between 0 "
            "and 1; change the share, the caps, or calibration.adjust",
        )
        for i, t in enumerate(inp.tiers)
        if not np.isfinite(m[i])
    ]


def calibrate(scenario: Scenario) -> Calibration:
    """Run the five-step calibration on a scenario's design and planning population."""
    inp = inputs(scenario)
    target = scenario.design.calibration.target_exchange_ratio
    # step 3: per-user maximum and the tier multiplier that meets the core share
    k_max, c_max, scaled = steps.per_user_maximum(inp)
    m = steps.tier_multipliers(inp, k_max, c_max)
    problems = _step3_problems(scenario, inp, m)
    if problems:
        raise ScenarioError(problems)
    max_by_b = steps.adjusted_values(inp, scaled, m)
    # step 4: all-user totals
    pred_by_b = steps.predicted_per_user(inp, max_by_b)
    max_user, pred_user = max_by_b.sum(axis=1), pred_by_b.sum(axis=1)
    total_max, total_pred = float(inp.users @ max_user), float(inp.users @ pred_user)
    # step 5: exchange-ratio correction and per-user cost
    budget = _budget(scenario, inp)
    _check_nonzero(scenario, budget, total_pred)
    usable = (1.0 - inp.reserve_share) * budget
    ratio_before = steps.exchange_ratio(total_pred, budget, inp.reserve_share)
    k = steps.conversion_coefficient(target, ratio_before)
    exact = inp.points * k
    mult = steps.effective_multiplier(inp, m)
    weights = (inp.users[:, None] * inp.cap / inp.unit[None, :] * inp.uptake * mult).sum(axis=0)
    step_sizes = np.array(
        [_points_step(scenario.design.behaviours[n]) for n in inp.behaviours], dtype=float
    )
    rounded = round_values(
        exact, step_sizes, weights, target * usable, scenario.design.calibration.rounding_range
    )
    total_after = float(rounded.values @ weights)
    ratio_after = total_after / usable
    cost, max_cost = (
        steps.cost_per_user(pred_user, k, target),
        steps.cost_per_user(max_user, k, target),
    )
    core_amount = steps.predicted_core_amount(inp)
    after_by_b = (inp.cap / inp.unit[None, :] * inp.uptake * mult) * rounded.values[None, :]
    tiers = tuple(
        TierCalibration(
            name=t,
            users=float(inp.users[i]),
            core_share=float(inp.core_share[i]),
            non_core_max=float(k_max[i]),
            core_base_max=float(c_max[i]),
            core_multiplier=float(m[i]) if inp.adjust == "core" else 1.0,
            non_core_multiplier=float(m[i]) if inp.adjust == "non_core" else 1.0,
            max_points_per_user=float(max_user[i]),
            predicted_points_per_user=float(pred_user[i]),
            cost_per_user=float(cost[i]),
            max_cost_per_user=float(max_cost[i]),
            predicted_core_amount_per_user=float(core_amount[i]),
        )
        for i, t in enumerate(inp.tiers)
    )
    behaviours = tuple(
        BehaviourCalibration(
            name=n,
            kind="core" if inp.is_core[j] else "non_core",
            points_before=float(inp.points[j]),
            points_exact=float(exact[j]),
            points_after=float(rounded.values[j]),
            low=float(rounded.low[j]),
            high=float(rounded.high[j]),
        )
        for j, n in enumerate(inp.behaviours)
    )
    result = Calibration(
        scenario=scenario.name,
        currency=scenario.currency,
        period_days=scenario.design.period_days,
        budget=budget,
        reserve_share=inp.reserve_share,
        usable_budget=usable,
        target_exchange_ratio=target,
        total_max_points=total_max,
        total_predicted_points=total_pred,
        exchange_ratio_before=ratio_before,
        conversion_coefficient=k,
        total_points_after_rounding=total_after,
        exchange_ratio_after_rounding=ratio_after,
        tiers=tiers,
        behaviours=behaviours,
        predicted_by_behaviour={
            t: {n: float(after_by_b[i, j]) for j, n in enumerate(inp.behaviours)}
            for i, t in enumerate(inp.tiers)
        },
        tier_multipliers={
            n: {t: float(mult[i, j]) for i, t in enumerate(inp.tiers) if mult[i, j] != 1.0}
            for j, n in enumerate(inp.behaviours)
        },
    )
    from econsim.calibration.diagnostics import diagnose

    return _with_warnings(result, diagnose(scenario, result, inp, rounded.widened, rounded.optimal))


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


def _with_warnings(result: Calibration, warnings: list[str]) -> Calibration:
    from dataclasses import replace

    return replace(result, warnings=tuple(warnings))


def _points_step(b: Behaviour) -> float:
    if b.points_step is not None:
        return b.points_step
    return CORE_STEP if b.kind == "core" else 1.0
