"""The day's work as one fused loop over the members (numba).

For each member, in the reference's order (``engine.simulation.Simulation.tick``): the
lifecycle step, coupons handed out, every behaviour (occurrences by inversion from one
uniform, caps, amounts, threshold and random coupons, point values, tier and campaign
multipliers), the mechanics (streak, daily tasks, bundles, random rewards, campaign bonus,
packaged-campaign participation, referral), the operating counts, marking the member
active, crediting the day's points to the balance and this month's lot, re-aiming and
deciding to redeem. Nothing is allocated per member or per day but what the day books.

What the loop cannot settle alone is handed back in ``Buffers``: redemptions that share a
stock or a hard budget cap are served afterwards in a random order (``serving.py``, as the
reference serves them), members leaving overnight, inviters (the invitees join after the loop) and
today's campaign participants (groups and blocks fill across members).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from econsim.arrays import I64, U64
from econsim.engine.compiled.day_books import (
    ACTIVE_NEW,
    CORE_AMOUNT,
    EPS,
    INVITERS,
    LEAVING,
    LOT_MAX,
    OVERFLOWS,
    PARTICIPANTS,
    PERIOD_COST,
    REQUESTS,
    Books,
    Buffers,
    admits,
    cap_limit,
)
from econsim.engine.compiled.draws import amount, binomial_above, poisson_above
from econsim.engine.compiled.journal import Journal, full, note
from econsim.engine.compiled.uniform import pick, uniform
from econsim.engine.counts import INVERTIBLE
from econsim.engine.model import ACTIVE, CHURNED, DORMANT, NEW
from econsim.engine.recorder import BOOKING, OCCURRENCE, SPEND
from econsim.engine.state import AGAIN, NEVER, REFERRED, RETAINED

# ------------------------------------------------------------------ the members' loop


@njit(cache=True, error_model="numpy")
def members_day(
    t: Any, d: Any, s: Any, bk: Books, buf: Buffers, jr: Journal, lo: int, n: int,
    rng: Any, um: U64, us: U64, uc: U64,
) -> int:  # fmt: skip
    """The day of members ``lo … n-1``, each start to finish, in the reference's order
    (``engine.simulation.Simulation.tick``); returns the member it stopped before (``n``:
    all done; fewer when a recorded run's journal needs draining)."""
    occ = np.zeros(t.is_core.size, np.int64)  # today's occurrences by behaviour
    tried = np.zeros(t.coupon_behaviour.size, np.bool_)  # threshold coupons tried today
    mechanics = (
        t.task_bonus.size + t.bundle_bonus.size + t.reward_p.size + t.bonus_points.size
        + t.packaged_p.size > 0
    )  # fmt: skip
    for i in range(lo, n):
        if full(jr, bk.counts):
            return i
        life = lifecycle_step(t, d, s, i, um)
        if life == CHURNED:
            s.streak[i] = 0
            continue
        hand_out_coupons(t, d, s, bk, i)
        points, bought = behaviours(t, d, s, bk, jr, i, life, occ, tried, rng, um, us)
        acted = bought > 0
        for b in range(occ.size):
            acted |= occ[b] > 0
        points += streak(t, s, bk, jr, i, occ)
        if acted and mechanics:
            points += daily_tasks(t, s, bk, jr, i, occ)
            points += bundles(t, s, bk, jr, i)
            points += random_rewards(t, d, s, bk, jr, i, occ, rng)
            points += campaign_bonus(t, d, s, bk, jr, i, occ)
            take_part(t, d, s, bk, buf, i, occ, uc)
        points += refer(t, d, s, bk, buf, jr, i, life, um)
        if acted:
            count_operations(t, d, s, bk, i, bought)
            mark_active(t, d, s, bk, buf, i, life, bought, um)
        credit(t, d, s, bk, i, points)
        ask_to_redeem(t, d, s, bk, buf, i, s.tier[i], us)
    return n


# ------------------------------------------------------------------ the rules, one each


@njit(cache=True, inline="always", error_model="numpy")
def lifecycle_step(t: Any, d: Any, s: Any, i: int, um: U64) -> int:
    """Churn hazard, settling in, dormancy, reactivation (members before today's arrivals);
    returns the member's state today."""
    life = s.life[i]
    if not t.lifecycle[0] or i >= d.n_old:
        return int(life)
    day = d.day
    if life != CHURNED and t.churn_hazard > 0.0 and uniform(um) < t.churn_hazard:
        life = CHURNED
    if life == NEW and day - s.joined[i] >= t.new_days:
        life = ACTIVE
    if life == ACTIVE and day - s.last_active[i] >= t.dormant_after:
        life = DORMANT
    if life == DORMANT and t.reactivation > 0.0 and uniform(um) < t.reactivation:
        life = ACTIVE
        s.last_active[i] = day
    s.life[i] = life
    return int(life)


@njit(cache=True, inline="always", error_model="numpy")
def hand_out_coupons(t: Any, d: Any, s: Any, bk: Books, i: int) -> None:
    """A threshold coupon's handing-out day gives one to every member who holds none."""
    for j in range(t.coupon_behaviour.size):
        if d.hand_out[j] and s.coupon_until[j, i] < d.day:
            s.coupon_until[j, i] = d.day + t.coupon_valid[j] - 1
            bk.coupons_given[j] += 1


@njit(cache=True, inline="always", error_model="numpy")
def behaviours(
    t: Any, d: Any, s: Any, bk: Books, jr: Journal, i: int, life: int, occ: I64,
    tried: Any, rng: Any, um: U64, us: U64,
) -> tuple[int, int]:  # fmt: skip
    """Every behaviour's occurrences today and the points they earn; fills ``occ`` and
    returns (points, purchases)."""
    tier = s.tier[i]
    points, bought = 0, 0
    tried[:] = False
    for b in range(occ.size):
        if t.is_core[b]:
            k, raw = purchases(t, d, s, bk, jr, i, tier, life, b, tried, rng, um, us)
            bought += k
        else:
            k, raw = slots(t, d, s, i, tier, life, b, rng, um)
        occ[b] = k
        if k == 0:
            continue
        bk.occurrences[b] += k
        bk.actors[b] += 1
        points += earn(t, d, bk, jr, i, tier, b, raw)
        if not t.is_core[b]:
            for _ in range(k):
                note(jr, bk.counts, i, OCCURRENCE, b, tier, 0, np.nan, np.nan)
    return points, bought


@njit(cache=True, inline="always", error_model="numpy")
def purchases(
    t: Any, d: Any, s: Any, bk: Books, jr: Journal, i: int, tier: int, life: int, b: int,
    tried: Any, rng: Any, um: U64, us: U64,
) -> tuple[int, float]:  # fmt: skip
    """A core behaviour's purchases today: how many (one uniform, inverted), each one's
    amount and coupons, the period cap; returns (purchases, the points' raw value)."""
    lam = d.rate[tier, life, b]
    p0 = d.p_zero[tier, life, b]
    if t.repeat_buying:
        lam *= float(s.buying[0, i])
        p0 = math.exp(-lam)
    k = 0
    if lam > 0.0:
        u = uniform(um)
        if p0 < INVERTIBLE:  # a busy member: inverting from e^−λ loses the tail
            k = rng.poisson(lam)
        elif u > p0:
            k = poisson_above(u, p0, lam)
    first = t.repeat_buying and b == t.first_core and s.joined[i] == d.day
    if k == 0 and first and t.amount_mean[tier, b] > 0.0:
        k = 1  # BG/NBD: a member is acquired by a purchase
    if k == 0:
        return 0, 0.0
    total = 0.0
    for _ in range(k):
        a = amount(rng, t.amount_dist[tier, b], t.amount_mean[tier, b], t.amount_cv[tier, b])
        a = threshold_coupons(t, d, s, bk, jr, i, tier, b, a, tried, us)
        note(jr, bk.counts, i, OCCURRENCE, b, tier, 0, a, np.nan)
        total += a
    random_coupons(t, d, s, bk, jr, i, tier, us)
    room = max(t.cap[tier, b] - s.amount[t.kind_row[b], i], 0.0)
    eligible = min(total, room)
    s.amount[t.kind_row[b], i] += eligible
    bk.core_amount[tier] += total
    bk.money[CORE_AMOUNT] += total
    if t.metric_is_core:
        s.review_metric[i] += total
    return k, eligible / t.unit[b] * d.points[b] * t.tier_mult[tier, b]


@njit(cache=True, inline="always", error_model="numpy")
def threshold_coupons(
    t: Any, d: Any, s: Any, bk: Books, jr: Journal, i: int, tier: int, b: int, a: float,
    tried: Any, us: U64,
) -> float:  # fmt: skip
    """The first purchase that reaches a held coupon's threshold (or is topped up to it)
    uses the coupon, within a hard cap; returns the purchase's amount."""
    for j in range(t.coupon_behaviour.size):
        if t.coupon_behaviour[j] != b or tried[j] or s.coupon_until[j, i] < d.day:
            continue
        thr = t.coupon_threshold[j]
        if a < thr and not (a >= thr - t.coupon_reach[j] and uniform(us) < t.coupon_top_up[j]):
            continue
        tried[j] = True
        price = t.coupon_discount[j]
        if not pay(t, d, bk, jr, i, tier, t.coupon_sink[j], price):
            continue
        s.coupon_until[j, i] = NEVER
        bk.coupons_used[j] += 1
        if thr > a:
            bk.coupon_uplift[j] += thr - a
            a = thr
    return a


@njit(cache=True, inline="always", error_model="numpy")
def random_coupons(
    t: Any, d: Any, s: Any, bk: Books, jr: Journal, i: int, tier: int, us: U64
) -> None:
    """A day with purchases uses each held random coupon (with its use rate) or lets it
    lapse."""
    for j in range(t.coupon_behaviour.size, t.coupon_sink.size):
        if s.coupon_until[j, i] < d.day:
            continue
        value = float(s.coupon_value[j, i])
        if uniform(us) < t.coupon_use[j] and pay(t, d, bk, jr, i, tier, t.coupon_sink[j], value):
            bk.coupons_used[j] += 1
        s.coupon_until[j, i] = NEVER


@njit(cache=True, inline="always", error_model="numpy")
def pay(t: Any, d: Any, bk: Books, jr: Journal, i: int, tier: int, sink: int, cost: float) -> bool:
    """Money paid to a member with no points spent (a coupon), within a hard cap."""
    limit = cap_limit(d.cap_fixed, d.cap_ratio, bk.money[CORE_AMOUNT])
    if t.hard_cap and not admits(cost, limit, bk.money, bk.day_counts):
        return False
    bk.cost[sink] += cost
    bk.cost_by_tier[tier] += cost
    bk.money[PERIOD_COST] += cost
    note(jr, bk.counts, i, SPEND, sink, tier, 0, np.nan, cost)
    return True


@njit(cache=True, inline="always", error_model="numpy")
def slots(
    t: Any, d: Any, s: Any, i: int, tier: int, life: int, b: int, rng: Any, um: U64
) -> tuple[int, float]:
    """A non-core behaviour's occurrences today: one chance per daily slot, the period
    cap; returns (occurrences, the points' raw value)."""
    p = d.p_slot[tier, life, b]
    if p <= 0.0:
        return 0, 0.0
    u = uniform(um)
    most = t.daily_cap[b]
    k = 0
    p0 = d.p_zero[tier, life, b]
    if most <= 1:
        k = int(u < p)
    elif p0 < INVERTIBLE:  # many slots: inverting from (1−p)^n loses the tail
        k = rng.binomial(most, p)
    elif u > p0:
        k = binomial_above(u, p0, p, most)
    row = t.kind_row[b]
    room = t.count_cap[tier, b] - s.period_count[row, i]
    k = min(k, max(room, 0))
    s.period_count[row, i] += k
    return k, k * d.points[b] * t.tier_mult[tier, b]


@njit(cache=True, inline="always", error_model="numpy")
def earn(t: Any, d: Any, bk: Books, jr: Journal, i: int, tier: int, b: int, raw: float) -> int:
    """A behaviour's points: the whole points of its raw value to the behaviour, what a
    campaign's multiplier adds to the campaign; returns them."""
    base = math.floor(raw + EPS)
    points = book(bk, jr, i, tier, b, base)
    if d.camp_any[b]:
        extra = math.floor(raw * d.camp_mult[tier, b] + EPS) - base
        points += book(bk, jr, i, tier, d.camp_source[tier, b], extra)
    return points


@njit(cache=True, inline="always", error_model="numpy")
def book(bk: Books, jr: Journal, i: int, tier: int, source: int, points: int) -> int:
    """Points issued to a member from ``source`` (none for 0 or less); returns them."""
    if points <= 0:
        return 0
    bk.issued[source, tier] += points
    note(jr, bk.counts, i, BOOKING, source, tier, points, np.nan, np.nan)
    return points


@njit(cache=True, inline="always", error_model="numpy")
def streak(t: Any, s: Any, bk: Books, jr: Journal, i: int, occ: I64) -> int:
    """Consecutive days of the streak behaviour earn the ladder's bonus; a day without
    one restarts it."""
    sb = t.streak_behaviour
    if sb < 0:
        return 0
    if occ[sb] == 0:
        s.streak[i] = 0
        return 0
    s.streak[i] += 1
    pos = s.streak[i] - 1
    size = t.streak_bonus.size
    pos = pos % size if t.streak_restart else min(pos, size - 1)
    return book(bk, jr, i, s.tier[i], t.streak_source, t.streak_bonus[pos])


@njit(cache=True, inline="always", error_model="numpy")
def daily_tasks(t: Any, s: Any, bk: Books, jr: Journal, i: int, occ: I64) -> int:
    """A task done today (each listed behaviour as often as it needs) earns its bonus."""
    points = 0
    for q in range(t.task_bonus.size):
        done = True
        for b in range(occ.size):
            if t.task_needs[q, b] > 0 and occ[b] < t.task_needs[q, b]:
                done = False
                break
        if done:
            points += book(bk, jr, i, s.tier[i], t.task_source[q], t.task_bonus[q])
    return points


@njit(cache=True, inline="always", error_model="numpy")
def bundles(t: Any, s: Any, bk: Books, jr: Journal, i: int) -> int:
    """A bundle's count reached in the period earns its bonus, once a period."""
    points = 0
    for q in range(t.bundle_bonus.size):
        row = t.bundle_behaviour[q]
        if row < 0 or s.bundle_done[q, i] or s.period_count[row, i] < t.bundle_count[q]:
            continue
        s.bundle_done[q, i] = True
        points += book(bk, jr, i, s.tier[i], t.bundle_source[q], t.bundle_bonus[q])
    return points


@njit(cache=True, inline="always", error_model="numpy")
def random_rewards(
    t: Any, d: Any, s: Any, bk: Books, jr: Journal, i: int, occ: I64, rng: Any
) -> int:
    """Each occurrence of a rewarded behaviour wins with the reward's chance: points drawn
    from its range, or a coupon of the day's last draw."""
    points = 0
    for r in range(t.reward_p.size):
        k = occ[t.reward_after[r]]
        if k == 0:
            continue
        wins = rng.binomial(k, t.reward_p[r])
        total, last = 0, 0
        for _ in range(wins):
            last = int(rng.integers(t.reward_low[r], t.reward_high[r] + 1))
            total += last
        if wins == 0:
            continue
        j = t.reward_coupon[r]
        if j >= 0:
            s.coupon_until[j, i] = d.day + t.reward_valid[r] - 1
            s.coupon_value[j, i] = last
            bk.coupons_given[j] += 1
        else:
            points += book(bk, jr, i, s.tier[i], t.reward_source[r], total)
    return points


@njit(cache=True, inline="always", error_model="numpy")
def campaign_bonus(t: Any, d: Any, s: Any, bk: Books, jr: Journal, i: int, occ: I64) -> int:
    """A running campaign's bonus, once per member, for an occurrence of its behaviours."""
    points = 0
    tier = s.tier[i]
    for c in range(t.bonus_points.size):
        if not d.bonus_on[c] or s.bonus_got[c, i] or not t.bonus_tiers[c, tier]:
            continue
        did = False
        for b in range(occ.size):
            if t.bonus_behaviours[c, b] and occ[b] > 0:
                did = True
        if did:
            s.bonus_got[c, i] = True
            points += book(bk, jr, i, tier, t.bonus_source[c], t.bonus_points[c])
    return points


@njit(cache=True, inline="always", error_model="numpy")
def take_part(t: Any, d: Any, s: Any, bk: Books, buf: Buffers, i: int, occ: I64, uc: U64) -> None:
    """A packaged campaign asks a member once, at their first occurrence of its behaviour;
    participants are rewarded after the loop (groups and blocks fill across members)."""
    for q in range(t.packaged_p.size):
        if not d.packaged_on[q] or occ[t.packaged_after[q]] == 0 or s.took_part[q, i]:
            continue
        s.took_part[q, i] = True
        if uniform(uc) < t.packaged_p[q]:
            bk.participants[q] += 1
            at = bk.counts[PARTICIPANTS]
            buf.participants[at] = i
            buf.participated[at] = q
            bk.counts[PARTICIPANTS] += 1


@njit(cache=True, inline="always", error_model="numpy")
def refer(
    t: Any, d: Any, s: Any, bk: Books, buf: Buffers, jr: Journal, i: int, life: int, um: U64
) -> int:
    """A new or active member brings a friend with the referral rate: the inviter's points
    now, the friend joins after the loop."""
    if not (t.referral_rate > 0.0 and life in (NEW, ACTIVE)):
        return 0
    if not uniform(um) < t.referral_rate * t.activity[life]:
        return 0
    points = book(bk, jr, i, s.tier[i], t.referral_source, t.inviter_points)
    buf.inviters[bk.counts[INVITERS]] = i
    bk.counts[INVITERS] += 1
    joined = s.joined[i]
    if 1 <= joined < d.day and not s.milestones[i] & REFERRED:
        s.milestones[i] |= REFERRED
        bk.funnel[4] += 1
    return points


@njit(cache=True, inline="always", error_model="numpy")
def count_operations(t: Any, d: Any, s: Any, bk: Books, i: int, bought: int) -> None:
    """The operating counts of an active day: the new members' funnel, buyers and repeat
    buyers."""
    joined, day, tier = s.joined[i], d.day, s.tier[i]
    if joined >= 1:
        if joined == day:
            bk.day_counts[ACTIVE_NEW] += 1
        if s.acted[i] == NEVER:
            bk.funnel[1] += 1
        if day - joined >= t.retained_after and not s.milestones[i] & RETAINED:
            s.milestones[i] |= RETAINED
            bk.funnel[2] += 1
    if bought > 0:
        before = int(s.purchases[i])
        after = min(before + bought, AGAIN)
        s.purchases[i] = after
        if before == 0:
            bk.buyers[tier] += 1
            if joined >= 1:
                bk.funnel[3] += 1
        if before < AGAIN <= after:
            bk.repeat_buyers[tier] += 1


@njit(cache=True, inline="always", error_model="numpy")
def mark_active(
    t: Any, d: Any, s: Any, bk: Books, buf: Buffers, i: int, life: int, bought: int, um: U64
) -> None:  # fmt: skip
    """The member acted today: active, retained on the retention days, and (BG/NBD) after
    each repeat purchase leaves overnight with the member's drop-out chance."""
    day, tier, joined = d.day, s.tier[i], s.joined[i]
    s.last_active[i] = day
    s.acted[i] = day
    if life == DORMANT:
        s.life[i] = ACTIVE
    bk.active[tier] += 1
    if joined >= max(day - t.retention_days[-1], 1):
        age = day - joined
        for r in range(t.retention_days.size):
            if age == t.retention_days[r]:
                bk.retained[r, tier] += 1
    if t.repeat_buying and bought > 0:
        repeats = bought - (1 if joined == day else 0)
        if repeats > 0 and uniform(um) >= (1.0 - float(s.buying[1, i])) ** repeats:
            buf.leaving[bk.counts[LEAVING]] = i
            bk.counts[LEAVING] += 1


@njit(cache=True, inline="always", error_model="numpy")
def credit(t: Any, d: Any, s: Any, bk: Books, i: int, points: int) -> None:
    """The day's points to the balance and this month's lot (and the tier metric, when
    the metric is points)."""
    if points <= 0:
        return
    s.balance[i] += points
    held = s.lots[d.slot, i] + points
    bk.counts[OVERFLOWS] += held > LOT_MAX  # the caller raises (engine.lots.LOT_MAX)
    s.lots[d.slot, i] = held
    if not t.metric_is_core:
        s.review_metric[i] += points


@njit(cache=True, inline="always", error_model="numpy")
def ask_to_redeem(
    t: Any, d: Any, s: Any, bk: Books, buf: Buffers, i: int, tier: int, us: U64
) -> None:
    """Re-aim at a catalog item now and then; a member who can afford the target asks for
    it with the day's redemption propensity (served after the loop)."""
    if t.item_cdf.size == 0:
        return
    if t.retarget > 0.0 and uniform(us) < t.retarget:
        s.target[i] = pick(us, t.item_cdf)
    if s.balance[i] >= d.prices[s.target[i]]:  # written always, kept if it asks
        at = bk.counts[REQUESTS]
        buf.requests[at] = i
        buf.wanted[at] = s.target[i]
        bk.counts[REQUESTS] = at + int(uniform(us) < d.redeem_p[tier, s.life[i]])


@njit(cache=True, error_model="numpy")
def newcomers_day(
    t: Any, d: Any, s: Any, bk: Books, buf: Buffers, jr: Journal, lo: int, hi: int,
    points: int, us: U64,
) -> None:  # fmt: skip
    """Invitees ``lo … hi-1``, who joined after the loop: their points, then redemption."""
    for i in range(lo, hi):
        credit(t, d, s, bk, i, book(bk, jr, i, s.tier[i], t.referral_source, points))
        ask_to_redeem(t, d, s, bk, buf, i, s.tier[i], us)
