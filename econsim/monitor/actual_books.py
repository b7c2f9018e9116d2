"""The actual books of a live programme: its log turned into the ledger a run keeps.

Every array of :class:`~econsim.results.Results` is rebuilt from the rows — flows by
grouping, member counts from each member's state between the days it changes — so the
verdicts, finance tables and reports of a run apply to reality unchanged. What a log
cannot show is named: churn (a member who left looks like one who is quiet; ``churned`` is
0 and ``users`` counts every member), budget denials and stock-outs (0), and coupons
given, campaign participants and coupons' basket uplift (0: a log records the money a
coupon or a campaign pays, as a redemption row without points, not who held or took part).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.engine.lots import AGING_DAYS, AGING_LABELS, last_day_of_month
from econsim.engine.model import Model
from econsim.engine.run import result_labels
from econsim.monitor.actual_cohorts import cohort_books
from econsim.monitor.actual_growth import cohorts, growth
from econsim.monitor.log import LiveLog
from econsim.monitor.log_rows import BONUS, EARN, EXPIRY, REDEEM, is_core_row
from econsim.monitor.overdrafts import running_balance, signed_points
from econsim.monitor.tally import forward, forward_value, group_cumsum, pick, run_starts, tally
from econsim.results import AXES, CONSUMER_WINDOW, Results
from econsim.scenario.design import NEVER

#: window, as the engine counts it).
#: A member counts in WAU and MAU for this many days after a day with a behaviour.
ACTIVE_WINDOWS = (7, 30)


class _Rows:
    """The log's rows in member order, with each row's previous tier and balance."""

    def __init__(self, log: LiveLog) -> None:
        delta = signed_points(log.kind, log.points)
        balance, order = running_balance(log.member, delta)
        self.order = order
        m = log.member[order]
        first = np.r_[True, m[1:] != m[:-1]] if m.size else np.zeros(0, bool)
        tier = log.tier[order]
        prev_tier = np.where(first, tier, np.r_[0, tier[:-1]] if m.size else tier)
        bal = balance[order]
        prev_bal = np.where(first, 0, np.r_[0, bal[:-1]] if m.size else bal)
        # back to log order
        self.prev_tier = np.empty_like(tier)
        self.prev_tier[order] = prev_tier
        self.prev_balance = np.empty_like(bal)
        self.prev_balance[order] = prev_bal
        self.balance = balance


def actual_results(log: LiveLog, model: Model, seed: int = 0) -> Results:
    """The ledger of ``log`` as one replication of ``Results`` over ``model``'s scenario
    (compiled for the log's days)."""
    days, nt = log.days, len(model.tiers)
    ns, nk, nb = len(model.sources), len(model.sinks), len(model.behaviours)
    rows = _Rows(log)
    day, tier, pts = log.day, log.tier, log.points
    earn = np.isin(log.kind, (EARN, BONUS))
    redeem = log.kind == REDEEM
    expiry = log.kind == EXPIRY
    a: dict[str, NDArray[Any]] = {}

    def by_day_tier(mask: NDArray[np.bool_], weights: NDArray[Any] | None = None) -> F64:
        w = None if weights is None else weights[mask]
        return tally(day[mask] * nt + tier[mask], days * nt, w).reshape(days, nt)

    cell = (day[earn] * ns + log.source_index[earn]) * nt + tier[earn]
    a["issued"] = tally(cell, days * ns * nt, pts[earn]).reshape(days, ns, nt)
    sink = log.source_index
    cell = (day[redeem] * nk + sink[redeem]) * nt + tier[redeem]
    a["redeemed"] = tally(cell, days * nk * nt, pts[redeem]).reshape(days, nk, nt)
    spend = redeem & (pts > 0)  # a row of money without points (a coupon used, a campaign's
    # reward) is a cost, not a redemption: its member does not become a consumer by it
    a["redemptions"] = tally(day[spend] * nk + sink[spend], days * nk).reshape(days, nk)
    a.update(_paid_without_points(log, model, redeem & (pts == 0)))
    cost = _costs(log, model)
    a["cost"] = tally(day[redeem] * nk + sink[redeem], days * nk, cost[redeem]).reshape(days, nk)
    a["cost_by_tier"] = by_day_tier(redeem, cost)
    a["expired"] = by_day_tier(expiry, pts)
    moved = tier != rows.prev_tier
    out = tally(day[moved] * nt + rows.prev_tier[moved], days * nt, rows.prev_balance[moved])
    into = by_day_tier(moved, rows.prev_balance)
    a["transferred"] = into - out.reshape(days, nt)
    a["tier_up"] = by_day_tier(moved & (tier > rows.prev_tier))
    a["tier_down"] = by_day_tier(moved & (tier < rows.prev_tier))
    flow = a["issued"].sum(axis=1) - a["redeemed"].sum(axis=1) - a["expired"] + a["transferred"]
    a["outstanding"] = flow.cumsum(axis=0)
    core = is_core_row(log.kind, log.source_index, model)
    a["core_amount"] = by_day_tier(core, np.nan_to_num(log.amount))
    behaviour = log.kind == EARN
    bcell = day[behaviour] * nb + log.source_index[behaviour]
    a["occurrences"] = tally(bcell, days * nb).reshape(days, nb)
    a["actors"] = _distinct(log.member[behaviour], bcell, days * nb).reshape(days, nb)
    a.update(_members(log, model, rows))
    a["prices"] = _prices(log, model)
    a.update(_budget(log, model, a["core_amount"].sum(axis=1), a["cost"].sum(axis=1)))
    a["denied"] = np.zeros(days)
    a["stock_outs"] = np.zeros(days)
    a["churned"] = np.zeros(days)
    a["coupons_given"] = np.zeros((days, len(model.coupons)))
    a["coupon_uplift"] = np.zeros((days, len(model.coupons)))
    a["participants"] = np.zeros((days, len(model.packaged)))
    a["runoff"] = np.zeros((days, 3))  # a run from a snapshot's (engine.runoff)
    a["opening"] = np.zeros((days, len(model.tiers)))  # a log's books open empty
    a["aging"] = _aging(log, model, a["outstanding"].shape)
    a.update(cohort_books(log, model))
    arrays = {name: _typed(name, a[name])[None] for name in AXES}
    return Results(scenario=model.scenario, seed=seed, labels=result_labels(model), arrays=arrays)


def _typed(name: str, x: NDArray[Any]) -> NDArray[Any]:
    money = name in ("cost", "cost_by_tier", "budget", "period_cost", "core_amount")
    return np.asarray(x, float) if money else np.rint(x).astype(np.int64)


def _distinct(member: I64, cell: I64, size: int) -> F64:
    """Distinct members in each cell."""
    if member.size == 0:
        return np.zeros(size)
    width = int(member.max()) + 1
    keys = np.sort(cell * width + member)  # a sort and a diff: faster than np.unique's hash
    return tally(keys[run_starts(keys)] // width, size)


def _paid_without_points(log: LiveLog, model: Model, paid: NDArray[np.bool_]) -> dict[str, F64]:
    """Coupons used and campaign rewards paid, from the rows that pay money without points.
    Coupons given, participants and the basket uplift are not in a log: they stay 0."""
    days, nk = log.days, len(model.sinks)
    per_sink = tally(log.day[paid] * nk + log.source_index[paid], days * nk).reshape(days, nk)
    coupons = [model.sinks.index(c) for c in model.coupons]
    packaged = [model.sinks.index(f"packaged:{c}") for c in model.packaged]
    return {"coupons_used": per_sink[:, coupons], "rewarded": per_sink[:, packaged]}


def _expected_paid(model: Model) -> F64:
    """What a coupon use or a campaign reward costs by the design: a threshold coupon's
    discount, a random coupon's mean value, a packaging's mean reward per row paid."""
    mech = model.scenario.design.mechanics
    out = []
    for name in model.coupons:
        kind, _, key = name.partition(":")
        if kind == "coupon":
            out.append(mech.threshold_coupons[key].discount)
        else:
            rr = mech.random_rewards[key]
            out.append((rr.low + rr.high) / 2)
    for name in model.packaged:
        c = mech.packaged_campaigns[name]
        rewards = c.rewards()
        if c.packaging == "group":
            k = c.group.size
            out.append((rewards["leader"] + (k - 1) * rewards["member"]) / k)
        else:
            out.append(next(iter(rewards.values())))
    return np.array(out, dtype=float)


def _costs(log: LiveLog, model: Model) -> F64:
    """Each redemption's money: the log's ``cost``, else what the design expects it to cost
    (an item's cost × its use rate; a game's prize cost × its chance to win; a coupon's or
    a campaign reward's :func:`_expected_paid`)."""
    expected = np.concatenate(
        [
            model.item_cost * model.item_use_rate,
            model.game_prize_cost * model.game_win_p,
            _expected_paid(model),
        ]
    )
    if expected.size == 0:
        return np.where(np.isnan(log.cost), 0.0, log.cost)
    sink = np.clip(log.source_index, 0, expected.size - 1)  # other rows: ignored by callers
    return np.where(np.isnan(log.cost), expected[sink], log.cost)


def _members(log: LiveLog, model: Model, rows: _Rows) -> dict[str, NDArray[Any]]:
    """Member counts by day and tier, from each member's state between the days it changes:
    tier, holds points, redeemed in the last 30 days, dormant."""
    days, nt = log.days, len(model.tiers)
    # each member's end of day: the state after its last row that day. rows.order sorts
    # by member, stably, and the rows are in time order: member, day, the order of the day
    order = rows.order
    m, d, k = log.member[order], log.day[order], log.kind[order]
    fresh = np.r_[True, (m[1:] != m[:-1]) | (d[1:] != d[:-1])] if m.size else np.zeros(0, bool)
    starts = np.nonzero(fresh)[0]
    end = order[np.r_[starts[1:] - 1, m.size - 1]] if m.size else order
    em, ed, et = log.member[end], log.day[end], log.tier[end]
    eb = rows.balance[end]
    spent = (k == REDEEM) & (log.points[order] > 0)  # money without points: no consumer
    redeemed = np.logical_or.reduceat(spent, starts) if m.size else fresh
    active = np.logical_or.reduceat(k == EARN, starts) if m.size else fresh
    first_day = np.full(log.members.size, days, np.int64)
    first_day[em[run_starts(em)]] = ed[run_starts(em)]
    out: dict[str, NDArray[Any]] = {}
    out["new_users"] = tally(first_day[first_day < days], days)
    rm, rd = em[redeemed], ed[redeemed]
    out["ever_redeemed"] = np.cumsum(tally(rd[run_starts(rm)], days))
    out["redeemers"] = tally(rd * nt + et[redeemed], days * nt).reshape(days, nt)
    # active by the tier the member earned in (before that day's tier review): the first
    # earn row of each member's day
    group = np.cumsum(fresh) - 1
    earned = np.nonzero(k == EARN)[0]
    acted = order[earned[run_starts(group[earned])]]
    out["active"] = tally(log.day[acted] * nt + log.tier[acted], days * nt).reshape(days, nt)
    out.update(cohorts(log, model, acted, first_day))
    out.update(growth(log, model, acted, first_day))
    out.update(_states(log, model, _EndsOfDay(em, ed, et, eb, redeemed, active), first_day))
    return out


@dataclass(frozen=True)
class _EndsOfDay:
    """Each member's end of a day with rows: member, day, tier, balance, and whether the
    member redeemed (points) or earned that day."""

    member: I64
    day: I64
    tier: I64
    balance: I64
    redeemed: NDArray[np.bool_]
    active: NDArray[np.bool_]


def _states(
    log: LiveLog, model: Model, ends_of_day: _EndsOfDay, first_day: I64
) -> dict[str, NDArray[Any]]:
    """Member counts by day and tier from each member's state — tier, holds points, redeemed
    in the last 30 days, dormant, active in the last 7 / 30 days — which holds from one of
    its breakpoints to the next."""
    days, nt = log.days, len(model.tiers)
    life = model.scenario.population.lifecycle
    quiet = life.dormant_after_days if life.enabled else None
    e = ends_of_day
    em, ed, et, eb, redeemed, active = e.member, e.day, e.tier, e.balance, e.redeemed, e.active
    out: dict[str, NDArray[Any]] = {}
    # breakpoints: every end of day, the day a redemption stops being recent, the day a
    # member turns dormant; the state holds until the member's next breakpoint
    ends = [(em, ed, 0)]
    ends.append((em[redeemed], ed[redeemed] + CONSUMER_WINDOW, 1))
    if quiet is not None:
        wake = active | (ed == first_day[em])
        settled = first_day[em[wake]] + life.new_days  # newcomers are never dormant
        ends.append((em[wake], np.maximum(ed[wake] + quiet, settled), 2))
    ends += [(em[active], ed[active] + w, 3 + i) for i, w in enumerate(ACTIVE_WINDOWS)]
    bm = np.concatenate([e[0] for e in ends])
    bd = np.concatenate([e[1] for e in ends])
    src = np.concatenate([np.full(e[0].size, e[2]) for e in ends])
    idx = np.concatenate([np.arange(em.size), np.full(bm.size - em.size, -1)])
    keep = bd < days
    bm, bd, src, idx = bm[keep], bd[keep], src[keep], idx[keep]
    o = np.argsort((bm * days + bd) * 5 + src, kind="stable")
    bm, bd, src, idx = bm[o], bd[o], src[o], idx[o]
    state = forward(idx)  # the member's last end of day at or before each breakpoint
    tier = et[state]
    holds = eb[state] > 0
    last_redeem = forward_value(np.where((src == 0) & (idx >= 0), pick(redeemed, idx, ed), -1),
                                 bm)  # fmt: skip
    recent = (last_redeem >= 0) & (bd - last_redeem < CONSUMER_WINDOW)
    if quiet is not None:
        last_active = forward_value(
            np.where((src == 0) & (idx >= 0), pick(active | (ed == first_day[em]), idx, ed), -1),
            bm,
        )
        # the engine: idle for dormant_after_days, once past the newcomer days
        dormant = (bd - last_active >= quiet) & (bd >= first_day[bm] + life.new_days)
    else:
        dormant = np.zeros(bd.size, bool)
    last_acted = forward_value(np.where((src == 0) & (idx >= 0), pick(active, idx, ed), -1),
                                bm)  # fmt: skip
    since = np.where(last_acted >= 0, bd - last_acted, days)
    acted = (since < ACTIVE_WINDOWS[1]).astype(np.int64) + (since < ACTIVE_WINDOWS[0])
    nxt = np.r_[bd[1:], days]
    nxt = np.where(np.r_[bm[1:] != bm[:-1], True], days, nxt)
    key = (((tier * 2 + holds) * 2 + recent) * 2 + dormant) * 3 + acted
    width = nt * 24
    size = (days + 1) * width
    diff = tally(bd * width + key, size) - tally(nxt * width + key, size)
    counts = np.cumsum(diff.reshape(days + 1, width), axis=0)[:days]
    counts = counts.reshape(days, nt, 2, 2, 2, 3)
    out["wau"] = counts[..., 2].sum(axis=(2, 3, 4))
    out["mau"] = counts[..., 1:].sum(axis=(2, 3, 4, 5))
    counts = counts.sum(axis=5)
    out["users"] = counts.sum(axis=(2, 3, 4))
    out["holders"] = counts[:, :, 1].sum(axis=(2, 3))
    out["consumers_30d"] = counts[:, :, :, 1].sum(axis=(2, 3))
    out["reach_30d"] = out["users"] - counts[:, :, 0, 0].sum(axis=2)
    out["dormant"] = counts[..., 1].sum(axis=(1, 2, 3))
    return out


def _prices(log: LiveLog, model: Model) -> F64:
    """Each item's price each day: the points its redemptions took that day (their mean);
    on a day without one, the last seen since the design's schedule (its rule changes)
    last moved, else the schedule's."""
    days, ni = log.days, len(model.items)
    sel = (log.kind == REDEEM) & (log.source_index >= 0) & (log.source_index < ni)
    cell = log.day[sel] * ni + log.source_index[sel]
    count = tally(cell, days * ni).reshape(days, ni)
    total = tally(cell, days * ni, log.points[sel]).reshape(days, ni)
    seen = count > 0
    schedule = model.schedule(days).prices.astype(float)
    price = np.where(seen, total / np.maximum(count, 1), schedule)
    for d in range(1, days):  # carry the last seen forward (days, not rows: cheap)
        moved = schedule[d] != schedule[d - 1]
        price[d] = np.where(seen[d] | moved, price[d], price[d - 1])
    return np.rint(price)


def _budget(log: LiveLog, model: Model, core: F64, cost: F64) -> dict[str, F64]:
    """The period's budget (fixed, or its ratio of the core amount so far) and cost so far."""
    design = model.scenario.design
    period = np.arange(log.days) // design.period_days
    starts = np.r_[True, period[1:] != period[:-1]]

    def so_far(x: F64) -> F64:
        total = np.cumsum(x)
        base = np.maximum.accumulate(np.where(starts, np.arange(x.size), 0))
        return total - np.where(base > 0, total[base - 1], 0.0)

    amount = so_far(core)
    return {
        "budget": np.array([design.budget.amount_for(float(x)) for x in amount]),
        "period_cost": so_far(cost),
    }


def _aging(log: LiveLog, model: Model, shape: tuple[int, ...]) -> I64:
    """``[day, bucket, tier]`` at month ends and the last day: each member's points by the
    month they were earned, spent oldest first (as the engine's lots)."""
    days, nt = shape
    out = np.zeros((days, len(AGING_LABELS), nt), np.int64)
    months = model.month_key
    in_force = model.schedule(days).expiry  # the engine's lots age under the rule of the day
    start = log.start
    earn = np.isin(log.kind, (EARN, BONUS))
    spend = np.isin(log.kind, (REDEEM, EXPIRY))
    em, ek, ep = log.member[earn], months[log.day[earn]], log.points[earn]
    # (member, month) lots, ordered by member then month
    width = int(months.max()) + 1 if months.size else 1
    keys, inv = np.unique(em * width + ek, return_inverse=True)
    earned = np.bincount(np.ravel(inv), weights=ep, minlength=keys.size)
    lot_member, lot_month = keys // width, keys % width
    first = np.r_[True, lot_member[1:] != lot_member[:-1]] if lot_member.size else lot_member
    when = np.nonzero(model.month_end[:days])[0].tolist()
    if days - 1 not in when:
        when.append(days - 1)
    by_member = np.argsort(log.member, kind="stable")
    for d in when:
        month = int(months[d])
        taken = np.bincount(
            log.member[spend & (log.day <= d)], weights=log.points[spend & (log.day <= d)],
            minlength=log.members.size,
        )  # fmt: skip
        live = lot_month <= month
        e = np.where(live, earned, 0.0)
        cum = group_cumsum(e, first)
        left = np.clip(cum - taken[lot_member], 0, e)
        tier_now = tier_at(log, by_member, d)
        today = start + dt.timedelta(days=d)
        expiry = in_force[d]
        bucket = np.array([_bucket(expiry.expires_by(int(k), start.month), start, today)
                           for k in range(month + 1)])  # fmt: skip
        cell = bucket[np.clip(lot_month, 0, month)] * nt + tier_now[lot_member]
        out[d] = np.rint(tally(cell[live], len(AGING_LABELS) * nt, left[live])).reshape(-1, nt)
    return out


def _bucket(due: int, start: dt.date, today: dt.date) -> int:
    if due >= NEVER:
        return len(AGING_LABELS) - 1
    return int(np.searchsorted(AGING_DAYS, (last_day_of_month(start, due) - today).days))


def tier_at(log: LiveLog, by_member: I64, day: int) -> I64:
    """Each member's tier at the end of ``day``: that of its last row so far (``by_member``:
    the rows sorted by member, stably; the rows are in date order)."""
    tier = np.zeros(log.members.size, np.int64)
    upto = by_member[by_member < np.searchsorted(log.day, day, side="right")]
    m = log.member[upto]
    last = np.r_[m[1:] != m[:-1], True] if m.size else np.zeros(0, bool)
    tier[m[last]] = log.tier[upto[last]]
    return tier
