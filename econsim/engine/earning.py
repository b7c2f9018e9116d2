"""Earning: behaviours, campaigns and incentive mechanics for one day, vectorised.

Every function works on whole arrays of users; none loops over users. Points are floored
to whole points per user-day; campaign extra points are the difference between the
floored points with and without the campaign multiplier, booked to the campaign.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.engine import coupons
from econsim.engine.counts import binomial_actors, poisson_actors
from econsim.engine.model import ACTIVE, CHURNED, DORMANT, N_STATES, NEW, Model
from econsim.engine.world import World
from econsim.scenario.earning_rule import points_for


def draw_amounts(rng: np.random.Generator, model: Model, b: int, tiers: NDArray[np.int8]) -> F64:
    """One amount per occurrence, from the tier's distribution with the calibrated mean."""
    out = np.empty(tiers.shape[0])
    for t in range(len(model.tiers)):
        sel = np.nonzero(tiers == t)[0]
        if sel.size == 0:
            continue
        mean, cv = model.amount_mean[t, b], model.amount_cv[t, b]
        code = model.amount_dist[t, b]
        if code == 3 or cv == 0:  # fixed
            out[sel] = mean
        elif code == 0:  # lognormal with the given mean and coefficient of variation
            sigma2 = np.log1p(cv * cv)
            out[sel] = rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), sel.size)
        elif code == 1:  # gamma
            out[sel] = rng.gamma(1.0 / (cv * cv), mean * cv * cv, sel.size)
        else:  # exponential
            out[sel] = rng.exponential(mean, sel.size)
    return out


class DayEarnings:
    """Collects the day's points by user and source, then books and credits them once."""

    def __init__(self, world: World, day: int) -> None:
        self.world, self.day = world, day
        n = world.state.n
        self.points = np.zeros(n, np.int64)
        self.occurrences: dict[int, tuple[I64, I64]] = {}  # behaviour → (rows, occurrences)
        self.acted = np.zeros(n, bool)
        self.inviters = np.zeros(0, np.int64)  # members who brought a friend today

    def add(self, source: int, rows: I64, points: I64) -> None:
        """Book ``points`` (for distinct ``rows``) to ``source``."""
        keep = points > 0
        rows, points = rows[keep], points[keep]
        if rows.size == 0:
            return
        world = self.world
        tiers = world.state.tier[rows]
        world.ledger.issued[self.day, source] += np.bincount(
            tiers, weights=points, minlength=len(world.model.tiers)
        ).astype(np.int64)
        self.points[rows] += points
        if world.recorder is not None:
            world.recorder.booked(rows, self.day, source, points, tiers)


def _split_campaign(raw: F64, t: NDArray[np.int8], rows: I64, b: int, acc: DayEarnings) -> None:
    world = acc.world
    base = np.floor(raw + 1e-9).astype(np.int64)
    acc.add(b, rows, base)
    if (world.camp_mult[:, b] == 1.0).all():  # no campaign on this behaviour today
        return
    camp_mult, camp_source = world.camp_mult[t, b], world.camp_source[t, b]
    total = np.floor(raw * camp_mult + 1e-9).astype(np.int64)
    extra = total - base
    for src in np.unique(camp_source[extra > 0]):
        sel = (camp_source == src) & (extra > 0)
        acc.add(int(src), rows[sel], extra[sel])


def behaviours(world: World, acc: DayEarnings) -> None:
    """Non-core counts and core amounts for every behaviour; caps per day and per period."""
    m, st = world.model, world.state
    n = st.n
    tier = st.tier[:n]
    # rates depend only on tier and lifecycle state: one small table per behaviour, one
    # lookup key per user for the day
    key = tier.astype(np.intp) * N_STATES + st.life[:n]
    factor = np.tile(m.activity, len(m.tiers))
    # under a hard cap, coupons are paid at checkout in the members' order against the
    # budget their purchases fund: every core behaviour is drawn before any is settled
    in_order = bool(m.coupons) and m.scenario.design.budget.hard_cap
    purchases: dict[int, coupons.Purchases] = {}
    for b in range(len(m.behaviours)):
        season = 1.0 if m.season is None else m.season[world.day, b]
        if m.is_core[b]:
            rate = np.repeat(m.core_rate[:, b], N_STATES) * factor * season
            bought = _core_draw(world, b, tier, rate, key)
            if in_order:
                purchases[b] = bought
                continue
            if m.coupons:
                coupons.use(world, b, bought)
            rows, occ, raw = _core_book(world, b, tier, bought)
        else:
            p = np.minimum(np.repeat(m.slot_p[:, b], N_STATES) * factor * season, 1.0)
            rows, occ, raw = _non_core(world, b, tier, p, key)
        _earn(world, acc, b, tier, rows, occ, raw)
    if purchases:
        coupons.use_in_order(world, purchases)
        for b, bought in purchases.items():
            _earn(world, acc, b, tier, *_core_book(world, b, tier, bought))


def _earn(
    world: World, acc: DayEarnings, b: int, tier: NDArray[np.int8], rows: I64, occ: I64,
    raw: F64,
) -> None:  # fmt: skip
    """Book behaviour ``b``'s occurrences of the day and the points they earn."""
    if rows.size == 0:
        return
    m = world.model
    acc.occurrences[b] = (rows, occ)
    if world.recorder is not None and not m.is_core[b]:
        each = np.repeat(rows, occ)
        world.recorder.occurred(each, world.day, b, tier[each])
    world.ledger.occurrences[world.day, b] = int(occ.sum())
    world.ledger.actors[world.day, b] = rows.size
    acc.acted[rows] = True
    t = tier[rows]
    unit = m.unit[b] if m.is_core[b] else 1.0  # a non-core quantity is a count
    raw = points_for(raw, unit, world.rules.points[b], m.tier_mult[t, b])
    _split_campaign(raw, t, rows, b, acc)


def _non_core(
    world: World, b: int, tier: NDArray[np.int8], p: F64, key: NDArray[np.intp]
) -> tuple[I64, I64, F64]:
    m, st, rng = world.model, world.state, world.rng
    cap = int(m.daily_cap[b])
    if cap == 1:
        rows = np.nonzero(rng.random(key.size, dtype=np.float32) < p.astype(np.float32)[key])[0]
        occ = np.ones(rows.size, np.int64)
    else:
        rows, occ = binomial_actors(rng, cap, p, key)
    count = st.count[m.kind_row[b]]
    room = (m.cap[:, b].take(tier[rows]) - count[rows]).astype(np.int64)
    occ = np.minimum(occ, np.maximum(room, 0))
    keep = occ > 0
    rows, occ = rows[keep], occ[keep]
    count[rows] += occ.astype(np.int32)
    return rows, occ, occ.astype(float)


def _first_purchases(world: World, b: int, rows: I64, occ: I64) -> tuple[I64, I64]:
    """BG/NBD: users are acquired by a purchase, so everyone joining today buys today
    (in tiers where the behaviour has an amount to buy with)."""
    st, m = world.state, world.model
    n = st.n
    # a user churned by today's lifecycle step before buying never was a customer
    joining = np.nonzero(
        (st.joined[:n] == world.day)
        & (st.life[:n] != CHURNED)
        & (m.amount_mean[st.tier[:n], b] > 0)
    )[0]
    extra = joining[~np.isin(joining, rows)]
    return np.concatenate([rows, extra]), np.concatenate([occ, np.ones(extra.size, np.int64)])


def _core_draw(
    world: World, b: int, tier: NDArray[np.int8], rate: F64, key: NDArray[np.intp]
) -> coupons.Purchases:
    """Today's purchases of core behaviour ``b``: who buys, how often, for how much."""
    m, st, rng = world.model, world.state, world.rng
    pace = st.buying[0, : st.n] if m.repeat_buying is not None else None
    rows, occ = poisson_actors(rng, rate, key, pace)
    if m.repeat_buying is not None and b == m.first_core:
        rows, occ = _first_purchases(world, b, rows, occ)
    owner = np.repeat(np.arange(rows.size), occ)
    amounts = draw_amounts(rng, m, b, tier[rows][owner]) if rows.size else np.zeros(0)
    return coupons.Purchases(rows, occ, owner, amounts)


def _core_book(
    world: World, b: int, tier: NDArray[np.int8], bought: coupons.Purchases
) -> tuple[I64, I64, F64]:
    """The purchases' amounts (after coupons) realised: caps, the period's core amount, the
    tier metric; returns the rows, their occurrences and the amount that earns points."""
    m, st = world.model, world.state
    rows, occ, owner, amounts = bought
    if rows.size == 0:
        return rows, occ, np.zeros(0)
    if world.recorder is not None:
        world.recorder.occurred(rows[owner], world.day, b, tier[rows][owner], amounts)
    total = np.bincount(owner, weights=amounts, minlength=rows.size)
    t = tier[rows]
    amount = st.amount[m.kind_row[b]]
    room = np.maximum(m.cap[t, b] - amount[rows], 0.0)
    eligible = np.minimum(total, room)
    amount[rows] += eligible
    world.ledger.core_amount[world.day] += np.bincount(t, weights=total, minlength=len(m.tiers))
    world.period_core_amount += float(total.sum())
    if m.tier_metric_is_core:
        st.review_metric[rows] += total
    return rows, occ, eligible


def mechanics(world: World, acc: DayEarnings) -> None:
    """Streak bonus, daily tasks, task bundles, random rewards and campaign bonuses for
    today's actors."""
    mech = world.model.scenario.design.mechanics
    if mech.sign_in_streak is not None:
        _streak(world, acc)
    _daily_tasks(world, acc)
    for i, (name, bundle) in enumerate(mech.task_bundles.items()):
        b = world.model.behaviours.index(bundle.behaviour)
        st = world.state
        if world.model.is_core[b]:  # a core behaviour has no occurrence count to complete
            continue
        done = (st.count[world.model.kind_row[b], : st.n] >= bundle.count) & ~st.bundle_done[
            i, : st.n
        ]
        rows = np.nonzero(done)[0]
        st.bundle_done[i, rows] = True
        acc.add(
            world.model.source(f"bundle:{name}"), rows, np.full(rows.size, bundle.bonus, np.int64)
        )
    for name, rr in mech.random_rewards.items():
        found = acc.occurrences.get(world.model.behaviours.index(rr.after))
        if found is None:
            continue
        rows, occ = found
        wins = world.rng.binomial(occ, rr.probability)
        keep = wins > 0
        rows, wins = rows[keep], wins[keep]
        owner = np.repeat(np.arange(rows.size), wins)
        draws = world.rng.integers(rr.low, rr.high + 1, owner.size)
        if rr.reward == "coupon":  # one coupon: the last draw of the day
            value = np.zeros(rows.size)
            value[owner] = draws
            j = world.model.coupons.index(f"random:{name}")
            coupons.give(world, j, rows, rr.valid_days, value)
            continue
        pts = np.bincount(owner, weights=draws, minlength=rows.size).astype(np.int64)
        acc.add(world.model.source(f"random:{name}"), rows, pts)
    _campaign_bonus(world, acc)


def _daily_tasks(world: World, acc: DayEarnings) -> None:
    """A task list completed today (every behaviour its number of times) pays its bonus."""
    m, n = world.model, world.state.n
    for name, task in m.scenario.design.mechanics.daily_tasks.items():
        done = np.ones(n, bool)
        for behaviour, times in task.behaviours.items():
            count = np.zeros(n, np.int64)
            found = acc.occurrences.get(m.behaviours.index(behaviour))
            if found is not None:
                count[found[0]] = found[1]
            done &= count >= times
        rows = np.flatnonzero(done)
        acc.add(m.source(f"task:{name}"), rows, np.full(rows.size, task.bonus, np.int64))


def _streak(world: World, acc: DayEarnings) -> None:
    cfg = world.model.scenario.design.mechanics.sign_in_streak
    assert cfg is not None
    st = world.state
    found = acc.occurrences.get(world.model.behaviours.index(cfg.behaviour))
    rows = found[0] if found is not None else np.zeros(0, np.int64)
    streak = st.streak[: st.n]
    kept = streak[rows] + 1
    streak[:] = 0  # a day without a sign-in breaks the streak
    streak[rows] = kept
    schedule = np.asarray(cfg.bonus_by_day, np.int64)
    pos = streak[rows] - 1
    if cfg.after_schedule == "restart":
        pos = pos % schedule.size
    else:
        pos = np.minimum(pos, schedule.size - 1)
    acc.add(world.model.source("streak"), rows, schedule[pos])


def _campaign_bonus(world: World, acc: DayEarnings) -> None:
    m, st, day = world.model, world.state, world.day
    for i, (name, c) in enumerate(m.scenario.design.campaigns.items()):
        if c.bonus == 0 or not c.start_day <= day <= c.end_day:
            continue
        bs = [m.behaviours.index(b) for b in c.behaviours] or list(acc.occurrences)
        did = np.zeros(st.n, bool)
        for b in bs:
            if b in acc.occurrences:
                did[acc.occurrences[b][0]] = True
        if c.tiers:
            did &= np.isin(st.tier[: st.n], [m.tiers.index(t) for t in c.tiers])
        rows = np.nonzero(did & ~st.bonus_got[i, : st.n])[0]
        st.bonus_got[i, rows] = True
        acc.add(m.source(f"campaign:{name}"), rows, np.full(rows.size, c.bonus, np.int64))


def referrals(world: World, acc: DayEarnings) -> None:
    """Active users bring friends: a new user joins, inviter and invitee get points."""
    ref = world.model.scenario.design.mechanics.referral
    rate = world.model.scenario.population.referral_rate
    if ref is None or rate == 0:
        return
    st = world.state
    life = st.life[: acc.points.size]
    can = (life == NEW) | (life == ACTIVE)
    p = rate * world.model.activity[life] * can
    inviters = np.nonzero(world.rng.random(life.size) < p)[0]
    if inviters.size == 0:
        return
    acc.inviters = inviters
    src = world.model.source("referral")
    acc.add(src, inviters, np.full(inviters.size, ref.inviter_points, np.int64))
    invitees = world.add_users(inviters.size)
    acc.points = np.concatenate([acc.points, np.zeros(invitees.size, np.int64)])
    acc.acted = np.concatenate([acc.acted, np.zeros(invitees.size, bool)])
    acc.add(src, invitees, np.full(invitees.size, ref.invitee_points, np.int64))


def mark_active(world: World, acc: DayEarnings) -> None:
    """Users who did something today are active; dormant ones wake up."""
    st = world.state
    rows = np.nonzero(acc.acted)[0]
    st.last_active[rows] = world.day
    st.acted[rows] = world.day
    woke = rows[st.life[rows] == DORMANT]
    st.life[woke] = ACTIVE
    nt = len(world.model.tiers)
    world.ledger.active[world.day] = np.bincount(st.tier[rows], minlength=nt)
    joined = st.joined[rows]
    # members who joined in the last 30 days (from day 1: day 0's are no cohort) — a few,
    # so the day-k counts run on them alone
    young = rows[(joined >= max(world.day - world.model.retention_days[-1], 1))]
    age = world.day - st.joined[young]
    for i, k in enumerate(world.model.retention_days):
        world.ledger.retained[world.day, i] = np.bincount(st.tier[young[age == k]], minlength=nt)
    assert not (st.life[rows] == CHURNED).any()
    if world.model.repeat_buying is not None:
        drop_out(world, acc)


def drop_out(world: World, acc: DayEarnings) -> None:
    """BG/NBD: after each repeat purchase a user drops out with their own chance p, so a
    day with k repeat purchases ends it with chance 1 − (1 − p)^k (churned next morning)."""
    st, m = world.state, world.model
    core = [acc.occurrences[b] for b in acc.occurrences if m.is_core[b]]
    if not core:
        return
    rows = np.concatenate([r for r, _ in core])
    occ = np.concatenate([o for _, o in core])
    buyers, where = np.unique(rows, return_inverse=True)
    repeats = np.bincount(where, weights=occ) - (st.joined[buyers] == world.day)  # 1st: no repeat
    keep = repeats > 0
    buyers, repeats = buyers[keep], repeats[keep]
    stay = (1.0 - st.buying[1, buyers].astype(np.float64)) ** repeats
    # they leave overnight: present (and able to redeem) for the rest of today
    world.leaving = buyers[world.rng.random(buyers.size) >= stay]
