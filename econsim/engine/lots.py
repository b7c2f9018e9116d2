"""Expiry lots: points held by the month they were earned, spent oldest first.

Lots live in a ring of ``L`` monthly slots per user (slot = month key mod L). ``L`` is
large enough that a lot expires before its slot is reused; with no expiry L is 1 and every
point sits in one lot. The kernels credit, spend and expire the lots
(``compiled.day``, ``compiled.day_books.spend``, ``compiled.close``); here are their
limits and the aging buckets.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

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


#: The aging buckets: points that expire within 30, 90, 180, 365 days, later, or never.
AGING_DAYS = (30, 90, 180, 365)
AGING_LABELS = ("30 days", "90 days", "180 days", "365 days", "later", "never")


def last_day_of_month(start: dt.date, key: int) -> dt.date:
    """The last day of month ``key`` (0 = the month of ``start``)."""
    index = start.year * 12 + start.month - 1 + key + 1  # the first of the month after
    first = dt.date(index // 12, index % 12 + 1, 1)
    return first - dt.timedelta(days=1)


def aging_buckets(
    size: int, expiry: Expiry, month: int, start: dt.date, day: int
) -> NDArray[np.int64]:
    """``[slot]``: the aging bucket of each lot slot seen from ``day`` — the latest
    ``size`` months, those before the run's first included (a run from a snapshot holds
    points earned then)."""
    out = np.full(size, -1, np.int64)
    today = start + dt.timedelta(days=day)
    for k in range(month - size + 1, month + 1):
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
