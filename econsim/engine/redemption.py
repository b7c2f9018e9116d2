"""Redemption: users spend points on the item they save for, and play point games.

A user aims at one catalog item (drawn by preference weights) and saves for it; once the
balance covers its price, the user redeems it with the tier's daily propensity. Stock per
period and the hard budget cap are shared: when more users want an item than there is
stock, or more cost than budget is left, a random subset is served and the rest counted.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import I64
from econsim.engine import lots
from econsim.engine.model import CHURNED
from econsim.engine.state import NEVER
from econsim.engine.world import World


def _rank_within(groups: I64) -> I64:
    """0, 1, 2, … within each group value, in the given order."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.searchsorted(sorted_groups, sorted_groups, side="left")
    rank = np.empty_like(groups)
    rank[order] = np.arange(groups.size) - starts
    return rank


#: Money a hard cap lets through beyond its budget: rounding in the running sums only.
EPS = 1e-9


def fits_in_turn(cost: NDArray[np.float64], left: float) -> NDArray[np.bool_]:
    """Which of ``cost`` (in the order given) are paid from ``left``: each in turn if what is
    left covers it. One that does not is refused and the next is still tried, so a cheap
    request after a refused dear one is paid, as a live programme's budget check pays it."""
    ok = np.zeros(cost.size, bool)
    todo = np.arange(cost.size)
    while todo.size:
        running = np.cumsum(cost[todo])
        fit = running <= left + EPS
        k = todo.size if fit.all() else int(np.argmin(fit))
        ok[todo[:k]] = True
        if k == todo.size:
            break
        left -= float(running[k - 1]) if k else 0.0
        # what is left only shrinks: a request dearer than it now can never be paid today
        rest = todo[k + 1 :]
        todo = rest[cost[rest] <= left + EPS]
    return ok


def admitted(world: World, cost: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Which of the (randomly ordered) requests a hard cap pays: :func:`fits_in_turn` from
    the period's budget left (all of them without a hard cap)."""
    if not world.model.scenario.design.budget.hard_cap:
        return np.ones(cost.size, bool)
    return fits_in_turn(cost, world.period_cap() - world.period_cost)


def retarget(world: World) -> None:
    """Some users change the item they save for (re-drawn by preference weights)."""
    m, st, rng = world.model, world.state, world.spend_rng
    p = m.scenario.population.retarget_probability
    if not m.items or p == 0 or st.n == 0:
        return
    # duplicates in the draw re-aim a user twice, which changes nothing in distribution
    rows = rng.integers(0, st.n, rng.binomial(st.n, p))
    st.target[rows] = rng.choice(len(m.items), size=rows.size, p=m.item_pref)


def redeem_catalog(world: World) -> None:
    """Affordable targets redeemed with the tier's propensity, within stock and budget."""
    m, st, rng, day = world.model, world.state, world.spend_rng, world.day
    if not m.items:
        return
    n = st.n
    life = st.life[:n]
    target = st.target[:n].astype(np.int64)
    price = world.rules.prices[target]
    idx = np.nonzero((life != CHURNED) & (st.balance[:n] >= price))[0]
    p = m.propensity[st.tier[idx]] * m.activity[life[idx]]
    if m.season_redeem is not None:  # a festival that draws redemptions too
        p = np.minimum(p * m.season_redeem[day], 1.0)
    go = idx[rng.random(idx.size) < p]
    go = go[rng.permutation(go.size)]
    items = target[go]
    in_stock = np.ones(go.size, bool)
    limited = world.stock_left >= 0
    if limited.any():
        in_stock = ~limited[items] | (_rank_within(items) < world.stock_left[items])
    world.ledger.stock_outs[day] += int((~in_stock).sum())
    go, items = go[in_stock], items[in_stock]
    used = ~m.item_closed[items] | (rng.random(go.size) < m.item_use_rate[items])
    cost = np.where(used, m.item_cost[items], 0.0)
    ok = admitted(world, cost)
    world.ledger.denied[day] += int((~ok).sum())
    go, items, cost = go[ok], items[ok], cost[ok]
    if go.size == 0:
        return
    pts = world.rules.prices[items]
    book_spend(world, go, items, pts, cost)
    if world.recorder is not None:
        world.recorder.redeemed(go, day, items)
    counts = np.bincount(items, minlength=len(m.items))
    world.stock_left = np.where(limited, world.stock_left - counts, -1)
    st.target[go] = rng.choice(len(m.items), size=go.size, p=m.item_pref)


def book_spend(world: World, rows: I64, sinks: I64, pts: I64, cost: NDArray[np.float64]) -> None:
    """Points spent by ``rows`` on ``sinks`` (and the money it costs): a redemption."""
    m, st, day, led = world.model, world.state, world.day, world.ledger
    nt, nk = len(m.tiers), len(m.sinks)
    tiers = st.tier[rows].astype(np.int64)
    key = sinks * nt + tiers
    led.redeemed[day] += (
        np.bincount(key, weights=pts, minlength=nk * nt).astype(np.int64).reshape(nk, nt)
    )
    led.redemptions[day] += np.bincount(sinks, minlength=nk)
    led.cost[day] += np.bincount(sinks, weights=cost, minlength=nk)
    led.cost_by_tier[day] += np.bincount(tiers, weights=cost, minlength=nt)
    world.period_cost += float(cost.sum())
    lots.spend(st, rows, pts, int(m.month_key[day]))
    world.ever_redeemed += int((st.last_redeem[rows] == NEVER).sum())
    st.last_redeem[rows] = day
    if world.recorder is not None:
        world.recorder.spent(rows, day, sinks, pts, cost, st.tier[rows])


def book_cost(world: World, rows: I64, sink: int, cost: NDArray[np.float64]) -> I64:
    """Money paid to ``rows`` with no points spent (a coupon's discount, a campaign's reward),
    within a hard budget cap; returns the rows paid. Paying is no redemption: the members do
    not become consumers by it."""
    ok = admitted(world, cost)
    world.ledger.denied[world.day] += int((~ok).sum())
    pay(world, rows[ok], sink, cost[ok])
    return rows[ok]


def pay(world: World, rows: I64, sink: int, cost: NDArray[np.float64]) -> None:
    """Book money already admitted by the budget, paid to ``rows`` and booked to ``sink``."""
    if rows.size == 0:
        return
    day, led = world.day, world.ledger
    tiers = world.state.tier[rows]
    led.cost[day, sink] += float(cost.sum())
    led.cost_by_tier[day] += np.bincount(tiers, weights=cost, minlength=len(world.model.tiers))
    world.period_cost += float(cost.sum())
    if world.recorder is not None:
        sinks = np.full(rows.size, sink, np.int64)
        world.recorder.spent(rows, day, sinks, np.zeros(rows.size, np.int64), cost, tiers)


def play_games(world: World) -> None:
    """Point games: holders who can afford a play do so with the population's probability."""
    m, st, rng = world.model, world.state, world.spend_rng
    n = st.n
    for g in range(len(m.games)):
        life = st.life[:n]
        price = int(m.game_cost_points[g])
        idx = np.nonzero((life != CHURNED) & (st.balance[:n] >= price))[0]
        play = idx[rng.random(idx.size) < m.game_play_p[g] * m.activity[life[idx]]]
        play = play[rng.permutation(play.size)]
        win = rng.random(play.size) < m.game_win_p[g]
        cost = np.where(win, m.game_prize_cost[g], 0.0)
        ok = admitted(world, cost)
        world.ledger.denied[world.day] += int((~ok).sum())
        play, cost = play[ok], cost[ok]
        if play.size == 0:
            continue
        sink = np.full(play.size, len(m.items) + g, np.int64)
        book_spend(world, play, sink, np.full(play.size, price, np.int64), cost)
