"""Redemption propensity by maximum likelihood, with the item saved for as a hidden state.

The engine's users save for one catalog item at a time (drawn by preference), switch with
a daily chance ρ, redeem it with daily chance p once their balance reaches its price, then
draw a new one. A log shows balances (rebuilt from the design's point values) and which
item was redeemed when, not the item saved for — so each user's days form a hidden Markov
chain over items, and p is the value that makes the observed redemptions most likely
(forward algorithm, one tier at a time). Only days on which the user is known to be alive
count: from the first event to the last (a user who drops out after a purchase leaves
overnight, so can still redeem that day).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from econsim.arrays import F64, I64

BLOCK = 20_000
#: User-days per tier beyond which a fixed random sample of users is used (memory).
MAX_CELLS = 40_000_000


@dataclass(frozen=True)
class Days:
    """Per user and day: the balance when redemption is decided, the item redeemed (-1:
    none), and whether the day counts. Arrays are [users, days]."""

    balance: F64
    redeemed: I64
    counts: NDArray[np.bool_]


def user_days(u: I64, d: I64, before: F64, end: F64, item: I64, users: int, days: int) -> Days:
    """Dense user-day arrays from per-(user, event day) rows sorted by user and day."""
    last_end = np.full((users, days), np.nan)
    last_end[u, d] = end
    # quiet days carry the balance left at the end of the last event day
    filled = last_end.copy()
    for t in range(1, days):
        gap = np.isnan(filled[:, t])
        filled[gap, t] = filled[gap, t - 1]
    balance = np.zeros((users, days))
    balance[:, 1:] = np.nan_to_num(filled[:, :-1])
    balance[u, d] = before
    redeemed = np.full((users, days), -1, np.int64)
    redeemed[u, d] = item
    first = np.full(users, days)
    np.minimum.at(first, u, d)
    last = np.full(users, -1)
    np.maximum.at(last, u, d)
    stop = last + 1  # a user is present through their last event day, then unknown
    day = np.arange(days)[None, :]
    counts = (day >= first[:, None]) & (day < stop[:, None])
    return Days(balance, redeemed, counts)


def log_likelihood(p: float, days: Days, prices: F64, pref: F64, retarget: float) -> float:
    """log P(observed redemptions | p) summed over the users in ``days``."""
    total = 0.0
    n = days.balance.shape[0]
    for lo in range(0, n, BLOCK):
        b = days.balance[lo : lo + BLOCK]
        r = days.redeemed[lo : lo + BLOCK]
        c = days.counts[lo : lo + BLOCK]
        alpha = np.broadcast_to(pref, (b.shape[0], pref.size)).copy()
        for t in range(b.shape[1]):
            on = c[:, t]
            if not on.any():
                continue
            able = b[on, t, None] >= prices[None, :]
            got = r[on, t]
            emit = np.where(able, 1.0 - p, 1.0)
            hit = got >= 0
            if hit.any():
                e_hit = np.zeros((int(hit.sum()), prices.size))
                rows = np.nonzero(hit)[0]
                e_hit[np.arange(rows.size), got[hit]] = p * able[hit, got[hit]]
                emit[hit] = e_hit
            a = alpha[on] * emit
            scale = a.sum(axis=1)
            total += float(np.log(np.maximum(scale, 1e-300)).sum())
            a /= np.maximum(scale, 1e-300)[:, None]
            a = (1.0 - retarget) * a + retarget * pref[None, :]
            a[hit] = pref  # a new item to save for after a redemption
            alpha[on] = a
    return total


def fit_propensity(days: Days, prices: F64, pref: F64, retarget: float) -> tuple[float, float]:
    """Maximum-likelihood p and its standard error (observed information)."""
    if not (days.redeemed >= 0).any():
        return float("nan"), float("nan")

    def negative(p: float) -> float:
        return -log_likelihood(p, days, prices, pref, retarget)

    best = optimize.minimize_scalar(negative, bounds=(1e-6, 1 - 1e-6), method="bounded",
                                    options={"xatol": 1e-6})  # fmt: skip
    p = float(best.x)
    h = max(1e-4, p * 1e-3)
    lo, hi = max(p - h, 1e-7), min(p + h, 1 - 1e-7)
    second = (negative(hi) - 2 * negative(p) + negative(lo)) / ((hi - p) * (p - lo))
    se = 1.0 / math.sqrt(second) if second > 0 else float("nan")
    return p, se
