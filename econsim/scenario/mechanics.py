"""Incentive mechanics of a design (domain §7): streaks, tasks, bundles, referrals, surprises,
games, threshold coupons and campaigns with one budget per participant."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from econsim.scenario.base import (
    Award,
    Day,
    NonNegativeAward,
    PositiveFloat,
    PositiveInt,
    Probability,
    Section,
)

#: How one budget per participant can be delivered (domain §7).
Packaging = Literal["flat", "draw", "group", "micro_draw"]
PACKAGINGS: tuple[Packaging, ...] = ("flat", "draw", "group", "micro_draw")


class SignInStreak(Section):
    """Daily sign-in with streak rewards: the bonus grows with the streak, a miss resets it."""

    behaviour: str = Field(description="The non-core behaviour that counts as a sign-in.")
    bonus_by_day: list[NonNegativeAward] = Field(
        min_length=1, description="Extra points on the 1st, 2nd, … consecutive day."
    )
    after_schedule: Literal["repeat_last", "restart"] = Field(
        default="restart",
        description="Past the schedule: keep paying the last bonus, or start a new cycle.",
    )


class TaskBundle(Section):
    """Complete `count` occurrences of a behaviour in a period → a bonus."""

    behaviour: str = Field(description="The behaviour whose occurrences count.")
    count: PositiveInt = Field(description="Occurrences in one period that complete the bundle.")
    bonus: Award = Field(description="Points paid once per period on completion.")


class Referral(Section):
    """Invite a friend: both get points."""

    inviter_points: NonNegativeAward = Field(description="Points to the user who invites.")
    invitee_points: NonNegativeAward = Field(description="Points to the friend who joins.")


class DailyTask(Section):
    """A daily task list: do every listed behaviour its number of times in one day → a bonus."""

    behaviours: dict[str, PositiveInt] = Field(
        min_length=1, description="Behaviour → occurrences needed on the same day."
    )
    bonus: Award = Field(description="Points paid on each day the list is completed.")


class RandomReward(Section):
    """A surprise after a behaviour: points, or a coupon worth money, drawn uniformly in
    [low, high]."""

    after: str = Field(description="The behaviour that triggers the draw.")
    probability: Probability = Field(description="Chance of a reward per occurrence.")
    low: NonNegativeAward = Field(description="Smallest reward (points, or money for a coupon).")
    high: Award = Field(description="Largest reward (points, or money for a coupon).")
    reward: Literal["points", "coupon"] = Field(
        default="points",
        description="points: credited at once. coupon: a discount on the member's next core "
        "purchase, a cost only when used.",
    )
    use_rate: Probability = Field(
        default=1.0,
        description="coupon: chance a member uses the coupon on their next core purchase "
        "(unused coupons cost nothing).",
    )
    valid_days: PositiveInt = Field(
        default=30, description="coupon: days the coupon can be used, the day it is won included."
    )


class ThresholdCoupon(Section):
    """'Spend 199, get 20 off': a discount on one core purchase that reaches the threshold.

    A member holds at most one coupon of a kind. A purchase at or above the threshold uses
    it; a purchase that falls short by at most ``reach`` is topped up to the threshold with
    ``top_up_probability`` (the uplift: extra amount, and the points it earns) and uses it.
    """

    behaviour: str = Field(description="The core behaviour (purchase) the coupon applies to.")
    threshold: PositiveFloat = Field(description="Amount one purchase must reach (e.g. 199).")
    discount: PositiveFloat = Field(description="Money off when used: the operator's cost.")
    reach: PositiveFloat = Field(
        description="How far below the threshold a basket may fall and still be topped up "
        "(e.g. 40: baskets from 159 to 199)."
    )
    top_up_probability: Probability = Field(
        description="Chance a holder whose basket falls within reach adds to it to reach the "
        "threshold."
    )
    points_price: PositiveInt | None = Field(
        default=None,
        description="Points a member pays to claim one (a points sink); absent: not sold.",
    )
    claim_probability: Probability = Field(
        default=0.0,
        description="Daily chance that a member who can pay points_price and holds none claims "
        "one.",
    )
    handed_out: list[Day] = Field(
        default_factory=list,
        description="Days a campaign hands one to every member who holds none.",
    )
    valid_days: PositiveInt = Field(
        default=30, description="Days a coupon can be used, the day it is received included."
    )


class PrizeDraw(Section):
    """Every participant enters a draw; each wins the prize with ``win_probability``."""

    win_probability: Probability = Field(
        default=0.01, gt=0.0, description="Chance one participant wins (prize = budget / it)."
    )


class GroupDeal(Section):
    """Participants form groups of ``size``; a group that completes pays its leader
    ``leader_multiple`` times a member's reward."""

    size: int = Field(default=3, ge=2, le=100, description="Members of one group (2 or more).")
    leader_multiple: float = Field(
        default=2.0, ge=1.0, le=1000.0, description="Leader's reward ÷ a member's reward."
    )
    completion_probability: Probability = Field(
        default=0.6, gt=0.0, description="Chance a full group completes (and is paid)."
    )


class MicroDraw(Section):
    """A micro-stake draw: one prize for every ``every`` participants."""

    every: int = Field(
        default=1000, ge=2, le=10**9, description="Participants per prize (prize = budget × it)."
    )


class PackagedCampaign(Section):
    """One campaign budget per participant, delivered in one of four packagings (domain §7).

    Each packaging's rewards are sized so the expected money cost per participant is
    ``budget_per_participant``; they differ in how many members take part (the
    population's ``packaging_response``).
    """

    start_day: Day
    end_day: Day = Field(description="Last day of the campaign (inclusive).")
    after: str = Field(description="The behaviour whose occurrence lets a member take part.")
    participation: Probability = Field(
        description="Chance that a member who does `after` during the campaign takes part "
        "(decided once, at the first such day), under a flat reward; other packagings: times "
        "the population's packaging_response, at most 1."
    )
    budget_per_participant: PositiveFloat = Field(
        description="Expected money cost per participant, the same in every packaging."
    )
    packaging: Packaging = Field(default="flat", description="flat, draw, group or micro_draw.")
    draw: PrizeDraw = Field(default_factory=PrizeDraw, description="The prize draw's odds.")
    group: GroupDeal = Field(default_factory=GroupDeal, description="The group deal's shape.")
    micro_draw: MicroDraw = Field(
        default_factory=MicroDraw, description="The micro-stake draw's block size."
    )

    def rewards(self) -> dict[str, float]:
        """The packaging's rewards in money, sized from the budget per participant.

        flat: ``reward`` to each participant; draw: ``prize`` with the win probability;
        group: ``leader`` and ``member`` rewards of a completed group; micro_draw: one
        ``prize`` per block of participants.
        """
        b = self.budget_per_participant
        if self.packaging == "flat":
            return {"reward": b}
        if self.packaging == "draw":
            return {"prize": b / self.draw.win_probability}
        if self.packaging == "micro_draw":
            return {"prize": b * self.micro_draw.every}
        g = self.group
        # q (L + (k − 1) M) / k = b with L = r M
        member = b * g.size / (g.completion_probability * (g.leader_multiple + g.size - 1))
        return {"leader": g.leader_multiple * member, "member": member}

    def expected_cost(self) -> float:
        """Expected money cost per participant, from the rewards and their odds."""
        r = self.rewards()
        if self.packaging == "flat":
            return r["reward"]
        if self.packaging == "draw":
            return self.draw.win_probability * r["prize"]
        if self.packaging == "micro_draw":
            return r["prize"] / self.micro_draw.every
        g = self.group
        group = r["leader"] + (g.size - 1) * r["member"]
        return g.completion_probability * group / g.size


class PointGame(Section):
    """A points sink: spend points for a chance at a prize."""

    cost_points: PositiveInt = Field(description="Points one play costs.")
    win_probability: Probability = Field(description="Chance one play wins the prize.")
    prize_cost: PositiveFloat = Field(description="Operator's money cost of one prize.")


class Mechanics(Section):
    """Incentive mechanics (domain §7)."""

    sign_in_streak: SignInStreak | None = Field(
        default=None, description="Daily sign-in with streak bonuses."
    )
    daily_tasks: dict[str, DailyTask] = Field(
        default_factory=dict, description="Daily task lists and their bonuses, by name."
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
    threshold_coupons: dict[str, ThresholdCoupon] = Field(
        default_factory=dict, description="'Spend X, get Y off' coupons, by name."
    )
    packaged_campaigns: dict[str, PackagedCampaign] = Field(
        default_factory=dict,
        description="Campaigns with one budget per participant and a packaging, by name.",
    )
