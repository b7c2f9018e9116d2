"""LOY written the usual Mesa way: one agent object per member, ``model.agents.do("step")``.

The same rules as econsim's engine (docs/engine.md) for the features LOY uses: lifecycle
(churn, new → active, dormancy, reactivation, acquisition), non-core counts capped per day
and period, core occurrences with gamma/lognormal amounts capped per period, tier
multipliers, campaign multipliers and bonus, the sign-in streak, saving for a preferred
item with retargeting, stock per period, closed/open loop cost, rolling expiry with oldest
points spent first, monthly tier review with downgrade. It reads the same Scenario object.
"""

from __future__ import annotations

import math
from typing import Any

import mesa

from econsim.engine.model import ACTIVE, CHURNED, DORMANT, NEW, Model, compile_model
from econsim.scenario.schema import Scenario


class Member(mesa.Agent):  # type: ignore[misc]
    def __init__(self, model: LoyaltyModel, tier: int, life: int) -> None:
        super().__init__(model)
        self.tier, self.life = tier, life
        self.joined = self.last_active = model.day
        self.lots: dict[int, int] = {}
        self.count = [0] * len(model.m.behaviours)
        self.amount = [0.0] * len(model.m.behaviours)
        self.streak = 0
        self.metric = 0.0
        self.target = model.pick_item()
        self.bonus_got: set[str] = set()

    @property
    def balance(self) -> int:
        return sum(self.lots.values())

    def step(self) -> None:
        mdl, m = self.model, self.model.m
        rnd = mdl.random.random
        lc = m.scenario.population.lifecycle
        if self.life == CHURNED:
            return
        if rnd() < lc.churn_hazard:
            self.life = CHURNED
            return
        if self.life == NEW and mdl.day - self.joined >= lc.new_days:
            self.life = ACTIVE
        if self.life == ACTIVE and mdl.day - self.last_active >= lc.dormant_after_days:
            self.life = DORMANT
        if self.life == DORMANT and rnd() < lc.reactivation_probability:
            self.life, self.last_active = ACTIVE, mdl.day
        f = m.activity[self.life]
        earned, acted, signed = 0, [], False
        for b in range(len(m.behaviours)):
            raw = self._core(b, f) if m.is_core[b] else self._non_core(b, f)
            if raw is None:
                continue
            acted.append(b)
            mult = m.tier_mult[self.tier, b] * mdl.rules_points[b]
            earned += math.floor(raw * mult * mdl.camp[self.tier][b] + 1e-9)
            signed |= m.behaviours[b] == mdl.streak_behaviour
        earned += self._streak(signed) + self._campaign_bonus(acted)
        if acted:
            self.last_active = mdl.day
            if self.life == DORMANT:
                self.life = ACTIVE
        if earned:
            key = mdl.month
            self.lots[key] = self.lots.get(key, 0) + earned
            mdl.issued += earned
        self._redeem(f)

    def _non_core(self, b: int, f: float) -> float | None:
        m, rnd = self.model.m, self.model.random.random
        p = min(m.slot_p[self.tier, b] * f, 1.0)
        occ = sum(1 for _ in range(int(m.daily_cap[b])) if rnd() < p)
        occ = min(occ, max(int(m.cap[self.tier, b]) - self.count[b], 0))
        if occ == 0:
            return None
        self.count[b] += occ
        return float(occ)

    def _core(self, b: int, f: float) -> float | None:
        m, mdl = self.model.m, self.model
        lam = m.core_rate[self.tier, b] * f
        if lam <= 0:
            return None
        k, p, u = 0, math.exp(-lam), mdl.random.random()  # Poisson by inversion
        cdf = p
        while u > cdf and p > 0:
            k += 1
            p *= lam / k
            cdf += p
        if k == 0:
            return None
        mean, cv = m.amount_mean[self.tier, b], m.amount_cv[self.tier, b]
        total = sum(mdl.draw_amount(mean, cv, int(m.amount_dist[self.tier, b])) for _ in range(k))
        eligible = min(total, max(m.cap[self.tier, b] - self.amount[b], 0.0))
        self.amount[b] += eligible
        self.metric += total
        return eligible / m.unit[b]

    def _streak(self, signed: bool) -> int:
        cfg = self.model.m.scenario.design.mechanics.sign_in_streak
        if cfg is None:
            return 0
        if not signed:
            self.streak = 0
            return 0
        self.streak += 1
        schedule = cfg.bonus_by_day
        pos = (
            (self.streak - 1) % len(schedule)
            if cfg.after_schedule == "restart"
            else min(self.streak - 1, len(schedule) - 1)
        )
        return schedule[pos]

    def _campaign_bonus(self, acted: list[int]) -> int:
        mdl, m = self.model, self.model.m
        bonus = 0
        for name, c in m.scenario.design.campaigns.items():
            if c.bonus and c.start_day <= mdl.day <= c.end_day and name not in self.bonus_got:
                names = [m.behaviours[b] for b in acted]
                if any(not c.behaviours or b in c.behaviours for b in names):
                    self.bonus_got.add(name)
                    bonus += c.bonus
        return bonus

    def _redeem(self, f: float) -> None:
        mdl, m, rnd = self.model, self.model.m, self.model.random.random
        if rnd() < m.scenario.population.retarget_probability:
            self.target = mdl.pick_item()
        price = int(mdl.prices[self.target])
        if self.balance < price or rnd() >= m.propensity[self.tier] * f:
            return
        if mdl.stock[self.target] == 0:
            return
        if mdl.stock[self.target] > 0:
            mdl.stock[self.target] -= 1
        left = price
        for key in sorted(self.lots):  # oldest points first
            take = min(self.lots[key], left)
            self.lots[key] -= take
            left -= take
        mdl.consumed += price
        used = not m.item_closed[self.target] or rnd() < m.item_use_rate[self.target]
        mdl.cost += m.item_cost[self.target] if used else 0.0
        self.target = mdl.pick_item()


class LoyaltyModel(mesa.Model):  # type: ignore[misc]
    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.m: Model = compile_model(scenario)
        self.day = 0
        self.issued = self.consumed = self.expired = 0
        self.cost = 0.0
        self.rules_points = [b.points for b in scenario.design.behaviours.values()]
        self.prices = list(self.m.initial_rules().prices)
        self.stock = list(self.m.item_stock)
        cfg = scenario.design.mechanics.sign_in_streak
        self.streak_behaviour = cfg.behaviour if cfg else None
        self.camp = [[1.0] * len(self.m.behaviours) for _ in self.m.tiers]
        shares = [t.share for t in scenario.population.tiers.values()]
        for _ in range(scenario.population.users):
            tier = self.random.choices(range(len(shares)), weights=shares)[0]
            Member(self, tier, ACTIVE)

    @property
    def month(self) -> int:
        return int(self.m.month_key[self.day])

    def pick_item(self) -> int:
        return self.random.choices(range(len(self.m.items)), weights=list(self.m.item_pref))[0]

    def draw_amount(self, mean: float, cv: float, code: int) -> float:
        if code == 3 or cv == 0:
            return mean
        if code == 0:
            s2 = math.log1p(cv * cv)
            return self.random.lognormvariate(math.log(mean) - s2 / 2, math.sqrt(s2))
        if code == 1:
            return self.random.gammavariate(1 / (cv * cv), mean * cv * cv)
        return self.random.expovariate(1 / mean)

    def _poisson(self, lam: float) -> int:
        k, p, u = 0, math.exp(-lam), self.random.random()
        cdf = p
        while u > cdf and p > 0:
            k += 1
            p *= lam / k
            cdf += p
        return k

    def step(self) -> None:
        s, d = self.m.scenario, self.day
        if d and d % s.design.period_days == 0:
            self.stock = list(self.m.item_stock)
            for a in self.agents:
                a.count = [0] * len(a.count)
                a.amount = [0.0] * len(a.amount)
        self.camp = [[1.0] * len(self.m.behaviours) for _ in self.m.tiers]
        for c in s.design.campaigns.values():
            if c.start_day <= d <= c.end_day:
                for t, tname in enumerate(self.m.tiers):
                    for b, bname in enumerate(self.m.behaviours):
                        if (not c.tiers or tname in c.tiers) and (
                            not c.behaviours or bname in c.behaviours
                        ):
                            self.camp[t][b] *= c.multiplier
        for _ in range(self._poisson(s.population.acquisition_per_day)):
            Member(self, 0, NEW)
        self.agents.do("step")
        if (d + 1) % s.design.tier_review.every_days == 0:
            self._review()
        if self.m.month_end[d]:
            self._expire()
        self.day += 1

    def _review(self) -> None:
        th = list(self.m.tier_thresholds)
        for a in self.agents:
            q = max(i for i, t in enumerate(th) if a.metric >= t) if a.metric >= th[0] else 0
            if q > a.tier or (q < a.tier and self.m.scenario.design.tier_review.downgrade):
                a.tier = q
            a.metric = 0.0

    def _expire(self) -> None:
        months = self.m.scenario.design.expiry.months or 10**9
        for a in self.agents:
            for key in [k for k in a.lots if k + months <= self.month]:
                self.expired += a.lots.pop(key)

    def totals(self) -> dict[str, Any]:
        outstanding = sum(a.balance for a in self.agents)
        return {
            "issued": self.issued,
            "consumed": self.consumed,
            "expired": self.expired,
            "outstanding": outstanding,
            "cost": self.cost,
        }


def run_mesa(scenario: Scenario, seed: int = 0) -> dict[str, Any]:
    """Run the Mesa model over the scenario's horizon; returns totals and timing."""
    import time

    start = time.perf_counter()
    model = LoyaltyModel(scenario, seed)
    agent_days = 0
    for _ in range(scenario.horizon_days):
        agent_days += len(model.agents)
        model.step()
    return {**model.totals(), "seconds": time.perf_counter() - start, "agent_days": agent_days}
