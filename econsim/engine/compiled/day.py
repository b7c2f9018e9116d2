"""The day's work as one fused loop over the members (numba).

For each member, in the day's order (``engine.simulation.Simulation.tick``): the
lifecycle step, coupons handed out, every behaviour (occurrences by inversion from one
uniform, caps, amounts, threshold and random coupons, point values, tier and campaign
multipliers), the mechanics (streak, daily tasks, bundles, random rewards, campaign bonus,
packaged-campaign participation, referral), the operating counts, marking the member
active, crediting the day's points to the balance and this month's lot, re-aiming and
deciding to redeem. Nothing is allocated per member or per day but what the day books.
A recorded run's rows go to the journal (``journal.py``) as they happen.

Why one loop and not a function per rule: numba increfs every array of a named tuple each
time one is handed on, inlined or not (about 70 for ``Tables``); a version with a small
inlined function per rule ran 13× slower (2,000 members: 10 s a year against 0.8 s).

What the loop cannot settle alone is handed back in ``Buffers``: redemptions that share a
stock or a hard budget cap are served afterwards in a random order (``serving.py``), members
leaving overnight, inviters (the invitees join after the loop) and today's campaign
participants (groups and blocks fill across members).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from econsim.arrays import U64
from econsim.engine.compiled.day_books import (
    ACTIVE_NEW,
    CORE_AMOUNT,
    EPS,
    INVITERS,
    LEAVING,
    LOT_MAX,
    OVERFLOWS,
    PARTICIPANTS,
    REQUESTS,
    Books,
    Buffers,
    cap_limit,
    pay,
)
from econsim.engine.compiled.draws import INVERTIBLE, amount, binomial_above, poisson_above
from econsim.engine.compiled.journal import Journal, full, note
from econsim.engine.compiled.uniform import pick, uniform
from econsim.engine.model import ACTIVE, CHURNED, DORMANT, NEW
from econsim.engine.recorder import BOOKING, OCCURRENCE
from econsim.engine.state import AGAIN, NEVER, REFERRED, RETAINED

# ------------------------------------------------------------------ the members' loop


@njit(cache=True, error_model="numpy")
def members_day(
    t: Any, d: Any, s: Any, bk: Books, buf: Buffers, jr: Journal, lo: int, n: int,
    rng: Any, um: U64, us: U64, uc: U64,
) -> int:  # fmt: skip
    """The day of members ``lo … n-1``, each start to finish; returns the member it stopped
    before (``n``: all done; fewer when a recorded run's journal needs draining)."""
    nb = t.is_core.size
    day = d.day
    occ = np.zeros(nb, np.int64)
    n_th = t.coupon_behaviour.size
    n_coupons = t.coupon_sink.size
    tried = np.zeros(n_th, np.bool_)
    mechanics = (
        t.task_bonus.size + t.bundle_bonus.size + t.reward_p.size + t.bonus_points.size
        + t.packaged_p.size > 0
    )  # fmt: skip
    lifecycle = t.lifecycle[0]
    has_items = t.item_cdf.size > 0
    for i in range(lo, n):
        if full(jr, bk.counts):
            return i
        # ---- lifecycle: churn hazard, settling in, dormancy, reactivation
        life = s.life[i]
        if lifecycle and i < d.n_old:
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
        if life == CHURNED:
            s.streak[i] = 0
            continue
        tier = s.tier[i]
        for j in range(n_th):  # campaign days hand a coupon to who holds none
            if d.hand_out[j] and s.coupon_until[j, i] < day:
                s.coupon_until[j, i] = day + t.coupon_valid[j] - 1
                bk.coupons_given[j] += 1
        # ---- behaviours
        points, bought, acted = 0, 0, False
        for j in range(n_th):
            tried[j] = False
        for b in range(nb):
            occ[b] = 0
            k = 0
            if t.is_core[b]:
                lam = d.rate[tier, life, b]
                p0 = d.p_zero[tier, life, b]
                if t.repeat_buying:
                    lam *= float(s.buying[0, i])
                    p0 = math.exp(-lam)
                if lam > 0.0:
                    u = uniform(um)
                    if p0 < INVERTIBLE:  # a busy member: inverting from e^−λ loses the tail
                        k = rng.poisson(lam)
                    elif u > p0:
                        k = poisson_above(u, p0, lam)
                if (
                    k == 0
                    and t.repeat_buying
                    and b == t.first_core
                    and s.joined[i] == day
                    and t.amount_mean[tier, b] > 0.0
                ):
                    k = 1  # BG/NBD: a member is acquired by a purchase
                if k == 0:
                    continue
                total = 0.0
                for _ in range(k):
                    a = amount(
                        rng, t.amount_dist[tier, b], t.amount_mean[tier, b], t.amount_cv[tier, b]
                    )
                    for j in range(n_th):  # threshold coupons: the first qualifying purchase
                        if t.coupon_behaviour[j] != b or tried[j] or s.coupon_until[j, i] < day:
                            continue
                        thr = t.coupon_threshold[j]
                        if a < thr and not (
                            a >= thr - t.coupon_reach[j] and uniform(us) < t.coupon_top_up[j]
                        ):
                            continue
                        tried[j] = True
                        limit = cap_limit(d.cap_fixed, d.cap_ratio, bk.money[CORE_AMOUNT])
                        if not pay(
                            jr, i, tier, t.coupon_sink[j], t.coupon_discount[j], t.hard_cap,
                            limit, bk.cost, bk.cost_by_tier, bk.money, bk.counts, bk.day_counts,
                        ):  # fmt: skip
                            continue
                        s.coupon_until[j, i] = NEVER
                        bk.coupons_used[j] += 1
                        if thr > a:
                            bk.coupon_uplift[j] += thr - a
                            a = thr
                    note(jr, bk.counts, i, OCCURRENCE, b, tier, 0, a, np.nan)
                    total += a
                for j in range(n_th, n_coupons):  # random coupons: used, or lapsed
                    if s.coupon_until[j, i] < day:
                        continue
                    if uniform(us) < t.coupon_use[j]:
                        value = float(s.coupon_value[j, i])
                        limit = cap_limit(d.cap_fixed, d.cap_ratio, bk.money[CORE_AMOUNT])
                        if pay(
                            jr, i, tier, t.coupon_sink[j], value, t.hard_cap, limit, bk.cost,
                            bk.cost_by_tier, bk.money, bk.counts, bk.day_counts,
                        ):  # fmt: skip
                            bk.coupons_used[j] += 1
                    s.coupon_until[j, i] = NEVER
                room = max(t.cap[tier, b] - s.amount[t.kind_row[b], i], 0.0)
                eligible = min(total, room)
                s.amount[t.kind_row[b], i] += eligible
                bk.core_amount[tier] += total
                bk.money[CORE_AMOUNT] += total
                if t.metric_is_core:
                    s.review_metric[i] += total
                raw = eligible / t.unit[b] * d.points[b] * t.tier_mult[tier, b]
                bought += k
            else:
                p = d.p_slot[tier, life, b]
                if p <= 0.0:
                    continue
                # branch-free from the draw on: whether a member acts is a coin flip, and a
                # mispredicted branch costs more than the arithmetic it skips
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
                raw = k * d.points[b] * t.tier_mult[tier, b]
                occ[b] = k
                did = int(k > 0)
                acted |= k > 0
                bk.occurrences[b] += k
                bk.actors[b] += did
                base = math.floor(raw + EPS)  # 0 without an occurrence
                bk.issued[b, tier] += base
                points += base
                extra = 0
                if d.camp_any[b]:
                    extra = max(math.floor(raw * d.camp_mult[tier, b] + EPS) - base, 0)
                    bk.issued[d.camp_source[tier, b], tier] += extra  # -1 only with extra 0
                    points += extra
                if jr.user.size and k > 0:  # a recorded run: the rows of the occurrences
                    for _ in range(k):
                        note(jr, bk.counts, i, OCCURRENCE, b, tier, 0, np.nan, np.nan)
                    if base > 0:
                        note(jr, bk.counts, i, BOOKING, b, tier, base, np.nan, np.nan)
                    if extra > 0:
                        source = d.camp_source[tier, b]
                        note(jr, bk.counts, i, BOOKING, source, tier, extra, np.nan, np.nan)
                continue
            occ[b] = k
            acted = True
            bk.occurrences[b] += k
            bk.actors[b] += 1
            base = math.floor(raw + EPS)
            if base > 0:
                bk.issued[b, tier] += base
                points += base
                note(jr, bk.counts, i, BOOKING, b, tier, base, np.nan, np.nan)
            if d.camp_any[b]:
                extra = math.floor(raw * d.camp_mult[tier, b] + EPS) - base
                if extra > 0:
                    source = d.camp_source[tier, b]
                    bk.issued[source, tier] += extra
                    points += extra
                    note(jr, bk.counts, i, BOOKING, source, tier, extra, np.nan, np.nan)
        # ---- mechanics, each after the behaviours they reward
        sb = t.streak_behaviour
        if sb >= 0:
            if occ[sb] > 0:
                s.streak[i] += 1
                pos = s.streak[i] - 1
                size = t.streak_bonus.size
                pos = pos % size if t.streak_restart else min(pos, size - 1)
                bonus = t.streak_bonus[pos]
                if bonus > 0:
                    bk.issued[t.streak_source, tier] += bonus
                    points += bonus
                    note(jr, bk.counts, i, BOOKING, t.streak_source, tier, bonus, np.nan, np.nan)
            else:
                s.streak[i] = 0
        if acted and mechanics:
            for q in range(t.task_bonus.size):
                done = True
                for b in range(nb):
                    if t.task_needs[q, b] > 0 and occ[b] < t.task_needs[q, b]:
                        done = False
                        break
                if done:
                    bonus = t.task_bonus[q]
                    bk.issued[t.task_source[q], tier] += bonus
                    points += bonus
                    note(jr, bk.counts, i, BOOKING, t.task_source[q], tier, bonus, np.nan, np.nan)
            for q in range(t.bundle_bonus.size):
                row = t.bundle_behaviour[q]
                if row < 0 or s.bundle_done[q, i]:
                    continue
                if s.period_count[row, i] >= t.bundle_count[q]:
                    s.bundle_done[q, i] = True
                    bonus, source = t.bundle_bonus[q], t.bundle_source[q]
                    bk.issued[source, tier] += bonus
                    points += bonus
                    note(jr, bk.counts, i, BOOKING, source, tier, bonus, np.nan, np.nan)
            for r in range(t.reward_p.size):
                k = occ[t.reward_after[r]]
                if k == 0:
                    continue
                wins = rng.binomial(k, t.reward_p[r])
                total_r, last = 0, 0
                for _ in range(wins):
                    last = int(rng.integers(t.reward_low[r], t.reward_high[r] + 1))
                    total_r += last
                if wins == 0:
                    continue
                j = t.reward_coupon[r]
                if j >= 0:  # one coupon: the last draw of the day
                    s.coupon_until[j, i] = day + t.reward_valid[r] - 1
                    s.coupon_value[j, i] = last
                    bk.coupons_given[j] += 1
                elif total_r > 0:
                    source = t.reward_source[r]
                    bk.issued[source, tier] += total_r
                    points += total_r
                    note(jr, bk.counts, i, BOOKING, source, tier, total_r, np.nan, np.nan)
            for c in range(t.bonus_points.size):
                if not d.bonus_on[c] or s.bonus_got[c, i] or not t.bonus_tiers[c, tier]:
                    continue
                did = False
                for b in range(nb):
                    if t.bonus_behaviours[c, b] and occ[b] > 0:
                        did = True
                if did:
                    s.bonus_got[c, i] = True
                    bonus, source = t.bonus_points[c], t.bonus_source[c]
                    bk.issued[source, tier] += bonus
                    points += bonus
                    note(jr, bk.counts, i, BOOKING, source, tier, bonus, np.nan, np.nan)
            for q in range(t.packaged_p.size):
                if not d.packaged_on[q] or occ[t.packaged_after[q]] == 0 or s.took_part[q, i]:
                    continue
                s.took_part[q, i] = True  # asked once, at the first chance
                if uniform(uc) < t.packaged_p[q]:
                    bk.participants[q] += 1
                    at = bk.counts[PARTICIPANTS]
                    buf.participants[at] = i
                    buf.participated[at] = q
                    bk.counts[PARTICIPANTS] += 1
        joined = s.joined[i]
        referring = t.referral_rate > 0.0 and life in (NEW, ACTIVE)
        if referring and uniform(um) < t.referral_rate * t.activity[life]:
            if t.inviter_points > 0:
                bonus, source = t.inviter_points, t.referral_source
                bk.issued[source, tier] += bonus
                points += bonus
                note(jr, bk.counts, i, BOOKING, source, tier, bonus, np.nan, np.nan)
            buf.inviters[bk.counts[INVITERS]] = i
            bk.counts[INVITERS] += 1
            if t.funnel_from <= joined < day and not s.milestones[i] & REFERRED:
                s.milestones[i] |= REFERRED
                bk.funnel[4] += 1
        # ---- operating counts, then the member is active today
        if acted:
            if joined >= t.funnel_from:
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
                    if joined >= t.funnel_from:
                        bk.funnel[3] += 1
                if before < AGAIN <= after:
                    bk.repeat_buyers[tier] += 1
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
                if repeats > 0:
                    stay = (1.0 - float(s.buying[1, i])) ** repeats
                    if uniform(um) >= stay:  # leaves overnight
                        buf.leaving[bk.counts[LEAVING]] = i
                        bk.counts[LEAVING] += 1
        # ---- the day's points, then redemption
        if points > 0:
            s.balance[i] += points
            held = s.lots[d.slot, i] + points
            bk.counts[OVERFLOWS] += held > LOT_MAX  # the caller raises (engine.lots.LOT_MAX)
            s.lots[d.slot, i] = held
            if not t.metric_is_core:
                s.review_metric[i] += points
        if has_items:  # re-aim, then ask for the target (served after the loop)
            if t.retarget > 0.0 and uniform(us) < t.retarget:
                s.target[i] = pick(us, t.item_cdf)
            if s.balance[i] >= d.prices[s.target[i]]:  # written always, kept if it asks
                at = bk.counts[REQUESTS]
                buf.requests[at] = i
                buf.wanted[at] = s.target[i]
                bk.counts[REQUESTS] = at + int(uniform(us) < d.redeem_p[tier, s.life[i]])
    return n
