"""Coupons: money off a core purchase, a cost only when used (domain §7).

- **Threshold coupons** ("spend 199, get 20 off"): a member holds at most one of a kind,
  claimed with points, handed out on a campaign day, valid for some days. A purchase at or
  above the threshold uses it; one that falls short by at most ``reach`` is topped up to the
  threshold with ``top_up_probability`` — the uplift, extra amount that earns points as any
  amount does — and uses it.
- **Random coupons** (a random reward won after an order): a discount on the member's next
  core purchase, used with the reward's use rate (unused, it lapses).

Uses draw from the spending stream, so a design with coupons sees the same behaviour draws
as one without. A discount is booked to the coupon's sink; under a hard budget cap a use
the budget cannot pay is refused (counted as denied) and the basket is not topped up.
Under a hard cap the discounts are paid at checkout in the members' order (each member's
purchases, behaviour by behaviour), each from the budget that the purchases before it
realised (:func:`use_in_order`); without one the order changes nothing (:func:`use`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.engine.model import CHURNED
from econsim.engine.redemption import EPS, book_cost, book_spend, pay
from econsim.engine.state import NEVER
from econsim.engine.world import World
from econsim.scenario.mechanics import ThresholdCoupon


class Purchases(NamedTuple):
    """One core behaviour's purchases of the day: the buyers ``rows`` (distinct), how often
    each bought (``occ``), each purchase's buyer (``owner``, an index into ``rows``) and
    amount (``amounts``, topped up in place by threshold coupons)."""

    rows: I64
    occ: I64
    owner: I64
    amounts: F64


def use(world: World, b: int, bought: Purchases) -> None:
    """The coupons of today's purchases of core behaviour ``b`` (no hard cap: paid whatever
    the order)."""
    if bought.rows.size == 0:
        return
    bought.amounts[:] = use_threshold(world, b, bought.rows[bought.owner], bought.amounts)
    use_random(world, bought.rows)


def _first_per_member(members: I64, candidates: NDArray[np.bool_]) -> I64:
    """Index of each member's first candidate occurrence."""
    at = np.flatnonzero(candidates)
    _, first = np.unique(members[at], return_index=True)
    return at[first]


def use_threshold(world: World, b: int, members: I64, amounts: F64) -> F64:
    """Apply the threshold coupons of core behaviour ``b`` to today's purchases (one amount
    per occurrence, ``members`` its buyer); returns the amounts after top-ups."""
    m, st, day = world.model, world.state, world.day
    rng = world.spend_rng
    for j, (name, c) in enumerate(m.scenario.design.mechanics.threshold_coupons.items()):
        if m.behaviours.index(c.behaviour) != b:
            continue
        held = st.coupon_until[j, members] >= day
        reached = held & (amounts >= c.threshold)
        near = held & ~reached & (amounts >= c.threshold - c.reach)
        topped = near & (rng.random(amounts.size) < c.top_up_probability)
        use = _first_per_member(members, reached | topped)
        paid = book_cost(
            world, members[use], m.sink(f"coupon:{name}"), np.full(use.size, c.discount)
        )
        use = use[np.isin(members[use], paid)]
        uplift = c.threshold - amounts[use]
        up = uplift > 0
        amounts = amounts.copy()
        amounts[use[up]] = c.threshold
        st.coupon_until[j, members[use]] = NEVER
        world.ledger.coupons_used[day, j] += use.size
        world.ledger.coupon_uplift[day, j] += float(uplift[up].sum())
    return amounts


def use_random(world: World, buyers: I64) -> None:
    """Random coupons held by today's buyers (their core purchases): used with the use rate,
    or lapsed."""
    m, st, day = world.model, world.state, world.day
    first = len(m.scenario.design.mechanics.threshold_coupons)
    for j in range(first, len(m.coupons)):
        name = m.coupons[j].removeprefix("random:")
        rr = m.scenario.design.mechanics.random_rewards[name]
        holders = buyers[st.coupon_until[j, buyers] >= day]
        used = holders[world.spend_rng.random(holders.size) < rr.use_rate]
        value = st.coupon_value[j, used].astype(np.float64)
        paid = book_cost(world, used, m.sink(m.coupons[j]), value)
        world.ledger.coupons_used[day, j] += paid.size
        st.coupon_until[j, holders] = NEVER


def give(world: World, j: int, rows: I64, valid_days: int, value: F64 | None = None) -> None:
    """Members ``rows`` receive coupon ``j`` (replacing one they hold)."""
    st = world.state
    st.coupon_until[j, rows] = world.day + valid_days - 1
    if value is not None:
        st.coupon_value[j, rows] = value
    world.ledger.coupons_given[world.day, j] += rows.size


def hand_out(world: World) -> None:
    """Campaign days: every member who holds no valid coupon of the kind receives one."""
    st, day = world.state, world.day
    for j, c in enumerate(world.model.scenario.design.mechanics.threshold_coupons.values()):
        if day not in c.handed_out:
            continue
        n = st.n
        rows = np.flatnonzero((st.life[:n] != CHURNED) & (st.coupon_until[j, :n] < day))
        give(world, j, rows, c.valid_days)


def claim(world: World) -> None:
    """Members who can pay a coupon's points price and hold none claim one with the daily
    claim probability: points spent, a coupon held (its cost comes when used)."""
    m, st, day, rng = world.model, world.state, world.day, world.spend_rng
    for j, (name, c) in enumerate(m.scenario.design.mechanics.threshold_coupons.items()):
        if c.points_price is None or c.claim_probability == 0:
            continue
        n = st.n
        life = st.life[:n]
        can = (
            (life != CHURNED) & (st.balance[:n] >= c.points_price) & (st.coupon_until[j, :n] < day)
        )
        idx = np.flatnonzero(can)
        go = idx[rng.random(idx.size) < c.claim_probability * m.activity[life[idx]]]
        if go.size == 0:
            continue
        sink = np.full(go.size, m.sink(f"coupon:{name}"), np.int64)
        pts = np.full(go.size, c.points_price, np.int64)
        book_spend(world, go, sink, pts, np.zeros(go.size))
        give(world, j, go, c.valid_days)


def _holding(
    world: World, purchases: dict[int, Purchases], on: list[int], first: int
) -> set[tuple[int, int]]:
    """The (member, behaviour) pairs of today's purchases with a coupon they could use: a
    threshold coupon of that behaviour or a random coupon, valid today. Only these draw."""
    until = world.state.coupon_until
    out: set[tuple[int, int]] = set()
    for b, p in purchases.items():
        kinds = [j for j, k in enumerate(on) if k == b] + list(range(first, until.shape[0]))
        if kinds and p.rows.size:
            usable = (until[np.ix_(np.array(kinds), p.rows)] >= world.day).any(axis=0)
            out.update((int(r), b) for r in p.rows[usable])
    return out


def use_in_order(world: World, purchases: dict[int, Purchases]) -> None:
    """Every coupon of today's purchases under a hard cap, member by member in row order
    (and behaviour by behaviour, purchase by purchase), each discount paid if it fits the
    budget that the purchases before it realised — a member's own earlier behaviours'
    included, the purchase it is used on not. The members' loop of the compiled path pays
    them in this order; the rule is the one of :func:`use_threshold` and :func:`use_random`.
    """
    m, st, day, rng = world.model, world.state, world.day, world.spend_rng
    mech = m.scenario.design.mechanics
    kinds = list(mech.threshold_coupons.values())
    on = [m.behaviours.index(c.behaviour) for c in kinds]
    first = len(kinds)
    use_rate = [mech.random_rewards[c.removeprefix("random:")].use_rate for c in m.coupons[first:]]
    sinks = [m.sink(f"coupon:{n}") for n in mech.threshold_coupons] + [
        m.sink(c) for c in m.coupons[first:]
    ]
    # the (member, behaviour) pairs in the members' order, with the amount realised before each
    pairs = [(int(r), b, i) for b, p in purchases.items() for i, r in enumerate(p.rows)]
    pairs.sort()
    starts = {b: np.cumsum(p.occ) - p.occ for b, p in purchases.items()}
    spent = {b: np.bincount(p.owner, p.amounts, p.rows.size).tolist() for b, p in purchases.items()}
    holding = _holding(world, purchases, on, first)
    fixed, ratio = world.hard_cap_terms()
    realised, paid = world.period_core_amount, world.period_cost
    booked: list[tuple[int, int, float]] = []  # (coupon, member, discount)
    denied = 0
    for member, b, i in pairs:
        if (member, b) not in holding:  # no coupon to use: nothing drawn, only its sales
            realised += spent[b][i]
            continue
        lo = int(starts[b][i])
        hi = lo + int(purchases[b].occ[i])
        limit = fixed + ratio * realised
        grown = 0.0  # what threshold coupons topped the member's purchases up by
        if any(k == b and st.coupon_until[j, member] >= day for j, k in enumerate(on)):
            grown, paid, denied = _thresholds(
                world, kinds, on, b, member, purchases[b].amounts, range(lo, hi), limit,
                paid, denied, booked,
            )  # fmt: skip
        for k, rate in enumerate(use_rate):
            j = first + k
            if st.coupon_until[j, member] < day:
                continue
            if rng.random() < rate:
                value = float(st.coupon_value[j, member])
                if paid + value <= limit + EPS:
                    paid += value
                    booked.append((j, member, value))
                    world.ledger.coupons_used[day, j] += 1
                else:
                    denied += 1
            st.coupon_until[j, member] = NEVER
        realised += spent[b][i] + grown
    world.ledger.denied[day] += denied
    for j in sorted({j for j, _, _ in booked}):
        rows = np.array([r for k, r, _ in booked if k == j], np.int64)
        pay(world, rows, sinks[j], np.array([x for k, _, x in booked if k == j]))


def _thresholds(
    world: World, kinds: list[ThresholdCoupon], on: list[int], b: int, member: int,
    amounts: F64, purchases: range, limit: float, paid: float, denied: int,
    booked: list[tuple[int, int, float]],
) -> tuple[float, float, int]:  # fmt: skip
    """A member's threshold coupons of behaviour ``b`` at today's purchases, under a hard cap
    of ``limit``: the top-ups, the cost paid so far and the denials after them."""
    st, day, rng = world.state, world.day, world.spend_rng
    tried: set[int] = set()
    grown = 0.0
    for o in purchases:
        a = was = float(amounts[o])
        for j, c in enumerate(kinds):
            if on[j] != b or j in tried or st.coupon_until[j, member] < day:
                continue
            if a < c.threshold and not (
                a >= c.threshold - c.reach and rng.random() < c.top_up_probability
            ):
                continue
            tried.add(j)
            if paid + c.discount > limit + EPS:
                denied += 1
                continue
            paid += c.discount
            booked.append((j, member, c.discount))
            st.coupon_until[j, member] = NEVER
            world.ledger.coupons_used[day, j] += 1
            if c.threshold > a:
                world.ledger.coupon_uplift[day, j] += c.threshold - a
                a = c.threshold
        if a != was:
            amounts[o] = a
            grown += a - was
    return grown, paid, denied
