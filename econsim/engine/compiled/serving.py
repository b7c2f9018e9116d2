"""What the members' loop hands back, served after it in a random order (numba):
redemptions that share a stock or a hard budget cap, point games, coupons claimed with
points, packaged rewards paid within a hard cap, and the invitees' first day."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from econsim.arrays import U64
from econsim.engine.compiled.day_books import (
    CORE_AMOUNT,
    EVER,
    LOT_MAX,
    OVERFLOWS,
    PERIOD_COST,
    REQUESTS,
    STOCK_OUTS,
    Books,
    Buffers,
    admits,
    cap_limit,
    pay,
    spend,
    take_oldest,
)
from econsim.engine.compiled.journal import Journal, note
from econsim.engine.compiled.uniform import pick, uniform
from econsim.engine.model import CHURNED
from econsim.engine.recorder import BOOKING, SPEND
from econsim.engine.state import NEVER


@njit(cache=True, error_model="numpy")
def serve_requests(t: Any, d: Any, s: Any, bk: Books, buf: Buffers, jr: Journal, us: U64) -> None:
    """Today's requests, each served if in stock and within a hard cap, then re-aimed.

    They are served in a random order. Under a hard cap that order matters
    across items, so the requests are shuffled whole. Without one, only each item's stock
    couples its requesters, and a random order serves a uniformly random subset of them,
    as many as the stock left: the requests are grouped by item and that subset drawn."""
    m = bk.counts[REQUESTS]
    rows, items = buf.requests, buf.wanted
    if t.hard_cap:
        for k in range(m - 1, 0, -1):  # Fisher–Yates
            j = int(uniform(us) * (k + 1))
            rows[k], rows[j] = rows[j], rows[k]
            items[k], items[j] = items[j], items[k]
    else:
        m = choose(rows, items, m, buf.stock_left, bk.day_counts, us)
        # who is served is settled: serve them in member order, which walks the lots of
        # the state forward instead of missing the cache on every one
        order = np.argsort(rows[:m])
        rows[:m], items[:m] = rows[:m][order], items[:m][order]
    for k in range(m):
        i, item = rows[k], int(items[k])
        if t.hard_cap and buf.stock_left[item] >= 0:
            rank = buf.requested[item]
            buf.requested[item] += 1
            if rank >= buf.stock_left[item]:
                bk.day_counts[STOCK_OUTS] += 1
                continue
        used = (not t.item_closed[item]) or uniform(us) < t.item_use_rate[item]
        cost = t.item_cost[item] if used else 0.0
        limit = cap_limit(d.cap_fixed, d.cap_ratio, bk.money[CORE_AMOUNT])
        if t.hard_cap and not admits(cost, limit, bk.money, bk.day_counts):
            continue
        # the redemption (``spend``, written out: a call would incref every array)
        tier, points = s.tier[i], int(d.prices[item])
        bk.redeemed[item, tier] += points
        bk.redemptions[item] += 1
        bk.cost[item] += cost
        bk.cost_by_tier[tier] += cost
        bk.money[PERIOD_COST] += cost
        take_oldest(s.lots, i, d.month, points, tier, bk.cohort_redeemed)
        s.balance[i] -= points
        if s.last_redeem[i] == NEVER:
            bk.counts[EVER] += 1
        s.last_redeem[i] = d.day
        note(jr, bk.counts, i, SPEND, item, tier, points, np.nan, cost)
        s.target[i] = pick(us, t.item_cdf)
    bk.counts[REQUESTS] = 0


@njit(cache=True, error_model="numpy")
def choose(
    rows: NDArray[np.int32], items: NDArray[np.int32], m: int, stock: NDArray[np.int64],
    day_counts: NDArray[np.int64], us: U64,
) -> int:  # fmt: skip
    """Group the first ``m`` requests by item (an in-place counting sort), keep a uniformly
    random subset of each item's as large as its stock left (partial Fisher–Yates), count
    the rest as stock-outs; the kept requests end up first, their number returned."""
    nk = stock.size
    starts = np.zeros(nk + 1, np.int64)
    for k in range(m):
        starts[items[k] + 1] += 1
    for c in range(nk):
        starts[c + 1] += starts[c]
    nxt = starts[:-1].copy()
    for c in range(nk):
        while nxt[c] < starts[c + 1]:
            x = items[nxt[c]]
            if x == c:
                nxt[c] += 1
                continue
            at = nxt[x]
            rows[nxt[c]], rows[at] = rows[at], rows[nxt[c]]
            items[nxt[c]], items[at] = items[at], items[nxt[c]]
            nxt[x] += 1
    kept = 0
    for c in range(nk):
        lo, wanting = starts[c], starts[c + 1] - starts[c]
        take = wanting if stock[c] < 0 else min(wanting, stock[c])
        day_counts[STOCK_OUTS] += wanting - take
        for k in range(take):
            if take < wanting:
                j = lo + k + int(uniform(us) * (wanting - k))
                rows[lo + k], rows[j] = rows[j], rows[lo + k]
            rows[kept], items[kept] = rows[lo + k], c  # kept ≤ lo + k: a forward copy
            kept += 1
    return kept


@njit(cache=True, error_model="numpy")
def play_games(
    t: Any, d: Any, s: Any, bk: Books, buf: Buffers, jr: Journal, n: int, us: U64
) -> None:
    """Point games, game by game: members who can pay play with the game's chance; under a
    hard cap the plays are paid in a random order."""
    nk = t.item_cost.size
    for g in range(t.game_points.size):
        price = t.game_points[g]
        m = 0
        for i in range(n):
            life = s.life[i]
            if life == CHURNED or s.balance[i] < price:
                continue
            if uniform(us) < t.game_play[g] * t.activity[life]:
                buf.requests[m] = i
                m += 1
        if t.hard_cap:
            for k in range(m - 1, 0, -1):
                j = int(uniform(us) * (k + 1))
                buf.requests[k], buf.requests[j] = buf.requests[j], buf.requests[k]
        for k in range(m):
            cost = t.game_prize[g] if uniform(us) < t.game_win[g] else 0.0
            limit = cap_limit(d.cap_fixed, d.cap_ratio, bk.money[CORE_AMOUNT])
            if t.hard_cap and not admits(cost, limit, bk.money, bk.day_counts):
                continue
            spend(
                jr, buf.requests[k], nk + g, int(price), cost, d.day, d.month, s.tier, s.lots,
                s.balance, s.last_redeem, bk.redeemed, bk.redemptions, bk.cost, bk.cost_by_tier,
                bk.money, bk.counts, bk.cohort_redeemed,
            )  # fmt: skip


@njit(cache=True, error_model="numpy")
def claim_coupons(t: Any, d: Any, s: Any, bk: Books, jr: Journal, n: int, us: U64) -> None:
    """Members who can pay a coupon's points price and hold none claim one."""
    for j in range(t.coupon_behaviour.size):
        price = t.coupon_price[j]
        if price < 0 or t.coupon_claim[j] == 0.0:
            continue
        for i in range(n):
            life = s.life[i]
            if life == CHURNED or s.balance[i] < price or s.coupon_until[j, i] >= d.day:
                continue
            if uniform(us) < t.coupon_claim[j] * t.activity[life]:
                spend(
                    jr, i, t.coupon_sink[j], int(price), 0.0, d.day, d.month, s.tier, s.lots,
                    s.balance, s.last_redeem, bk.redeemed, bk.redemptions, bk.cost,
                    bk.cost_by_tier, bk.money, bk.counts, bk.cohort_redeemed,
                )  # fmt: skip
                s.coupon_until[j, i] = d.day + t.coupon_valid[j] - 1
                bk.coupons_given[j] += 1


@njit(cache=True, error_model="numpy")
def pay_rewards(
    t: Any, d: Any, s: Any, bk: Books, jr: Journal, rows: NDArray[np.int64],
    cost: NDArray[np.float64], sink: int, paid: NDArray[np.bool_],
) -> None:  # fmt: skip
    """Money paid to ``rows`` in turn with no points spent (a packaged campaign's rewards),
    each within a hard cap; ``paid`` marks who was."""
    for k in range(rows.size):
        i = rows[k]
        limit = cap_limit(d.cap_fixed, d.cap_ratio, bk.money[CORE_AMOUNT])
        paid[k] = pay(
            jr, i, s.tier[i], sink, cost[k], t.hard_cap, limit, bk.cost, bk.cost_by_tier,
            bk.money, bk.counts, bk.day_counts,
        )  # fmt: skip


@njit(cache=True, error_model="numpy")
def newcomers_day(  # the invitees join after the loop that brought them
    t: Any, d: Any, s: Any, bk: Books, buf: Buffers, jr: Journal, lo: int, hi: int,
    points: int, us: U64,
) -> None:  # fmt: skip
    """Invitees ``lo … hi-1``, who joined after the loop: their points, then redemption."""
    for i in range(lo, hi):
        if points > 0:
            bk.issued[t.referral_source, s.tier[i]] += points
            note(jr, bk.counts, i, BOOKING, t.referral_source, s.tier[i], points, np.nan, np.nan)
            s.balance[i] += points
            held = s.lots[d.slot, i] + points
            bk.counts[OVERFLOWS] += held > LOT_MAX
            s.lots[d.slot, i] = held
            if not t.metric_is_core:
                s.review_metric[i] += points
        if t.item_cdf.size:
            if t.retarget > 0.0 and uniform(us) < t.retarget:
                s.target[i] = pick(us, t.item_cdf)
            affords = s.balance[i] >= d.prices[s.target[i]]
            if affords and uniform(us) < d.redeem_p[s.tier[i], s.life[i]]:
                buf.requests[bk.counts[REQUESTS]] = i
                buf.wanted[bk.counts[REQUESTS]] = s.target[i]
                bk.counts[REQUESTS] += 1
