"""The scenario format: a *design* and a *population* (pydantic models), and how to run them.

A scenario is frozen once validated. Cross-field rules (references, shares summing to 1,
days inside the horizon) live in :mod:`econsim.scenario.checks` so that they are reported
together with schema errors, each with its own location. The design types live in
:mod:`econsim.scenario.design` (its mechanics in :mod:`econsim.scenario.mechanics`), the
population types in :mod:`econsim.scenario.population`; each is re-exported here (the field
types they share stay in :mod:`econsim.scenario.base`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field

from econsim.scenario import base
from econsim.scenario.design import (
    Accounting,
    Behaviour,
    Budget,
    CalibrationTargets,
    Campaign,
    CatalogItem,
    Design,
    Expiry,
    NoExpiry,
    RollingExpiry,
    RuleChange,
    Tier,
    TierEntry,
    TierReview,
    YearEndExpiry,
)
from econsim.scenario.mechanics import (
    PACKAGINGS,
    DailyTask,
    GroupDeal,
    Mechanics,
    MicroDraw,
    PackagedCampaign,
    Packaging,
    PointGame,
    PrizeDraw,
    RandomReward,
    Referral,
    SignInStreak,
    TaskBundle,
    ThresholdCoupon,
)
from econsim.scenario.operating import Operating
from econsim.scenario.population import (
    AmountDistribution,
    CoreActivity,
    Festival,
    Lifecycle,
    Population,
    RepeatBuying,
    Seasonality,
    TierPopulation,
)

__all__ = [
    "PACKAGINGS",
    "Accounting",
    "AmountDistribution",
    "Behaviour",
    "Budget",
    "CalibrationTargets",
    "Campaign",
    "CatalogItem",
    "CoreActivity",
    "DailyTask",
    "Design",
    "Expiry",
    "Festival",
    "GroupDeal",
    "Health",
    "Lifecycle",
    "Mechanics",
    "MicroDraw",
    "NoExpiry",
    "Operating",
    "PackagedCampaign",
    "Packaging",
    "PointGame",
    "Population",
    "PrizeDraw",
    "RandomReward",
    "Referral",
    "RepeatBuying",
    "RollingExpiry",
    "RuleChange",
    "Scenario",
    "Seasonality",
    "SignInStreak",
    "TaskBundle",
    "ThresholdCoupon",
    "Tier",
    "TierEntry",
    "TierPopulation",
    "TierReview",
    "YearEndExpiry",
]


class Health(base.Section):
    """Health thresholds (domain §5)."""

    consumption_threshold: base.Probability = Field(
        default=0.40, description="Consumption rate at or above this is healthy."
    )
    consumer_share_threshold: base.Probability = Field(
        default=0.40, description="Consumer share at or above this is healthy."
    )
    issuance_tolerance: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        default=0.10,
        description="Actual issuance further than this share from the prediction gets advice.",
    )


class Scenario(base.Section):
    """One points economy: a design, a population and how to run them."""

    name: str = Field(min_length=1, description="Name shown in reports.")
    description: str = Field(default="", description="What this design is meant to achieve.")
    currency: str = Field(default="CNY", description="Currency of every money figure.")
    start_date: dt.date = Field(
        default=dt.date(2027, 1, 1), description="Calendar date of day 0 (months, year ends)."
    )
    horizon_days: Annotated[int, BeforeValidator(base.not_bool), Field(gt=0, le=36_500)] = Field(
        default=365, description="Days to simulate (at most 36,500: a hundred years)."
    )
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = Field(
        default=0, description="Root seed of every random stream (0 to 2^63 − 1)."
    )
    replications: base.PositiveInt = Field(default=1, description="Independent runs to average.")
    health: Health = Field(default_factory=Health, description="Health thresholds.")
    design: Design = Field(description="What the operator controls.")
    population: Population = Field(description="How users actually behave.")
    operating: Operating = Field(
        default_factory=Operating,
        description="Which operating metrics are counted: retention days, the funnel's "
        "retention stage.",
    )

    def actual_uptake(self, tier: str, behaviour: str) -> float:
        """The population's uptake of ``behaviour`` in ``tier`` (else the design's
        assumption), scaled by ``uptake_scale`` and capped at 1: what members really do."""
        own = self.population.tiers[tier].uptake
        assumed = self.design.tiers[tier].uptake
        return min(
            own.get(behaviour, assumed.get(behaviour, 0.0)) * self.population.uptake_scale, 1.0
        )
