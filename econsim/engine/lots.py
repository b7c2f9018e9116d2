"""Expiry lots: points held by the month they were earned, spent oldest first.

Lots live in a ring of ``L`` monthly slots per user (slot = month key mod L). ``L`` is
large enough that a lot expires before its slot is reused; with no expiry L is 1 and every
point sits in one lot.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from econsim.engine.state import State
from econsim.errors import SimulationError
from econsim.scenario.design import NEVER
from econsim.scenario.schema import Expiry

#: The most points a member's monthly lot holds (32 bits: four bytes a member a month).
LOT_MAX = 2**31 - 1


def lot_overflow(day: int) -> SimulationError:
    """The error of a member earning more in one month than a lot holds (issue 38)."""
    return SimulationError(
        f"on day {day} a member earned more than {LOT_MAX:,} points in one month, more than "
        "the engine's monthly expiry lots hold: lower the design's point values, bonuses, "
        "multipliers or caps (design.behaviours.*.points, tier_multipliers, period_cap, "
        "design.campaigns, design.mechanics) to what a programme can award"
    )


def credit(
    state: State, rows: NDArray[np.int64], points: NDArray[np.int64], key: int, day: int
) -> None:
    """Add earned points to the users' balance and to this month's lot (``day``: for the
    error of a lot that would overflow)."""
    slot = key % state.lots.shape[0]
    if rows.size and int(points.max()) + int(state.lots[slot, rows].max()) > LOT_MAX:
        held = state.lots[slot].astype(np.int64)
        np.add.at(held, rows, points)
        if held.max() > LOT_MAX:
            raise lot_overflow(day)
    np.add.at(state.balance, rows, points)
    np.add.at(state.lots[slot], rows, points.astype(np.int32))


def spend(state: State, rows: NDArray[np.int64], points: NDArray[np.int64], key: int) -> None:
    """Spend points, oldest lot first. Rows are distinct and can afford ``points``."""
    lots = state.lots
    size = lots.shape[0]
    remaining = points.astype(np.int64).copy()
    todo = np.arange(rows.size)
    for k in range(key - size + 1, key + 1):
        slot = k % size
        who = rows[todo]
        have = lots[slot, who]
        take = np.minimum(have, remaining[todo])
        lots[slot, who] = have - take
        remaining[todo] -= take
        todo = todo[remaining[todo] > 0]  # stop spending for users who are covered
        if todo.size == 0:
            break
    state.balance[rows] -= points


def expire(
    state: State, month: int, expiry: Expiry, start_month: int, n_tiers: int
) -> NDArray[np.int64]:
    """At the end of month ``month``: remove every lot due; return points expired per tier."""
    size = state.lots.shape[0]
    expired = np.zeros(n_tiers, np.int64)
    n = state.n
    for k in range(month - size + 1, month + 1):
        if expiry.expires_by(k, start_month) > month:
            continue
        slot = k % size
        lot = state.lots[slot, :n]
        hit = np.nonzero(lot)[0]
        if hit.size == 0:
            continue
        amounts = lot[hit].astype(np.int64)
        expired += np.bincount(state.tier[hit], weights=amounts, minlength=n_tiers).astype(np.int64)
        state.balance[hit] -= amounts
        lot[hit] = 0
    return expired


#: The aging buckets: points that expire within 30, 90, 180, 365 days, later, or never.
AGING_DAYS = (30, 90, 180, 365)
AGING_LABELS = ("30 days", "90 days", "180 days", "365 days", "later", "never")


def last_day_of_month(start: dt.date, key: int) -> dt.date:
    """The last day of month ``key`` (0 = the month of ``start``)."""
    index = start.year * 12 + start.month - 1 + key + 1  # the first of the month after
    first = dt.date(index // 12, index % 12 + 1, 1)
    return first - dt.timedelta(days=1)


def aging(
    state: State, expiry: Expiry, month: int, start: dt.date, day: int, n_tiers: int
) -> NDArray[np.int64]:
    """``[bucket, tier]``: outstanding points by how soon they expire, seen from ``day``."""
    n = state.n
    out = np.zeros((len(AGING_LABELS), n_tiers), np.int64)
    for slot, bucket in enumerate(aging_buckets(state.lots.shape[0], expiry, month, start, day)):
        lot = state.lots[slot, :n]
        if bucket < 0 or not lot.any():
            continue
        out[bucket] += np.bincount(state.tier[:n], weights=lot, minlength=n_tiers).astype(np.int64)
    return out


def aging_buckets(
    size: int, expiry: Expiry, month: int, start: dt.date, day: int
) -> NDArray[np.int64]:
    """``[slot]``: the aging bucket of each lot slot seen from ``day`` (-1: no month)."""
    out = np.full(size, -1, np.int64)
    today = start + dt.timedelta(days=day)
    for k in range(max(month - size + 1, 0), month + 1):
        due = expiry.expires_by(k, start.month)
        if due >= NEVER:
            bucket = len(AGING_LABELS) - 1
        elif due - month > 13:  # past a year whatever the day (no date centuries ahead)
            bucket = len(AGING_DAYS)
        else:
            days = (last_day_of_month(start, due) - today).days
            bucket = int(np.searchsorted(AGING_DAYS, days))  # ≤30 → 0, …, > 365 → 4
        out[k % size] = bucket
    return out
