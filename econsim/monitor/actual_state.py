"""The members of a live programme as its log leaves them: the snapshot a forecast starts from.

From the rows up to the log's last day (``engine.snapshot.Snapshot``): each member's tier
(after its last row), its points by expiry lot — points earned in a month form that month's
lot, redemptions and expiries take the oldest first, as the engine's lots do, and each lot
expires as the expiry rule in force says — the day it joined, its last behaviour and last
redemption, the lifecycle state those days give (churn is not in a log: a member who left
looks dormant: the forecast draws who has left, ``engine.snapshot.left_quietly``), and the
tier review's metric since the last review. Which catalog item each
saves for, and reviews missed in a row, are not in a log either: the forecast draws the first
(``engine.snapshot.saving_for``) and takes the second as none.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from econsim.arrays import F64, I64
from econsim.engine.model import ACTIVE, DORMANT, NEW, Model
from econsim.engine.snapshot import NOT_A_DAY, Dates, Snapshot, day_dates, expiry_dates
from econsim.monitor.actual_books import tier_at
from econsim.monitor.log import LiveLog
from econsim.monitor.log_rows import BONUS, EARN, EXPIRY, JOIN, REDEEM, is_core_row
from econsim.monitor.tally import group_cumsum


def books_snapshot(log: LiveLog, model: Model) -> Snapshot:
    """The members at the end of the log's last day — who has a row by then — (``model``:
    the design over the log's days, whose rules in force age the lots)."""
    n, last = log.members.size, log.days - 1
    start = log.start
    lot_member, lot_points, lot_expires = _lots(log, model)
    joined = _last_day(log, n, log.kind == JOIN, first=True)
    seen = _last_day(log, n, np.ones(log.kind.size, bool), first=True)
    joined = np.where(joined < 0, seen, joined)
    behaved = _last_day(log, n, log.kind == EARN)
    redeemed = _last_day(log, n, (log.kind == REDEEM) & (log.points > 0))
    active = np.maximum(joined, behaved)
    here = np.flatnonzero(seen >= 0)  # a member of the file whose rows all come later is not
    index = np.full(n, -1, np.int64)
    index[here] = np.arange(here.size)
    return Snapshot(
        as_of=start + dt.timedelta(days=last),
        tiers=model.tiers,
        member=log.members[here].astype(object),
        tier=tier_at(log, np.argsort(log.member, kind="stable"), last)[here],
        qualifying=_qualifying(log, model, n)[here],
        reviews_below=np.zeros(here.size, np.int64),
        state=_lifecycle(model, last, joined, active)[here],
        joined=day_dates(start, joined[here], never=-1),
        last_active=day_dates(start, active[here], never=-1),
        last_behaviour=day_dates(start, behaved[here], never=-1),
        last_redeemed=day_dates(start, redeemed[here], never=-1),
        saving_for=np.full(here.size, -1, np.int64),
        items=model.items,
        lot_member=index[lot_member],
        lot_points=lot_points,
        lot_expires=lot_expires,
        churn_known=False,
    )


def _lifecycle(model: Model, last: int, joined: I64, active: I64) -> I64:
    """The engine's lifecycle at the end of day ``last``: new for ``new_days`` after
    joining (the members of day 0 are established), then dormant once ``dormant_after_days``
    pass without a behaviour, active again with one."""
    lc = model.scenario.population.lifecycle
    new = (joined >= 1) & ((last - joined < lc.new_days) | (not lc.enabled))
    if not lc.enabled:
        return np.where(new, NEW, ACTIVE).astype(np.int64)
    state = np.where(last - active >= lc.dormant_after_days, DORMANT, ACTIVE)
    out: I64 = np.where(new, NEW, state).astype(np.int64)
    return out


def _last_day(log: LiveLog, n: int, rows: np.ndarray, first: bool = False) -> I64:
    """Each member's last (or first) day with one of ``rows``; -1 for none."""
    out = np.full(n, -1, np.int64)
    member, day = log.member[rows], log.day[rows]
    if first:  # rows are in date order: write the latest first, the earliest last
        out[member[::-1]] = day[::-1]
    else:
        out[member] = day
    return out


def _lots(log: LiveLog, model: Model) -> tuple[I64, I64, Dates]:
    """Each member's points left by expiry date: earned by month, spent oldest first."""
    months, last = model.month_key, log.days - 1
    earn = np.isin(log.kind, (EARN, BONUS))
    spent = np.bincount(
        log.member[np.isin(log.kind, (REDEEM, EXPIRY))],
        weights=log.points[np.isin(log.kind, (REDEEM, EXPIRY))],
        minlength=log.members.size,
    )
    width = int(months[last]) + 1
    keys, inv = np.unique(log.member[earn] * width + months[log.day[earn]], return_inverse=True)
    earned = np.bincount(np.ravel(inv), weights=log.points[earn], minlength=keys.size)
    member, month = keys // width, keys % width
    first = np.r_[True, member[1:] != member[:-1]] if member.size else np.zeros(0, bool)
    left = np.clip(group_cumsum(earned.astype(float), first) - spent[member], 0, earned)
    left = left.astype(np.int64)
    expiry = model.schedule(log.days).expiry[last]
    expires = expiry_dates(expiry, month, log.start)
    keep = left > 0
    # one lot per member and expiry date (with no expiry, every month's points are one lot)
    never = np.iinfo(np.int64).max
    day = np.where(np.isnat(expires), never, expires.astype(np.int64))
    pairs, at = np.unique(np.c_[member[keep], day[keep]].reshape(-1, 2), axis=0,
                          return_inverse=True)  # fmt: skip
    points = np.bincount(np.ravel(at), weights=left[keep], minlength=len(pairs))
    when: Dates = pairs[:, 1].astype("datetime64[D]")
    when[pairs[:, 1] == never] = NOT_A_DAY
    return pairs[:, 0].astype(np.int64), points.astype(np.int64), when


def _qualifying(log: LiveLog, model: Model, n: int) -> F64:
    """The tier review's metric since the last review (core amount, or points earned)."""
    last = log.days - 1
    every = model.scenario.design.tier_review.every_days
    reviewed = len(model.tiers) >= 2 and not model.fixed_tiers
    since = ((last + 1) // every) * every - 1 if reviewed else -1  # the last review's day
    after = log.day > since
    if model.tier_metric_is_core:
        rows = after & is_core_row(log.kind, log.source_index, model)
        weights: F64 = np.nan_to_num(log.amount[rows])
    else:
        rows = after & np.isin(log.kind, (EARN, BONUS))
        weights = log.points[rows].astype(float)
    out: F64 = np.bincount(log.member[rows], weights=weights, minlength=n).astype(float)
    return out
