"""The model's tables as the compiled kernels read them: plain arrays in named tuples.

numba compiles one specialisation per argument type, so every table has a fixed dtype and
rank whatever the scenario holds (an absent mechanic is an empty array, not ``None``).
``Tables`` never changes during a run; ``Day`` is rebuilt each day from the rules in force.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64, Bool
from econsim.engine.model import N_STATES, Model
from econsim.engine.state import State


class Tables(NamedTuple):
    """Everything static the day's kernels look up, by tier, behaviour, item or mechanic."""

    is_core: Bool  # [B]
    kind_row: I64  # [B] row in Members.period_count (non-core) or Members.amount (core)
    unit: F64
    cap: F64  # [T, B]
    count_cap: I64  # [T, B] the period cap in occurrences (non-core)
    daily_cap: I64  # [B]
    tier_mult: F64  # [T, B]
    amount_mean: F64  # [T, B]
    amount_cv: F64
    amount_dist: I64
    activity: F64  # [N_STATES]
    lifecycle: Bool  # [1] on
    churn_hazard: float
    new_days: int
    dormant_after: int
    reactivation: float
    repeat_buying: bool
    first_core: int
    metric_is_core: bool
    item_cost: F64  # [K]
    item_closed: Bool
    item_use_rate: F64
    item_cdf: F64  # [K] cumulative preference weights (the target draw)
    retarget: float  # chance a member re-aims in a day
    game_points: I64  # [G]
    game_win: F64
    game_prize: F64
    game_play: F64
    streak_behaviour: int  # -1: no streak
    streak_bonus: I64  # [L]
    streak_restart: bool
    streak_source: int
    task_needs: I64  # [tasks, B] occurrences needed on one day (0: not listed)
    task_bonus: I64
    task_source: I64
    bundle_behaviour: I64  # [bundles] the behaviour's row in period_count (-1: core, never)
    bundle_count: I64
    bundle_bonus: I64
    bundle_source: I64
    reward_after: I64  # [random rewards]
    reward_p: F64
    reward_low: I64
    reward_high: I64
    reward_coupon: I64  # coupon index of a coupon reward, -1: points
    reward_valid: I64
    reward_source: I64  # -1 for a coupon reward
    bonus_behaviours: Bool  # [campaigns, B] behaviours whose occurrence earns the bonus
    bonus_tiers: Bool  # [campaigns, T]
    bonus_points: I64
    bonus_source: I64
    referral_rate: float  # 0: no referral
    inviter_points: int
    invitee_points: int
    referral_source: int
    packaged_after: I64  # [packaged campaigns]
    packaged_p: F64  # participation
    coupon_behaviour: I64  # [threshold coupons]
    coupon_threshold: F64
    coupon_reach: F64
    coupon_top_up: F64
    coupon_discount: F64
    coupon_valid: I64
    coupon_price: I64  # -1: not sold for points
    coupon_claim: F64
    coupon_use: F64  # [coupons] use rate of random coupons (threshold coupons: unused)
    coupon_sink: I64  # [coupons]
    retention_days: I64  # [R]
    retained_after: int
    # members who join from this day are the new members' funnel: 1 (day 0's members are
    # the programme's start), or a run's first day when it goes on from a snapshot
    funnel_from: int
    hard_cap: bool


def _index(names: tuple[str, ...], wanted: list[str]) -> I64:
    return np.array([names.index(w) for w in wanted], np.int64)


def tables(m: Model) -> Tables:
    """The static tables of ``m``."""
    d, pop = m.scenario.design, m.scenario.population
    mech = d.mechanics
    nb, nt = len(m.behaviours), len(m.tiers)
    lc = pop.lifecycle
    streak = mech.sign_in_streak
    tasks = list(mech.daily_tasks.items())
    needs = np.zeros((len(tasks), nb), np.int64)
    for q, (_, task) in enumerate(tasks):
        for behaviour, times in task.behaviours.items():
            needs[q, m.behaviours.index(behaviour)] = times
    bundles = list(mech.task_bundles.items())
    rewards = list(mech.random_rewards.items())
    campaigns = list(d.campaigns.items())
    bonus_b = np.zeros((len(campaigns), nb), bool)
    bonus_t = np.zeros((len(campaigns), nt), bool)
    for c, (_, camp) in enumerate(campaigns):
        bonus_b[c, [m.behaviours.index(b) for b in camp.behaviours] or slice(None)] = True
        bonus_t[c, [m.tiers.index(t) for t in camp.tiers] or slice(None)] = True
    thresholds = list(mech.threshold_coupons.items())
    use = np.zeros(len(m.coupons))
    for j, name in enumerate(m.coupons):
        if name.startswith("random:"):
            use[j] = mech.random_rewards[name.removeprefix("random:")].use_rate
    packaged = list(mech.packaged_campaigns.values())
    ref = mech.referral
    budget = d.budget
    return Tables(
        is_core=m.is_core.astype(bool),
        kind_row=m.kind_row.astype(np.int64),
        unit=m.unit.astype(float),
        cap=m.cap.astype(float),
        count_cap=np.where(m.is_core, 0, np.minimum(m.cap, 2**62)).astype(np.int64),
        daily_cap=m.daily_cap.astype(np.int64),
        tier_mult=m.tier_mult.astype(float),
        amount_mean=m.amount_mean.astype(float),
        amount_cv=m.amount_cv.astype(float),
        amount_dist=m.amount_dist.astype(np.int64),
        activity=m.activity.astype(float),
        lifecycle=np.array([lc.enabled]),
        churn_hazard=float(lc.churn_hazard),
        new_days=int(lc.new_days),
        dormant_after=int(lc.dormant_after_days),
        reactivation=float(lc.reactivation_probability),
        repeat_buying=m.repeat_buying is not None,
        first_core=int(m.first_core),
        metric_is_core=bool(m.tier_metric_is_core),
        item_cost=m.item_cost.astype(float),
        item_closed=m.item_closed.astype(bool),
        item_use_rate=m.item_use_rate.astype(float),
        item_cdf=np.cumsum(m.item_pref).astype(float),
        # a day re-aims each member with chance 1 − e^(−p): as Binomial(n, p) members drawn
        # with replacement would (1 − (1 − 1/n)^(np) → 1 − e^(−p)), the rule before issue 20
        retarget=float(-np.expm1(-pop.retarget_probability)),
        game_points=m.game_cost_points.astype(np.int64),
        game_win=m.game_win_p.astype(float),
        game_prize=m.game_prize_cost.astype(float),
        game_play=m.game_play_p.astype(float),
        streak_behaviour=-1 if streak is None else m.behaviours.index(streak.behaviour),
        streak_bonus=np.array([0] if streak is None else streak.bonus_by_day, np.int64),
        streak_restart=streak is not None and streak.after_schedule == "restart",
        streak_source=m.source("streak") if streak is not None else -1,
        task_needs=needs,
        task_bonus=np.array([t.bonus for _, t in tasks], np.int64),
        task_source=np.array([m.source(f"task:{n}") for n, _ in tasks], np.int64),
        bundle_behaviour=np.array(
            [
                -1 if m.is_core[k] else m.kind_row[k]
                for k in _index(m.behaviours, [b.behaviour for _, b in bundles])
            ],
            np.int64,
        ),
        bundle_count=np.array([b.count for _, b in bundles], np.int64),
        bundle_bonus=np.array([b.bonus for _, b in bundles], np.int64),
        bundle_source=np.array([m.source(f"bundle:{n}") for n, _ in bundles], np.int64),
        reward_after=_index(m.behaviours, [r.after for _, r in rewards]),
        reward_p=np.array([r.probability for _, r in rewards], float),
        reward_low=np.array([r.low for _, r in rewards], np.int64),
        reward_high=np.array([r.high for _, r in rewards], np.int64),
        reward_coupon=np.array(
            [m.coupons.index(f"random:{n}") if r.reward == "coupon" else -1 for n, r in rewards],
            np.int64,
        ),
        reward_valid=np.array([r.valid_days for _, r in rewards], np.int64),
        reward_source=np.array(
            [m.source(f"random:{n}") if r.reward == "points" else -1 for n, r in rewards],
            np.int64,
        ),
        bonus_behaviours=bonus_b,
        bonus_tiers=bonus_t,
        bonus_points=np.array([c.bonus for _, c in campaigns], np.int64),
        bonus_source=np.array([m.source(f"campaign:{n}") for n, _ in campaigns], np.int64),
        referral_rate=0.0 if ref is None else float(pop.referral_rate),
        inviter_points=0 if ref is None else int(ref.inviter_points),
        invitee_points=0 if ref is None else int(ref.invitee_points),
        referral_source=m.source("referral") if ref is not None else -1,
        packaged_after=_index(m.behaviours, [c.after for c in packaged]),
        packaged_p=np.array([pop.participation(c.packaging, c.participation) for c in packaged]),
        coupon_behaviour=_index(m.behaviours, [c.behaviour for _, c in thresholds]),
        coupon_threshold=np.array([c.threshold for _, c in thresholds], float),
        coupon_reach=np.array([c.reach for _, c in thresholds], float),
        coupon_top_up=np.array([c.top_up_probability for _, c in thresholds], float),
        coupon_discount=np.array([c.discount for _, c in thresholds], float),
        coupon_valid=np.array([c.valid_days for _, c in thresholds], np.int64),
        coupon_price=np.array(
            [-1 if c.points_price is None else c.points_price for _, c in thresholds], np.int64
        ),
        coupon_claim=np.array([c.claim_probability for _, c in thresholds], float),
        coupon_use=use,
        coupon_sink=np.array([m.sink(c) for c in m.coupons], np.int64),
        retention_days=np.array(m.retention_days, np.int64),
        retained_after=int(m.retained_after),
        funnel_from=1,
        hard_cap=bool(budget.hard_cap),
    )


class Day(NamedTuple):
    """What the rules, the calendar and the season make of one day."""

    day: int
    n_old: int  # members before today's arrivals (the lifecycle moves only them)
    slot: int  # this month's expiry lot
    month: int  # this month's key
    points: F64  # [B] point values in force
    prices: I64  # [K] catalog prices in force
    p_slot: F64  # [T, N_STATES, B] non-core: chance per daily slot
    p_zero: F64  # [T, N_STATES, B] chance of no occurrence (non-core: (1−p)^cap; core: e^−λ)
    rate: F64  # [T, N_STATES, B] core: occurrences expected today
    camp_mult: F64  # [T, B]
    camp_source: I64  # [T, B]
    camp_any: Bool  # [B] a campaign multiplies the behaviour today
    bonus_on: Bool  # [campaigns] bonus campaigns running today
    packaged_on: Bool  # [packaged campaigns] running today
    hand_out: Bool  # [threshold coupons] handed out today
    redeem_p: F64  # [T, N_STATES] daily redemption propensity
    cap_fixed: float  # a hard cap: fixed + ratio × the period's core amount so far
    cap_ratio: float  # (Budget.hard_cap_terms)


class Rates(NamedTuple):
    """The day's chances and rates by (tier, lifecycle state, behaviour): they change only
    with the season (``day_rates``)."""

    p_slot: F64
    p_zero: F64
    rate: F64
    redeem_p: F64


def season_key(m: Model, day: int) -> bytes:
    """What the day's :class:`Rates` depend on: the season's multipliers that day."""
    earn = b"" if m.season is None else m.season[day].tobytes()
    return earn + (b"" if m.season_redeem is None else m.season_redeem[day].tobytes())


def day_rates(m: Model, day: int) -> Rates:
    """Rates by (tier, lifecycle state, behaviour): the population's, times the season's."""
    season = np.ones(len(m.behaviours)) if m.season is None else m.season[day]
    act = m.activity[None, :, None]
    p_slot = np.minimum(m.slot_p[:, None, :] * act * season, 1.0)
    rate = m.core_rate[:, None, :] * act * season
    cap = np.maximum(m.daily_cap, 1)[None, None, :]
    p_zero = np.where(m.is_core, np.exp(-rate), (1.0 - p_slot) ** cap)
    redeem = m.propensity[:, None] * m.activity[None, :]
    if m.season_redeem is not None:
        redeem = np.minimum(redeem * m.season_redeem[day], 1.0)
    shape = (len(m.tiers), N_STATES, -1)
    return Rates(
        p_slot=np.ascontiguousarray(p_slot.reshape(shape)),
        p_zero=np.ascontiguousarray(p_zero.reshape(shape)),
        rate=np.ascontiguousarray(rate.reshape(shape)),
        redeem_p=np.ascontiguousarray(redeem, float),
    )


def day_tables(
    m: Model,
    day: int,
    n_old: int,
    points: F64,
    prices: I64,
    camp_mult: F64,
    camp_source: I64,
    hard_cap: tuple[float, float],
    rates: Rates | None = None,
) -> Day:
    """The day's tables: rates by (tier, lifecycle state, behaviour), switches by mechanic
    (``rates``: the day's :func:`day_rates`, when the caller keeps them)."""
    d = m.scenario.design
    r = day_rates(m, day) if rates is None else rates
    mech = d.mechanics
    month = int(m.month_key[day])
    return Day(
        day=day,
        n_old=n_old,
        slot=month % m.lot_count,
        month=month,
        points=np.ascontiguousarray(points, float),
        prices=np.ascontiguousarray(prices, np.int64),
        p_slot=r.p_slot,
        p_zero=r.p_zero,
        rate=r.rate,
        camp_mult=np.ascontiguousarray(camp_mult, float),
        camp_source=np.ascontiguousarray(camp_source, np.int64),
        camp_any=(camp_mult != 1.0).any(axis=0),
        bonus_on=np.array(
            [c.bonus != 0 and c.start_day <= day <= c.end_day for c in d.campaigns.values()],
            bool,
        ),
        packaged_on=np.array(
            [c.start_day <= day <= c.end_day for c in mech.packaged_campaigns.values()], bool
        ),
        hand_out=np.array([day in c.handed_out for c in mech.threshold_coupons.values()], bool),
        redeem_p=r.redeem_p,
        cap_fixed=float(hard_cap[0]),
        cap_ratio=float(hard_cap[1]),
    )


class Members(NamedTuple):
    """The members' arrays (``engine.state.State``) as the kernels take them."""

    tier: NDArray[np.int8]
    life: NDArray[np.int8]
    joined: NDArray[np.int32]
    last_active: NDArray[np.int32]
    acted: NDArray[np.int32]
    balance: I64
    lots: NDArray[np.int32]
    period_count: NDArray[np.int32]  # State.count
    amount: F64
    streak: NDArray[np.int32]
    bundle_done: Bool
    bonus_got: Bool
    review_metric: F64
    below: NDArray[np.int16]
    target: NDArray[np.int16]
    last_redeem: NDArray[np.int32]
    buying: NDArray[np.float32]
    took_part: Bool
    coupon_until: NDArray[np.int32]
    coupon_value: NDArray[np.float32]
    purchases: NDArray[np.int8]
    milestones: NDArray[np.uint8]


def members(st: State) -> Members:
    """The state's arrays, whole (rows past ``n`` are never read)."""
    return Members(*(getattr(st, RENAMED.get(f, f)) for f in Members._fields))


#: Fields named otherwise than in ``State`` (a named tuple has a ``count`` method).
RENAMED = {"period_count": "count"}
