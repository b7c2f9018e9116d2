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
#: User-days per tier beyond which a fixed random sample of users is used (memory: the
#: user-day arrays and the forward pass's plan take about 30 bytes a user-day).
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


@dataclass(frozen=True)
class _Day:
    """What the forward pass reads on one day of a block, whatever p is: the users present,
    the items each can afford, and who redeemed which."""

    on: NDArray[np.int32]  # rows of the block present that day
    able: NDArray[np.bool_]  # [on, items]: the balance reaches the price
    hit: NDArray[np.int32]  # positions in ``on`` that redeemed …
    got: NDArray[np.int32]  # … and the item each redeemed


def _plan(days: Days, prices: F64) -> list[tuple[int, int, list[_Day]]]:
    """Each block of users (``BLOCK`` at a time) and its days, computed once per fit: only
    the emission weights and the filtered state depend on p."""
    blocks = []
    n = days.balance.shape[0]
    for lo in range(0, n, BLOCK):
        b = days.balance[lo : lo + BLOCK]
        r = days.redeemed[lo : lo + BLOCK]
        c = days.counts[lo : lo + BLOCK]
        steps = []
        for t in range(b.shape[1]):
            on = np.flatnonzero(c[:, t]).astype(np.int32)  # int32: a block is 20,000 rows
            if on.size == 0:
                continue
            got = r[on, t]
            hit = np.flatnonzero(got >= 0).astype(np.int32)
            steps.append(
                _Day(on, b[on, t, None] >= prices[None, :], hit, got[hit].astype(np.int32))
            )
        blocks.append((lo, b.shape[0], steps))
    return blocks


def log_likelihood(
    p: float, days: Days, prices: F64, pref: F64, retarget: float,
    plan: list[tuple[int, int, list[_Day]]] | None = None,
) -> float:  # fmt: skip
    """log P(observed redemptions | p) summed over the users in ``days`` (the forward
    algorithm, scaled day by day); ``plan``: :func:`_plan` of ``days``, made once."""
    total = 0.0
    for _, size, steps in plan if plan is not None else _plan(days, prices):
        alpha = np.broadcast_to(pref, (size, pref.size)).copy()
        for step in steps:
            emit = np.where(step.able, 1.0 - p, 1.0)
            if step.hit.size:
                e_hit = np.zeros((step.hit.size, prices.size))
                e_hit[np.arange(step.hit.size), step.got] = p * step.able[step.hit, step.got]
                emit[step.hit] = e_hit
            a = alpha[step.on] * emit
            scale = a.sum(axis=1)
            total += float(np.log(np.maximum(scale, 1e-300)).sum())
            a /= np.maximum(scale, 1e-300)[:, None]
            a = (1.0 - retarget) * a + retarget * pref[None, :]
            a[step.hit] = pref  # a new item to save for after a redemption
            alpha[step.on] = a
    return total


def fit_propensity(days: Days, prices: F64, pref: F64, retarget: float) -> tuple[float, float]:
    """Maximum-likelihood p and its standard error (observed information)."""
    if not (days.redeemed >= 0).any():
        return float("nan"), float("nan")

    plan = _plan(days, prices)

    def negative(p: float) -> float:
        return -log_likelihood(p, days, prices, pref, retarget, plan)

    best = optimize.minimize_scalar(negative, bounds=(1e-6, 1 - 1e-6), method="bounded",
                                    options={"xatol": 1e-6})  # fmt: skip
    p = float(best.x)
    h = max(1e-4, p * 1e-3)
    lo, hi = max(p - h, 1e-7), min(p + h, 1 - 1e-7)
    second = (negative(hi) - 2 * negative(p) + negative(lo)) / ((hi - p) * (p - lo))
    se = 1.0 / math.sqrt(second) if second > 0 else float("nan")
    return p, se
