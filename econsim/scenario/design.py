"""The design half of a scenario: what the operator controls (domain §2–§4).

Its incentive mechanics (§7) live in :mod:`econsim.scenario.mechanics`.

The rules of the format live here beside the fields they read: a behaviour's cap for a
tier, a budget's amount for a period, when an expiry policy lets points lapse.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from numpy.typing import NDArray
from pydantic import Discriminator, Field, Tag

from econsim.scenario.base import (
    Day,
    NonNegativeAward,
    NonNegativeFloat,
    NonNegativeInt,
    PerTier,
    PositiveFloat,
    PositiveInt,
    Probability,
    Section,
)
from econsim.scenario.mechanics import Mechanics

#: Default calibration step of a core behaviour's per-unit rate (non-core: whole points).
CORE_POINTS_STEP = 0.01
#: The month key of a lot that never expires: beyond any horizon.
NEVER = 2**40


class Behaviour(Section):
    """A user behaviour that earns points (domain step 1, behaviour mapping)."""

    kind: Literal["core", "non_core"] = Field(
        description="`core` behaviours carry an amount (invest, purchase); `non_core` are counts."
    )
    points: PositiveFloat = Field(
        description="Points per occurrence (non-core) or per `unit` of amount (core)."
    )
    unit: PositiveFloat = Field(
        default=1.0, description="Core only: the amount that earns `points` (e.g. 100 invested)."
    )
    period_cap: PerTier = Field(
        description="Cap per budget period: occurrences (non-core) or amount (core); "
        "one number or one per tier."
    )
    daily_cap: PositiveInt | None = Field(
        default=None,
        description="Non-core only: most occurrences that earn in one day. "
        "Default: period_cap / period_days rounded up.",
    )
    tier_multipliers: dict[str, PositiveFloat] = Field(
        default_factory=dict,
        description="Per-tier multiplier on this behaviour's points (calibration writes the "
        "core multipliers here). Missing tiers use 1.",
    )
    points_step: PositiveFloat | None = Field(
        default=None,
        description="Granularity of calibrated point values: 1 for non-core (whole points), "
        "0.01 for core per-unit rates unless set.",
    )

    def cap_for(self, tier: str) -> float:
        """The period cap in ``tier``: occurrences (non-core) or amount (core)."""
        return self.period_cap[tier] if isinstance(self.period_cap, dict) else self.period_cap

    def daily_limit(self, period_days: int) -> int:
        """Occurrences that earn in one day (non-core); 0 for core, which is capped by amount.

        Without a ``daily_cap``, the largest period cap spread over the period, rounded up.
        """
        if self.kind == "core":
            return 0
        if self.daily_cap is not None:
            return self.daily_cap
        caps = self.period_cap.values() if isinstance(self.period_cap, dict) else [self.period_cap]
        return max(1, math.ceil(max(caps) / period_days))

    def rounding_step(self) -> float:
        """The granularity calibration rounds this behaviour's point value to."""
        if self.points_step is not None:
            return self.points_step
        return CORE_POINTS_STEP if self.kind == "core" else 1.0


class TierEntry(Section):
    """How a user qualifies for a tier at a tier review."""

    metric: Literal["core_amount", "points_earned"] = Field(
        description="Measured over the review window: core amount transacted or points earned."
    )
    threshold: NonNegativeFloat = Field(description="Minimum metric value to hold the tier.")


class Tier(Section):
    """A member tier (domain step 2): entry rule, calibration target and uptake assumptions."""

    entry: TierEntry | None = Field(
        default=None,
        description="Entry rule; the lowest tier needs none. Without any entry rule the tiers "
        "are fixed layers (e.g. value segments): users keep the tier drawn for them by share.",
    )
    core_share: Probability = Field(
        description="Target share of a tier member's maximum points that comes from core "
        "behaviours (step 2)."
    )
    uptake: dict[str, Probability] = Field(
        description="Assumed uptake per behaviour: share of the cap an average user of this "
        "tier realises (step 4). Every behaviour needs one."
    )


class TierReview(Section):
    """When and how users move between tiers."""

    every_days: PositiveInt = Field(default=30, description="Days between tier reviews.")
    downgrade: bool = Field(default=True, description="Whether users can lose a tier.")
    grace_reviews: NonNegativeInt = Field(
        default=0,
        description="Reviews a user may miss a tier's threshold before being moved down.",
    )


class CatalogItem(Section):
    """Something users spend points on in the points mall."""

    points_price: PositiveInt = Field(description="Price in points.")
    cost: PositiveFloat = Field(description="Operator's cost in money when the cost is realised.")
    loop: Literal["closed", "open"] = Field(
        description="`closed`: the product's own coupons, cost only when used; "
        "`open`: bought-in goods, cost on redemption."
    )
    use_rate: Probability = Field(
        default=1.0, description="Closed loop only: share of redeemed coupons that get used."
    )
    stock_per_period: PositiveInt | None = Field(
        default=None, description="Redemptions allowed per budget period; none = unlimited."
    )


class Budget(Section):
    """The points budget for one period (domain §2)."""

    method: Literal["fixed_amount", "fixed_ratio"] = Field(
        description="`fixed_amount`: a sum per period; `fixed_ratio`: a share of core amount."
    )
    amount: PositiveFloat | None = Field(
        default=None, description="Money per period (fixed_amount)."
    )
    ratio: Annotated[float, Field(gt=0.0, le=1.0)] | None = Field(
        default=None,
        description="Share of the core amount moved through the product (fixed_ratio).",
    )
    hard_cap: bool = Field(
        default=False,
        description="When true, redemptions that would push the period's cost over budget "
        "are denied (and counted).",
    )

    def amount_for(self, core_amount: float) -> float:
        """The budget of a period in which users moved ``core_amount`` through the product."""
        if self.method == "fixed_amount":
            assert self.amount is not None  # guaranteed by the scenario checks
            return self.amount
        assert self.ratio is not None  # guaranteed by the scenario checks
        return self.ratio * core_amount

    def hard_cap_terms(self, days: int, period_days: int) -> tuple[float, float]:
        """``(fixed, ratio)``: a hard cap holds a period of ``days`` (of ``period_days``) to
        ``fixed + ratio × the core amount realised so far``, the fixed amount pro-rated when
        the horizon cuts the period short (as the finance view reads it)."""
        if self.method == "fixed_amount":
            assert self.amount is not None  # guaranteed by the scenario checks
            return self.amount * days / period_days, 0.0
        assert self.ratio is not None  # guaranteed by the scenario checks
        return 0.0, self.ratio

    def prorated(self, budget: NDArray[Any], days: NDArray[Any], period_days: int) -> NDArray[Any]:
        """A period's budget when it ran only ``days`` of ``period_days`` (cut short by the
        horizon): a fixed amount shrinks with the days; a ratio already followed the amount."""
        if self.method == "fixed_amount":
            shrunk: NDArray[Any] = budget * days / period_days
            return shrunk
        return budget

    def missing_field(self) -> tuple[str, str] | None:
        """``(message, hint)`` when the method's own field is absent, else None."""
        if self.method == "fixed_amount" and self.amount is None:
            return "method fixed_amount needs an amount", "add amount: <money per period>"
        if self.method == "fixed_ratio" and self.ratio is None:
            return (
                "method fixed_ratio needs a ratio",
                "add ratio: <share of core amount, e.g. 0.01>",
            )
        return None


class NoExpiry(Section):
    """Points never expire (`policy: none`, the default)."""

    policy: Literal["none"] = Field(default="none", description="Points never expire.")

    def expires_by(self, key: int, start_month: int) -> int:
        """Month key at whose end points earned in month ``key`` expire: never."""
        return NEVER

    def months_held(self) -> int:
        """The most monthly lots a user needs: one, since nothing expires."""
        return 1


class RollingExpiry(Section):
    """Points expire at the end of the N-th month after the month they were earned."""

    policy: Literal["rolling"] = Field(description="`rolling`: N months after the month earned.")
    months: PositiveInt = Field(description="N: months after the month earned (e.g. 12).")

    def expires_by(self, key: int, start_month: int) -> int:
        """Month key at whose end points earned in month ``key`` expire."""
        return key + self.months

    def months_held(self) -> int:
        """The most monthly lots a user can hold before the oldest expires."""
        return self.months + 1


class YearEndExpiry(Section):
    """Points expire on 31 December, N years after the year they were earned."""

    policy: Literal["end_of_year"] = Field(
        description="`end_of_year`: 31 December, N years after the year earned."
    )
    years: PositiveInt = Field(description="N: years after the year earned (e.g. 1).")

    def expires_by(self, key: int, start_month: int) -> int:
        """Month key at whose end points earned in month ``key`` expire.

        Month keys count from the scenario's first month (0); ``start_month`` is its calendar
        month (1–12), which places the year ends.
        """
        year = (start_month - 1 + key) // 12
        return 12 * (year + self.years) + 11 - (start_month - 1)

    def months_held(self) -> int:
        """The most monthly lots a user can hold before the oldest expires."""
        return 12 * (self.years + 1)


def _policy(value: Any) -> str:
    """The expiry variant of raw input or a model; no policy given means none."""
    if isinstance(value, dict):
        policy = value.get("policy", "none")
        return policy if isinstance(policy, str) else repr(policy)
    return str(getattr(value, "policy", "none"))


#: When earned points expire: a tagged union on ``policy`` (none / rolling / end_of_year).
Expiry = Annotated[
    Annotated[NoExpiry, Tag("none")]
    | Annotated[RollingExpiry, Tag("rolling")]
    | Annotated[YearEndExpiry, Tag("end_of_year")],
    Discriminator(
        _policy,
        custom_error_type="expiry_policy",
        custom_error_message="policy should be 'none', 'rolling' or 'end_of_year'",
    ),
]


class CalibrationTargets(Section):
    """Targets of the five-step calibration (domain §3)."""

    target_exchange_ratio: PositiveFloat = Field(
        description="Points per unit of money that the design should end up with."
    )
    reserve_share: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        default=0.0,
        description="Share of the budget kept for later behaviours and campaign points.",
    )
    adjust: Literal["core", "non_core"] = Field(
        default="core",
        description="Step 3: scale core points per tier (`core`) or non-core points (`non_core`) "
        "to reach each tier's core share.",
    )
    max_cost_per_user: PositiveFloat | None = Field(
        default=None, description="Warn when a tier's maximum cost per user exceeds this."
    )
    rounding_range: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        default=0.2,
        description="Integer adjustment may move a point value at most this share of its value.",
    )
    point_values: Literal["calibrated", "as_written"] = Field(
        default="calibrated",
        description="What a run simulates: `calibrated` — the five-step point values after "
        "integer adjustment (the programme the calibration describes); `as_written` — the "
        "point values in this file (a live programme whose values are fixed).",
    )


class Campaign(Section):
    """A time-limited push: a multiplier on points and/or a one-off bonus."""

    start_day: Day
    end_day: Day = Field(description="Last day of the campaign (inclusive).")
    multiplier: PositiveFloat = Field(default=1.0, description="Multiplier on behaviour points.")
    bonus: NonNegativeAward = Field(
        default=0, description="One-off points to each user on their first qualifying behaviour."
    )
    behaviours: list[str] = Field(default_factory=list, description="Empty = every behaviour.")
    tiers: list[str] = Field(default_factory=list, description="Empty = every tier.")


class RuleChange(Section):
    """A change to the rules on a given day (e.g. a devaluation)."""

    day: Day
    catalog_price_multiplier: PositiveFloat | None = Field(
        default=None, description="Multiply points prices (1.25 = a 25% devaluation)."
    )
    items: list[str] = Field(default_factory=list, description="Items affected; empty = all.")
    point_value_multiplier: PositiveFloat | None = Field(
        default=None, description="Multiply behaviour point values."
    )
    behaviours: list[str] = Field(
        default_factory=list, description="Behaviours affected; empty = all."
    )
    expiry: Expiry | None = Field(default=None, description="A new expiry policy from this day.")


class Accounting(Section):
    """How finance books the points (the deferred-revenue schedule of docs/guide-finance.md)."""

    value_per_point: PositiveFloat | None = Field(
        default=None,
        description="Money one point can be redeemed for; absent = 1 / the target exchange "
        "ratio (the calibration's value of a point).",
    )
    core_is_purchase: bool = Field(
        default=True,
        description="Whether core behaviours are purchases, so the points they earn are a "
        "material right (IFRS 15 / ASC 606): revenue deferred until redeemed. Points from "
        "every other source are a marketing provision.",
    )

    def point_value(self, target_exchange_ratio: float) -> float:
        """The value of a point: as written, or the calibration's 1 / target exchange ratio."""
        return self.value_per_point or 1.0 / target_exchange_ratio


class Design(Section):
    """What the operator controls."""

    period_days: PositiveInt = Field(
        default=30, description="Length of a budget period; caps, stock and budget reset."
    )
    budget: Budget = Field(description="The points budget per period.")
    calibration: CalibrationTargets = Field(description="Targets of the five-step calibration.")
    behaviours: dict[str, Behaviour] = Field(
        min_length=1, description="Behaviours that earn points, by name."
    )
    tiers: dict[str, Tier] = Field(min_length=1, description="Member tiers, lowest tier first.")
    tier_review: TierReview = Field(
        default_factory=TierReview, description="When users move between tiers."
    )
    catalog: dict[str, CatalogItem] = Field(
        default_factory=dict, description="Items in the points mall, by name."
    )
    expiry: Expiry = Field(default_factory=NoExpiry, description="When points expire.")
    campaigns: dict[str, Campaign] = Field(
        default_factory=dict, description="Time-limited pushes, by name."
    )
    rule_changes: list[RuleChange] = Field(
        default_factory=list, description="Changes to the rules on given days."
    )
    mechanics: Mechanics = Field(
        default_factory=Mechanics, description="Incentive mechanics (streaks, bundles, …)."
    )
    accounting: Accounting = Field(
        default_factory=Accounting,
        description="How finance books the points: value per point, purchases or not.",
    )
