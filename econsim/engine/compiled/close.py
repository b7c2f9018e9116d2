"""The calendar's member-wide events as single loops (numba): the day's closing counts,
the tier review and the month-end expiry. Same rules as ``engine.simulation``,
``engine.tiers`` and ``engine.lots``, without their temporaries."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from econsim.engine.compiled.journal import Journal, note
from econsim.engine.model import CHURNED, DORMANT
from econsim.engine.recorder import EXPIRY, MOVE
from econsim.results import CONSUMER_WINDOW


@njit(cache=True, error_model="numpy")
def close_counts(s: Any, n: int, day: int, nt: int) -> NDArray[np.int64]:
    """``[10, T]``: outstanding, members, holders, redeemers today, consumers in 30 days,
    reach in 30 days, WAU, MAU, and (in column 0 only) churned and dormant members."""
    out = np.zeros((10, nt), np.int64)
    for i in range(n):
        t = s.tier[i]
        bal = s.balance[i]
        last = s.last_redeem[i]
        life = s.life[i]
        recent = last > day - CONSUMER_WINDOW
        out[0, t] += bal
        if life != CHURNED:
            out[1, t] += 1
        else:
            out[8, 0] += 1
        if life == DORMANT:
            out[9, 0] += 1
        if bal > 0:
            out[2, t] += 1
        if last == day:
            out[3, t] += 1
        if recent:
            out[4, t] += 1
        if bal > 0 or recent:
            out[5, t] += 1
        acted = s.acted[i]
        if acted > day - 7:
            out[6, t] += 1
        if acted > day - 30:
            out[7, t] += 1
    return out


@njit(cache=True, error_model="numpy")
def review(
    s: Any, n: int, thresholds: NDArray[np.float64], downgrade: bool, grace: int,
    moves: NDArray[np.int64], jr: Journal, counts: NDArray[np.int64],
) -> None:  # fmt: skip
    """Members move to the tier their metric qualifies for (down after ``grace`` reviews
    below it); ``moves`` [4, T] gets the balances moved out and in, ups and downs."""
    for i in range(n):
        cur = int(s.tier[i])
        q = int(np.searchsorted(thresholds, s.review_metric[i], side="right")) - 1
        q = max(q, 0)
        new = cur
        if q > cur:
            new = q
            moves[2, new] += 1
        if q < cur:
            s.below[i] += 1
            if downgrade and s.below[i] > grace:
                new = q
                s.below[i] = 0
                moves[3, new] += 1
        else:
            s.below[i] = 0
        if new != cur:
            moves[0, cur] -= s.balance[i]
            moves[1, new] += s.balance[i]
            s.tier[i] = new
            note(jr, counts, i, MOVE, -1, new, s.balance[i], np.nan, np.nan)
        s.review_metric[i] = 0.0


@njit(cache=True, error_model="numpy")
def expire(
    s: Any, n: int, keys: NDArray[np.int64], expired: NDArray[np.int64],
    cohorts: NDArray[np.int64], jr: Journal, counts: NDArray[np.int64],
) -> None:  # fmt: skip
    """The lots of the months ``keys`` are due: their points leave the balances
    (``expired`` by tier; ``cohorts[month, tier]`` by the month of the run they were issued
    in, a month before the run not counted)."""
    size = s.lots.shape[0]
    for i in range(n):
        gone = 0
        for k in keys:
            slot = k % size
            got = s.lots[slot, i]
            gone += got
            s.lots[slot, i] = 0
            if k >= 0:
                cohorts[k, s.tier[i]] += got
        if gone:
            s.balance[i] -= gone
            expired[s.tier[i]] += gone
            note(jr, counts, i, EXPIRY, -1, s.tier[i], gone, np.nan, np.nan)


@njit(cache=True, error_model="numpy")
def aging(s: Any, n: int, buckets: NDArray[np.int64], nt: int) -> NDArray[np.int64]:
    """``[6, T]``: outstanding points by aging bucket, ``buckets[slot]`` the bucket of the
    lot in ``slot`` (-1: a slot that holds no month of the run)."""
    out = np.zeros((6, nt), np.int64)
    for i in range(n):
        t = s.tier[i]
        for slot in range(buckets.size):
            if buckets[slot] >= 0:
                out[buckets[slot], t] += s.lots[slot, i]
    return out
