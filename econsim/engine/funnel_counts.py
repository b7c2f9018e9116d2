"""Operating counts of a day (domain §6) that need the day's actors before they are marked
active: new members active on their first day, first and second purchases (repurchase),
and the AARRR funnel of new members.

New members are those who join on day 1 or later (day 0's are the launch population). A
new member reaches, at most once each:

- **activation** on the first day with a behaviour;
- **retention** on the first day with a behaviour at least ``retained_after`` days (the
  scenario's ``operating.retained_after_days``, 30 by default) after joining;
- **revenue** on the first core purchase;
- **referral** on the first day after joining on which they bring a friend.

Nothing here draws a random number, so the counts add to a run without changing any other
of its numbers. Definitions: docs/metrics.md, "Operating metrics".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import I64
from econsim.engine.earning import DayEarnings
from econsim.engine.state import AGAIN, NEVER, REFERRED, RETAINED
from econsim.engine.world import World


def count(world: World, acc: DayEarnings) -> None:
    """Record the day's counts. Runs before ``earning.mark_active`` moves ``State.acted``."""
    st, d, led = world.state, world.day, world.ledger
    rows = np.flatnonzero(acc.acted)
    joined = st.joined[rows]
    new = joined >= 1
    led.active_new[d] = int((joined[new] == d).sum())
    first_buyers = _purchases(world, acc)
    stage = led.funnel[d]
    stage[0] = led.new_users[d] if d >= 1 else 0
    stage[1] = int((st.acted[rows[new]] == NEVER).sum())
    late = rows[new & (d - joined >= world.model.retained_after)]
    stage[2] = _mark(st.milestones, late, RETAINED)
    stage[3] = int((st.joined[first_buyers] >= 1).sum())
    inviters = acc.inviters[(st.joined[acc.inviters] >= 1) & (st.joined[acc.inviters] < d)]
    stage[4] = _mark(st.milestones, inviters, REFERRED)


def _mark(milestones: NDArray[np.uint8], rows: I64, bit: int) -> int:
    """Set ``bit`` on ``rows``; returns how many did not have it yet."""
    fresh = rows[(milestones[rows] & bit) == 0]
    milestones[fresh] |= bit
    return int(fresh.size)


def _purchases(world: World, acc: DayEarnings) -> I64:
    """Count today's first and second purchases by tier; returns the first-time buyers."""
    m, st, d = world.model, world.state, world.day
    core = [acc.occurrences[b] for b in acc.occurrences if m.is_core[b]]
    if not core:
        return np.zeros(0, np.int64)
    buyers, where = np.unique(np.concatenate([r for r, _ in core]), return_inverse=True)
    bought = np.bincount(where, weights=np.concatenate([o for _, o in core])).astype(np.int64)
    before = st.purchases[buyers].astype(np.int64)
    after = np.minimum(before + bought, AGAIN)
    st.purchases[buyers] = after
    nt = len(m.tiers)
    tiers = st.tier[buyers]
    first = before == 0
    world.ledger.buyers[d] = np.bincount(tiers[first], minlength=nt)
    world.ledger.repeat_buyers[d] = np.bincount(
        tiers[(before < AGAIN) & (after >= AGAIN)], minlength=nt
    )
    out: I64 = buyers[first]
    return out
