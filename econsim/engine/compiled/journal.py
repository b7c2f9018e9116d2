"""The event journal: one row per point movement, written by the kernels of a recorded run.

A recorded run (``econsim record``, ``simulate_events``) hands every kernel a ``Journal``
with room for rows; an unrecorded run hands it empty arrays and the kernels write nothing
(one size test per row). The replication drains the journal into its recorder
(``engine.recorder``) after each kernel call, so a kernel needs room only for its own rows:
the members' loop stops between members when fewer than ``MARGIN`` rows are left and is
called again from there (``members_day`` returns where it stopped).

Row kinds are the live log's (``engine.recorder``): an occurrence of a behaviour (with its
amount, for a purchase), points booked to a source, points or money spent on a sink, a tier
move (the balance moved), points expired.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.engine.recorder import BOOKING, EXPIRY, MOVE, OCCURRENCE, SPEND, Recorder
from econsim.errors import SimulationError

#: Rows left in the journal below which the members' loop stops before the next member. A
#: member's day writes far fewer (an occurrence per purchase or slot, a booking per source);
#: a day that writes more is refused, never lost (``JOURNAL_LOST``).
MARGIN = 4096
# where the journal's fill and its refused rows are counted (``Books.counts``)
JOURNAL, JOURNAL_LOST = 6, 7


class Journal(NamedTuple):
    """Rows of the day so far (``Books.counts[JOURNAL]`` of them)."""

    user: NDArray[np.int32]
    kind: NDArray[np.int8]
    code: I64  # the behaviour, source or sink (-1: none)
    tier: NDArray[np.int8]
    points: I64
    amount: F64  # NaN: no amount
    cost: F64  # NaN: no cost


def journal(rows: int) -> Journal:
    """A journal with room for ``rows`` (0: a run that records nothing)."""
    return Journal(
        user=np.empty(rows, np.int32),
        kind=np.empty(rows, np.int8),
        code=np.empty(rows, np.int64),
        tier=np.empty(rows, np.int8),
        points=np.empty(rows, np.int64),
        amount=np.empty(rows, np.float64),
        cost=np.empty(rows, np.float64),
    )


@njit(cache=True, inline="always")
def note(
    jr: Journal, counts: I64, i: int, kind: int, code: int, tier: int, points: int,
    amount: float, cost: float,
) -> None:  # fmt: skip
    """Write one row, when the run is recorded."""
    if jr.user.size == 0:
        return
    at = counts[JOURNAL]
    if at >= jr.user.size:
        counts[JOURNAL_LOST] += 1
        return
    jr.user[at] = i
    jr.kind[at] = kind
    jr.code[at] = code
    jr.tier[at] = tier
    jr.points[at] = points
    jr.amount[at] = amount
    jr.cost[at] = cost
    counts[JOURNAL] = at + 1


@njit(cache=True, inline="always")
def full(jr: Journal, counts: I64) -> bool:
    """Whether the members' loop must stop before the next member (the caller drains)."""
    return jr.user.size > 0 and counts[JOURNAL] > jr.user.size - MARGIN


def drain(jr: Journal, counts: I64, day: int, recorder: Recorder, items: int) -> None:
    """Hand the journal's rows to ``recorder`` (kind by kind, each in the order written)
    and empty it; ``items``: how many sinks are catalog items (their spends are
    redemptions of the fit's log too)."""
    if counts[JOURNAL_LOST]:
        raise SimulationError(
            f"day {day}: a member's day wrote more than {MARGIN:,} rows of the event log; "
            "record a scenario whose members act less often in a day"
        )
    rows = int(counts[JOURNAL])
    counts[JOURNAL] = 0
    if rows == 0:
        return
    kind, code = jr.kind[:rows], jr.code[:rows]
    for k in (OCCURRENCE, BOOKING, SPEND, MOVE, EXPIRY):
        at = np.flatnonzero(kind == k)
        if at.size == 0:
            continue
        users, tiers, points = jr.user[at].astype(np.int64), jr.tier[at], jr.points[at]
        if k == SPEND:
            sinks = code[at]
            recorder.spent(users, day, sinks, points, jr.cost[at], tiers)
            catalog = sinks < items
            recorder.redeemed(users[catalog], day, sinks[catalog])
        elif k == MOVE:
            recorder.moved(users, day, tiers, points)
        elif k == EXPIRY:
            recorder.expired(users, day, points, tiers)
        else:
            for c in np.unique(code[at]):
                one = code[at] == c
                if k == OCCURRENCE:
                    recorder.occurred(users[one], day, int(c), tiers[one], jr.amount[at][one])
                else:
                    recorder.booked(users[one], day, int(c), points[one], tiers[one])
