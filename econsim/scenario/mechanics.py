"""Incentive mechanics of a design (domain §7): streaks, bundles, referrals, surprises, games."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from econsim.scenario.base import Model, NonNegativeInt, PositiveFloat, PositiveInt, Probability


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
