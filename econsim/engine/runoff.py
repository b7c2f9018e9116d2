"""The run-off of the points members hold on a snapshot's day: how much of that balance is
redeemed, how much expires, and how much is still outstanding, day by day after it.

Spending takes the oldest points first (the engine's lots), and every point held on the
snapshot's day is older than any earned after it: a member's redemptions and expiries use
up its snapshot balance before anything newer. ``Runoff`` is a recorder
(``engine.recorder.Recorder``) that follows each member's snapshot balance through the rows
the kernels write, in the order they write them; the simulation books its totals in the
ledger's ``runoff`` every day (``engine.snapshot.continue_from`` attaches it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from econsim.arrays import F64, I8, I64

#: The ledger's ``runoff`` columns (``Results.labels["runoff"]``).
RUNOFF = ("redeemed", "expired", "outstanding")


@dataclass
class Runoff:
    """Each snapshot member's points not yet redeemed or expired, and the totals of each."""

    left: I64  # [snapshot members]
    by_redemption: int = 0
    by_expiry: int = 0

    def totals(self) -> tuple[int, int, int]:
        """Redeemed and expired so far, and still outstanding (``RUNOFF``)."""
        return self.by_redemption, self.by_expiry, int(self.left.sum())

    def _take(self, users: I64, points: I64) -> int:
        """The snapshot points the rows use up (rows in the order written)."""
        mine = users < self.left.size
        if not mine.any():
            return 0
        u, p = users[mine], points[mine].astype(np.int64)
        order = np.argsort(u, kind="stable")
        u, p = u[order], p[order]
        starts = np.r_[True, u[1:] != u[:-1]]
        total = np.cumsum(p)
        base = np.maximum.accumulate(np.where(starts, np.arange(u.size), 0))
        before = total - p - np.where(base > 0, total[base - 1], 0)  # this member's, earlier
        took = np.clip(self.left[u] - before, 0, p)
        np.subtract.at(self.left, u, took)
        return int(took.sum())

    def spent(self, users: I64, day: int, sinks: I64, points: I64, cost: F64, tiers: I8) -> None:
        self.by_redemption += self._take(users, points)

    def expired(self, users: I64, day: int, points: I64, tiers: I8) -> None:
        self.by_expiry += self._take(users, points)

    def occurred(
        self, users: I64, day: int, behaviour: int, tiers: I8, amounts: F64 | None = None
    ) -> None:
        pass

    def redeemed(self, users: I64, day: int, items: I64) -> None:
        pass

    def booked(self, users: I64, day: int, source: int, points: I64, tiers: I8) -> None:
        pass

    def joined(self, users: I64, day: int, tiers: I8) -> None:
        pass

    def moved(self, users: I64, day: int, tiers: I8, points: I64) -> None:
        pass
