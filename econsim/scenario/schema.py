"""The scenario format: pydantic models for the *design* and the *population*.

A scenario is frozen once validated. Cross-field rules (references, shares summing to 1,
days inside the horizon) live in :mod:`econsim.scenario.checks` so that they are reported
together with schema errors, each with its own location.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Day = Annotated[int, Field(ge=0, description="Day index, 0 = the first simulated day.")]
#: A number that is the same for every tier, or one number per tier name.
PerTier = PositiveFloat | dict[str, PositiveFloat]


class Model(BaseModel):
    """Base of every scenario model: immutable, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


# --------------------------------------------------------------------------- design


class Behaviour(Model):
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


class TierEntry(Model):
    """How a user qualifies for a tier at a tier review."""

    metric: Literal["core_amount", "points_earned"] = Field(
        description="Measured over the review window: core amount transacted or points earned."
    )
    threshold: NonNegativeFloat = Field(description="Minimum metric value to hold the tier.")


class Tier(Model):
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


class TierReview(Model):
    """When and how users move between tiers."""

    every_days: PositiveInt = Field(default=30, description="Days between tier reviews.")
    downgrade: bool = Field(default=True, description="Whether users can lose a tier.")
    grace_reviews: NonNegativeInt = Field(
        default=0,
        description="Reviews a user may miss a tier's threshold before being moved down.",
    )


class CatalogItem(Model):
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


class Budget(Model):
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


class Expiry(Model):
    """When earned points expire."""

    policy: Literal["none", "rolling", "end_of_year"] = Field(
        default="none",
        description="`rolling`: N months after the month earned; "
        "`end_of_year`: 31 December, N years after the year earned.",
    )
    months: PositiveInt | None = Field(default=None, description="N for `rolling`.")
    years: PositiveInt | None = Field(default=None, description="N for `end_of_year`.")


class CalibrationTargets(Model):
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


class Campaign(Model):
    """A time-limited push: a multiplier on points and/or a one-off bonus."""

    start_day: Day
    end_day: Day = Field(description="Last day of the campaign (inclusive).")
    multiplier: PositiveFloat = Field(default=1.0, description="Multiplier on behaviour points.")
    bonus: NonNegativeInt = Field(
        default=0, description="One-off points to each user on their first qualifying behaviour."
    )
    behaviours: list[str] = Field(default_factory=list, description="Empty = every behaviour.")
    tiers: list[str] = Field(default_factory=list, description="Empty = every tier.")


class RuleChange(Model):
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


class SignInStreak(Model):
    """Daily sign-in with streak rewards: the bonus grows with the streak, a miss resets it."""

    behaviour: str = Field(description="The non-core behaviour that counts as a sign-in.")
    bonus_by_day: list[NonNegativeInt] = Field(
        min_length=1, description="Extra points on the 1st, 2nd, … consecutive day."
    )
    after_schedule: Literal["repeat_last", "restart"] = Field(
        default="restart",
        description="Past the schedule: keep paying the last bonus, or start a new cycle.",
    )


class TaskBundle(Model):
    """Complete `count` occurrences of a behaviour in a period → a bonus."""

    behaviour: str = Field(description="The behaviour whose occurrences count.")
    count: PositiveInt = Field(description="Occurrences in one period that complete the bundle.")
    bonus: PositiveInt = Field(description="Points paid once per period on completion.")


class Referral(Model):
    """Invite a friend: both get points."""

    inviter_points: NonNegativeInt = Field(description="Points to the user who invites.")
    invitee_points: NonNegativeInt = Field(description="Points to the friend who joins.")


class RandomReward(Model):
    """A surprise after a core behaviour: points drawn uniformly in [low, high]."""

    after: str = Field(description="The behaviour that triggers the draw.")
    probability: Probability = Field(description="Chance of a reward per occurrence.")
    low: NonNegativeInt = Field(description="Smallest reward in points.")
    high: PositiveInt = Field(description="Largest reward in points.")


class PointGame(Model):
    """A points sink: spend points for a chance at a prize."""

    cost_points: PositiveInt = Field(description="Points one play costs.")
    win_probability: Probability = Field(description="Chance one play wins the prize.")
    prize_cost: PositiveFloat = Field(description="Operator's money cost of one prize.")


class Mechanics(Model):
    """Incentive mechanics (domain §7)."""

    sign_in_streak: SignInStreak | None = Field(
        default=None, description="Daily sign-in with streak bonuses."
    )
    task_bundles: dict[str, TaskBundle] = Field(
        default_factory=dict, description="Bonuses for K occurrences in a period, by name."
    )
    referral: Referral | None = Field(default=None, description="Invite-a-friend rewards.")
    random_rewards: dict[str, RandomReward] = Field(
        default_factory=dict, description="Surprise points after a behaviour, by name."
    )
    point_games: dict[str, PointGame] = Field(
        default_factory=dict, description="Draws and games that spend points, by name."
    )


class Design(Model):
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
    expiry: Expiry = Field(default_factory=Expiry, description="When points expire.")
    campaigns: dict[str, Campaign] = Field(
        default_factory=dict, description="Time-limited pushes, by name."
    )
    rule_changes: list[RuleChange] = Field(
        default_factory=list, description="Changes to the rules on given days."
    )
    mechanics: Mechanics = Field(
        default_factory=Mechanics, description="Incentive mechanics (streaks, bundles, …)."
    )


# ----------------------------------------------------------------------- population


class AmountDistribution(Model):
    """Shape of a core behaviour's amount per occurrence; the mean follows from uptake."""

    distribution: Literal["lognormal", "gamma", "exponential", "fixed"] = Field(
        default="lognormal", description="Family of the amount per occurrence."
    )
    cv: NonNegativeFloat = Field(
        default=1.0, description="Coefficient of variation (ignored by exponential and fixed)."
    )


class CoreActivity(Model):
    """How often a tier's users do a core behaviour, and how amounts vary."""

    frequency: PositiveFloat = Field(description="Average occurrences per period.")
    amount: AmountDistribution = Field(
        default_factory=AmountDistribution, description="Shape of the amount per occurrence."
    )


class TierPopulation(Model):
    """How the users of one tier behave."""

    share: Probability = Field(description="Share of the initial users in this tier.")
    uptake: dict[str, Probability] = Field(
        default_factory=dict,
        description="Actual uptake per behaviour; missing behaviours use the design's assumption.",
    )
    core: dict[str, CoreActivity] = Field(
        default_factory=dict,
        description="Per core behaviour: frequency and amount shape. Default: 4 per period, "
        "lognormal with cv 1.",
    )
    redemption_propensity: Probability = Field(
        default=0.2,
        description="Daily chance that a user who can afford the item they want redeems it.",
    )


class RepeatBuying(Model):
    """Heterogeneous buying rates and drop-out after purchases: the BG/NBD model.

    Each user's core behaviour rate is the tier's frequency times a personal pace drawn from
    a gamma distribution of shape ``rate_shape`` and mean 1 (the BG/NBD gamma(r, α) of
    purchase rates, with α folded into the frequency); after every repeat purchase the user
    drops out (churns) with a personal probability drawn from beta(``dropout_a``,
    ``dropout_b``). `econsim fit` estimates all three from history.
    """

    rate_shape: PositiveFloat = Field(
        description="r: shape of the gamma distribution of purchase rates (small = uneven)."
    )
    dropout_a: PositiveFloat = Field(description="a: beta distribution of drop-out chance.")
    dropout_b: PositiveFloat = Field(description="b: beta distribution of drop-out chance.")


class Lifecycle(Model):
    """User lifecycle: new → active → dormant → churned (domain §6)."""

    enabled: bool = Field(default=True, description="Whether users move through the lifecycle.")
    new_days: NonNegativeInt = Field(default=14, description="Days a user counts as new.")
    dormant_after_days: PositiveInt = Field(
        default=30, description="Days without any behaviour before a user is dormant."
    )
    churn_hazard: Probability = Field(default=0.0, description="Daily chance of churning.")
    reactivation_probability: Probability = Field(
        default=0.0, description="Daily chance that a dormant user becomes active again."
    )
    activity_new: NonNegativeFloat = Field(default=1.0, description="Rate multiplier when new.")
    activity_dormant: NonNegativeFloat = Field(
        default=0.1, description="Rate multiplier when dormant."
    )
    repeat_buying: RepeatBuying | None = Field(
        default=None,
        description="Per-user buying pace and drop-out after purchases (BG/NBD); off if absent.",
    )


class Population(Model):
    """How users actually behave; by default as the design assumes."""

    users: PositiveInt = Field(description="Users at day 0.")
    tiers: dict[str, TierPopulation] = Field(
        min_length=1, description="Per design tier: its share of users and how they behave."
    )
    uptake_scale: NonNegativeFloat = Field(
        default=1.0, description="Multiply every uptake (0.7 = a pessimistic population)."
    )
    acquisition_per_day: NonNegativeFloat = Field(
        default=0.0,
        description="New users per day (Poisson mean); they join the lowest tier (with fixed "
        "layers, a tier drawn by share).",
    )
    acquisition_days: PositiveInt | None = Field(
        default=None,
        description="New users arrive on the first this-many days only; absent = every day.",
    )
    referral_rate: Probability = Field(
        default=0.0, description="Daily chance that an active user brings a friend."
    )
    catalog_preference: dict[str, NonNegativeFloat] = Field(
        default_factory=dict,
        description="Relative wish for each catalog item; missing items weigh 1.",
    )
    retarget_probability: Probability = Field(
        default=0.02,
        description="Daily chance that a user changes the catalog item they save for "
        "(re-drawn by preference); without it, savers for expensive items never switch.",
    )
    game_play_probability: dict[str, Probability] = Field(
        default_factory=dict,
        description="Per point game: daily chance that a holder who can afford it plays.",
    )
    lifecycle: Lifecycle = Field(
        default_factory=lambda: Lifecycle(enabled=False),
        description="New/active/dormant/churned states; off unless given.",
    )


class Health(Model):
    """Health thresholds (domain §5)."""

    consumption_threshold: Probability = Field(
        default=0.40, description="Consumption rate at or above this is healthy."
    )
    consumer_share_threshold: Probability = Field(
        default=0.40, description="Consumer share at or above this is healthy."
    )
    issuance_tolerance: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        default=0.10,
        description="Actual issuance further than this share from the prediction gets advice.",
    )


class Scenario(Model):
    """One points economy: a design, a population and how to run them."""

    name: str = Field(min_length=1, description="Name shown in reports.")
    description: str = Field(default="", description="What this design is meant to achieve.")
    currency: str = Field(default="CNY", description="Currency of every money figure.")
    start_date: dt.date = Field(
        default=dt.date(2027, 1, 1), description="Calendar date of day 0 (months, year ends)."
    )
    horizon_days: PositiveInt = Field(default=365, description="Days to simulate.")
    seed: NonNegativeInt = Field(default=0, description="Root seed of every random stream.")
    replications: PositiveInt = Field(default=1, description="Independent runs to average.")
    health: Health = Field(default_factory=Health, description="Health thresholds.")
    design: Design = Field(description="What the operator controls.")
    population: Population = Field(description="How users actually behave.")
