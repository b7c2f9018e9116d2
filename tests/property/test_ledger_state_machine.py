"""The engine's books against a plain per-user Python model, step by step.

Random sequences of earn, redeem, month-end expiry, tier review, rule change and day close
are applied to a five-user population; after every step balances, lots, tiers and the ledger
must match the reference model exactly. Redemptions, closes, expiry and reviews run through
the engine's own kernels; an earning is credited as the members' loop credits it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from econsim.engine.compiled.day_books import spend
from econsim.engine.model import compile_model
from econsim.engine.simulation import Simulation
from econsim.scenario.schema import RuleChange
from tests.builders import tiny

USERS = 5
EXPIRY_MONTHS = 1
THRESHOLD = 100  # points earned in a review window to hold tier "plus"

SCENARIO = tiny(
    horizon_days=150,
    design={
        "tiers": {
            "basic": {"core_share": 0.5, "uptake": {"sign_in": 1.0}},
            "plus": {
                "entry": {"metric": "points_earned", "threshold": THRESHOLD},
                "core_share": 0.5,
                "uptake": {"sign_in": 1.0},
            },
        },
        "tier_review": {"every_days": 30, "downgrade": True, "grace_reviews": 0},
        "catalog": {
            "a": {"points_price": 30, "cost": 1.0, "loop": "open"},
            "b": {"points_price": 70, "cost": 2.0, "loop": "open"},
        },
        "expiry": {"policy": "rolling", "months": EXPIRY_MONTHS},
    },
    population={"users": USERS, "tiers": {"basic": {"share": 1.0}, "plus": {"share": 0.0}}},
)


@dataclass
class User:
    tier: int = 0
    lots: dict[int, int] = field(default_factory=dict)  # month → points
    metric: int = 0

    @property
    def balance(self) -> int:
        return sum(self.lots.values())


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.sim = Simulation(compile_model(SCENARIO), np.random.default_rng(0))
        self.sim.state.tier[:USERS] = 0
        self.users = [User() for _ in range(USERS)]
        self.prices = [30, 70]
        self.issued = np.zeros(2, np.int64)  # per tier, cumulative
        self.spent = np.zeros(2, np.int64)
        self.expired = np.zeros(2, np.int64)
        self.moved = np.zeros(2, np.int64)
        months = int(self.sim.model.month_key[-1]) + 1
        self.cohorts = {k: np.zeros((months, 2), np.int64) for k in ("redeemed", "expired")}

    @property
    def month(self) -> int:
        return int(self.sim.model.month_key[self.sim.day])

    @rule(user=st.integers(0, USERS - 1), points=st.integers(1, 120))
    def earn(self, user: int, points: int) -> None:
        sim, u = self.sim, self.users[user]
        st, month = sim.state, self.month  # as compiled.day's loop credits a member's day
        sim.ledger.issued[sim.day, 0, st.tier[user]] += points
        st.balance[user] += points
        st.lots[month % st.lots.shape[0], user] += points
        st.review_metric[user] += points
        u.lots[self.month] = u.lots.get(self.month, 0) + points
        u.metric += points
        self.issued[u.tier] += points

    @rule(user=st.integers(0, USERS - 1), item=st.integers(0, 1))
    def redeem(self, user: int, item: int) -> None:
        u, price = self.users[user], self.prices[item]
        if u.balance < price:
            return
        sim, st, led, day = self.sim, self.sim.state, self.sim.ledger, self.sim.day
        sim.money[:] = (sim.period_core_amount, sim.period_cost)
        spend(
            sim.journal, user, item, price, 1.0, day, self.month, st.tier, st.lots, st.balance,
            st.last_redeem, led.redeemed[day], led.redemptions[day], led.cost[day],
            led.cost_by_tier[day], sim.money, sim.counts, led.cohort_redeemed[day],
        )  # fmt: skip
        sim.period_cost = float(sim.money[1])
        left = price
        for month in sorted(u.lots):  # oldest first
            take = min(u.lots[month], left)
            u.lots[month] -= take
            left -= take
            self.cohorts["redeemed"][month, u.tier] += take
        self.spent[u.tier] += price

    @precondition(lambda self: self.sim.day < self.sim.model.horizon - 1)
    @rule()
    def close_day(self) -> None:
        self.sim.close_day()
        self.sim.day += 1

    @precondition(lambda self: self.sim.day < self.sim.model.horizon - 40)
    @rule()
    def next_month(self) -> None:
        """Close days to the month's end, expire what is due, and open the next month."""
        while not self.sim.model.month_end[self.sim.day]:
            self.close_day()
        self.sim.expire_month()
        for u in self.users:
            for month in list(u.lots):
                if month + EXPIRY_MONTHS <= self.month:
                    self.cohorts["expired"][month, u.tier] += u.lots[month]
                    self.expired[u.tier] += u.lots.pop(month)
        self.close_day()

    @rule()
    def tier_review(self) -> None:
        self.sim.review_tiers()
        for u in self.users:
            new = 1 if u.metric >= THRESHOLD else 0
            if new != u.tier:
                self.moved[u.tier] -= u.balance
                self.moved[new] += u.balance
                u.tier = new
            u.metric = 0

    @rule(factor=st.sampled_from([0.5, 1.25, 2.0]), item=st.integers(0, 1))
    def devalue(self, factor: float, item: int) -> None:
        name = self.sim.model.items[item]
        self.sim.apply_rule_change(
            RuleChange(day=self.sim.day, catalog_price_multiplier=factor, items=[name])
        )
        self.prices[item] = max(1, round(self.prices[item] * factor))

    @invariant()
    def users_match_the_reference(self) -> None:
        st_ = self.sim.state
        size = st_.lots.shape[0]
        for i, u in enumerate(self.users):
            assert st_.balance[i] == u.balance
            assert st_.tier[i] == u.tier
            for month, points in u.lots.items():
                assert st_.lots[month % size, i] == points
        assert list(self.sim.rules.prices) == self.prices

    @invariant()
    def books_balance(self) -> None:
        led, day = self.sim.ledger, self.sim.day
        np.testing.assert_array_equal(led.issued[: day + 1].sum(axis=(0, 1)), self.issued)
        np.testing.assert_array_equal(led.redeemed[: day + 1].sum(axis=(0, 1)), self.spent)
        np.testing.assert_array_equal(led.expired[: day + 1].sum(axis=0), self.expired)
        np.testing.assert_array_equal(led.transferred[: day + 1].sum(axis=0), self.moved)
        outstanding = self.issued - self.spent - self.expired + self.moved
        by_tier = [sum(u.balance for u in self.users if u.tier == t) for t in (0, 1)]
        np.testing.assert_array_equal(outstanding, by_tier)
        # each point redeemed or expired came from the month it was earned in, oldest first
        for name, cohorts in self.cohorts.items():
            booked = getattr(led, f"cohort_{name}")[: day + 1].sum(axis=0)
            np.testing.assert_array_equal(booked, cohorts, err_msg=name)
        if day > 0:  # closed days: the snapshot equals the flows up to that day
            flow = (
                led.issued.sum(axis=1) - led.redeemed.sum(axis=1) - led.expired + led.transferred
            )[:day].cumsum(axis=0)
            np.testing.assert_array_equal(flow, led.outstanding[:day])


# cheap (milliseconds an example), and reaching two monthly lots takes several steps: many
# more examples than the loaded profile's default (which it otherwise inherits)
MACHINE_SETTINGS = settings(max_examples=8 * settings.default.max_examples, stateful_step_count=40)
TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = MACHINE_SETTINGS
