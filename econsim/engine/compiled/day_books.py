"""Today's books as the compiled loops write them, the buffers they hand back, and the
money rules every loop applies: a hard budget cap's limit and admission, and a redemption
paid from the member's oldest lots.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from econsim.engine.compiled.journal import Journal, note
from econsim.engine.recorder import SPEND
from econsim.engine.state import NEVER

EPS = 1e-9

# Totals of the day the loop keeps (indices into ``Books.money`` and ``Books.counts``).
CORE_AMOUNT, PERIOD_COST = 0, 1
EVER, REQUESTS, LEAVING, INVITERS, PARTICIPANTS, OVERFLOWS = 0, 1, 2, 3, 4, 5
#: How many totals ``Books.counts`` holds: those above and the journal's (``journal.JOURNAL``).
COUNTS = 8
#: The most points a member's monthly lot holds (``engine.lots.LOT_MAX``).
LOT_MAX = 2**31 - 1


class Books(NamedTuple):
    """Today's rows of the ledger (views: the kernels write the ledger in place)."""

    issued: NDArray[np.int64]  # [S, T]
    occurrences: NDArray[np.int64]  # [B]
    actors: NDArray[np.int64]  # [B]
    core_amount: NDArray[np.float64]  # [T]
    active: NDArray[np.int64]  # [T]
    retained: NDArray[np.int64]  # [R, T]
    redeemed: NDArray[np.int64]  # [K, T]
    redemptions: NDArray[np.int64]  # [K]
    cost: NDArray[np.float64]  # [K]
    cost_by_tier: NDArray[np.float64]  # [T]
    coupons_given: NDArray[np.int64]  # [C]
    coupons_used: NDArray[np.int64]  # [C]
    coupon_uplift: NDArray[np.float64]  # [C]
    buyers: NDArray[np.int64]  # [T]
    repeat_buyers: NDArray[np.int64]  # [T]
    funnel: NDArray[np.int64]  # [5]
    participants: NDArray[np.int64]  # [P]
    cohort_redeemed: NDArray[np.int64]  # [M, T] by the month the points were issued in
    day_counts: NDArray[np.int64]  # [3]: denied, stock-outs, active new members
    money: NDArray[np.float64]  # [2]: the period's core amount and cost so far
    counts: NDArray[np.int64]  # [8]: ever redeemed, buffers' fill, lot overflows, journal


DENIED, STOCK_OUTS, ACTIVE_NEW = 0, 1, 2


class Buffers(NamedTuple):
    """Rows the loop hands back (each as long as the members could need)."""

    requests: NDArray[np.int32]  # members who want their target, served in random order
    wanted: NDArray[np.int32]  # … and the item each wants (a stock-out reads no member)
    leaving: NDArray[np.int32]
    inviters: NDArray[np.int32]
    participants: NDArray[np.int32]  # member rows …
    participated: NDArray[np.int32]  # … and the packaged campaign each took part in
    stock_left: NDArray[np.int64]  # [K] -1: unlimited
    requested: NDArray[np.int64]  # [K] today's requests so far (the stock's queue)


@njit(cache=True, inline="always", error_model="numpy")
def cap_limit(fixed: float, ratio: float, core_amount: float) -> float:
    """A hard cap's money so far in the period: ``fixed + ratio × core amount realised``
    (the terms are ``Budget.hard_cap_terms``, as ``World.period_cap``)."""
    return fixed + ratio * core_amount


# ------------------------------------------------------------------ money
#
# A note on shape: numba increfs every array of a named tuple handed to a call it does not
# inline — about a microsecond a call for these tuples. So only the loops over members read
# the tuples; what they call takes scalars and the few arrays it needs.


@njit(cache=True, error_model="numpy")
def admits(
    cost: float, limit: float, money: NDArray[np.float64], day_counts: NDArray[np.int64]
) -> bool:
    """Whether ``cost`` fits a hard cap of ``limit`` now; a refusal is counted as denied
    and holds up nothing after it: a cheaper request after it is still paid."""
    if money[PERIOD_COST] + cost <= limit + EPS:
        return True
    day_counts[DENIED] += 1
    return False


@njit(cache=True, inline="always", error_model="numpy")
def pay(
    jr: Journal, i: int, tier: int, sink: int, cost: float, hard_cap: bool, limit: float,
    cost_by_sink: NDArray[np.float64], cost_by_tier: NDArray[np.float64],
    money: NDArray[np.float64], counts: NDArray[np.int64], day_counts: NDArray[np.int64],
) -> bool:  # fmt: skip
    """Money paid to a member with no points spent — a coupon at checkout, a campaign's
    reward — within a hard cap of ``limit`` (when there is one); returns whether it was."""
    if hard_cap and not admits(cost, limit, money, day_counts):
        return False
    cost_by_sink[sink] += cost
    cost_by_tier[tier] += cost
    money[PERIOD_COST] += cost
    note(jr, counts, i, SPEND, sink, tier, 0, np.nan, cost)
    return True


@njit(cache=True, inline="always", error_model="numpy")
def take_oldest(
    lots: NDArray[np.int32], i: int, month: int, points: int, tier: int,
    cohorts: NDArray[np.int64],
) -> None:  # fmt: skip
    """``points`` leave member ``i``'s lots oldest month first; ``cohorts[month, tier]``
    counts what each month of the run gave (a month before it, a snapshot's: not counted)."""
    size = lots.shape[0]
    left = points
    for k in range(month - size + 1, month + 1):
        slot = k % size
        take = min(int(lots[slot, i]), left)
        lots[slot, i] -= take
        left -= take
        if k >= 0:
            cohorts[k, tier] += take
        if left == 0:
            break


@njit(cache=True, inline="always", error_model="numpy")
def spend(
    jr: Journal, i: int, sink: int, points: int, cost: float, day: int, month: int,
    tier: NDArray[np.int8], lots: NDArray[np.int32], balance: NDArray[np.int64],
    last_redeem: NDArray[np.int32], redeemed: NDArray[np.int64],
    redemptions: NDArray[np.int64], cost_by_sink: NDArray[np.float64],
    cost_by_tier: NDArray[np.float64], money: NDArray[np.float64], counts: NDArray[np.int64],
    cohorts: NDArray[np.int64],
) -> None:  # fmt: skip
    """A redemption: points spent oldest lot first, the money it costs, the consumer."""
    t = tier[i]
    note(jr, counts, i, SPEND, sink, t, points, np.nan, cost)
    redeemed[sink, t] += points
    redemptions[sink] += 1
    cost_by_sink[sink] += cost
    cost_by_tier[t] += cost
    money[PERIOD_COST] += cost
    take_oldest(lots, i, month, points, t, cohorts)
    balance[i] -= points
    if last_redeem[i] == NEVER:
        counts[EVER] += 1
    last_redeem[i] = day
