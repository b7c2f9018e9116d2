"""What a calibration found: every step's numbers per tier and behaviour (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from econsim.protocol import html_table, pandas
from econsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


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
    #: predicted cost per user per period with the point values as written (no correction)
    cost_per_user_as_written: float
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

    def planned_cost_per_user(self, point_values: str) -> dict[str, float]:
        """Cost per user per period per tier for the values a run simulates: the calibrated
        ones (``"calibrated"``) or the ones written in the file (``"as_written"``)."""
        if point_values == "calibrated":
            return {t.name: t.cost_per_user for t in self.tiers}
        return {t.name: t.cost_per_user_as_written for t in self.tiers}

    def summary(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the shape of ``econsim calibrate --json``)."""
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
