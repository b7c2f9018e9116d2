"""The population half of a scenario: how users actually behave (domain §6)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from econsim.scenario.base import (
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Probability,
    Section,
)


class AmountDistribution(Section):
    """Shape of a core behaviour's amount per occurrence; the mean follows from uptake."""

    distribution: Literal["lognormal", "gamma", "exponential", "fixed"] = Field(
        default="lognormal", description="Family of the amount per occurrence."
    )
    cv: NonNegativeFloat = Field(
        default=1.0, description="Coefficient of variation (ignored by exponential and fixed)."
    )


class CoreActivity(Section):
    """How often a tier's users do a core behaviour, and how amounts vary."""

    frequency: PositiveFloat = Field(description="Average occurrences per period.")
    amount: AmountDistribution = Field(
        default_factory=AmountDistribution, description="Shape of the amount per occurrence."
    )


class TierPopulation(Section):
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


class RepeatBuying(Section):
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


class Lifecycle(Section):
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


Month = Literal["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Festival(Section):
    """A named date range with its own activity: a holiday, a shopping festival, a payday."""

    dates: str = Field(
        pattern=r"^\d\d-\d\d:\d\d-\d\d$",
        description="MM-DD:MM-DD, both days included, every year (e.g. '11-01:11-11').",
    )
    activity: NonNegativeFloat = Field(
        default=1.0, description="Multiplier on every behaviour's rate on these days."
    )
    behaviours: dict[str, NonNegativeFloat] = Field(
        default_factory=dict,
        description="Per behaviour: its multiplier on these days, instead of activity.",
    )
    redemption: NonNegativeFloat = Field(
        default=1.0,
        description="Multiplier on redemption propensity on these days (taken as written).",
    )
    priority: int = Field(
        default=0,
        description="On days two festivals share, the one with the higher priority applies; "
        "overlapping festivals need different priorities.",
    )


class Seasonality(Section):
    """Activity that follows the calendar: months, weekdays and festivals (issue 23).

    A day's multiplier on a behaviour's rate is month × weekday × festival. With
    ``normalise`` the product is scaled so that it averages 1 over the year that starts on
    ``start_date``: the season moves activity between days, and the calibration's
    per-period plan stays the yearly average.
    """

    months: dict[Month, NonNegativeFloat] = Field(
        default_factory=dict, description="Multiplier per month (jan … dec); missing weigh 1."
    )
    weekdays: dict[Weekday, NonNegativeFloat] = Field(
        default_factory=dict, description="Multiplier per weekday (mon … sun); missing weigh 1."
    )
    festivals: dict[str, Festival] = Field(
        default_factory=dict, description="Named date ranges with their own multipliers."
    )
    normalise: bool = Field(
        default=True,
        description="Scale each behaviour's multipliers to average 1 over the first year "
        "(false: take them as written, e.g. a festival on top of normal activity).",
    )


#: Participation under each packaging relative to a flat reward, when the population names
#: none: assumptions to replace with an A/B test's (draws and micro-stakes overweight a
#: small chance of a big prize; group deals recruit through friends).
DEFAULT_PACKAGING_RESPONSE: dict[str, float] = {
    "flat": 1.0,
    "draw": 1.2,
    "group": 1.5,
    "micro_draw": 1.3,
}


class Population(Section):
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
    packaging_response: dict[Literal["flat", "draw", "group", "micro_draw"], NonNegativeFloat] = (
        Field(
            default_factory=dict,
            description="Participation in a packaged campaign relative to a flat reward, per "
            "packaging (the campaign's participation × this, at most 1). Missing packagings use "
            "flat 1, draw 1.2, group 1.5, micro_draw 1.3.",
        )
    )
    seasonality: Seasonality | None = Field(
        default=None,
        description="Activity by month, weekday and festival; absent = the same every day.",
    )
    lifecycle: Lifecycle = Field(
        default_factory=lambda: Lifecycle(enabled=False),
        description="New/active/dormant/churned states; off unless given.",
    )

    def participation(self, packaging: str, flat: float) -> float:
        """Chance that a qualifying member takes part in a campaign of this packaging whose
        flat-reward participation is ``flat``."""
        stated = {str(k): v for k, v in self.packaging_response.items()}
        return min(flat * stated.get(packaging, DEFAULT_PACKAGING_RESPONSE[packaging]), 1.0)
