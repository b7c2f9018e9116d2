"""Which month's points each redemption and expiry of a log drew on: its issuance cohorts.

A member's points are spent and expire oldest month first, as the engine's lots are
(``engine.compiled.day_books.take_oldest``). Then after a member's first ``j`` rows that
take points away (redemptions and expiries, ``S_j`` points in all), what has left month
``m``'s points is

    c_m(j) = clip(S_j − E_<m, 0, e_m)

with ``e_m`` the points the member earned in month ``m`` and ``E_<m`` those earned before
it: every point taken so far came from the oldest months. Row ``j`` drew
``c_m(j) − c_m(j − 1)`` from month ``m``. The books then hold them by day, month and the
member's tier, as a simulation's ledger does (``cohort_redeemed``, ``cohort_expired``).
"""

from __future__ import annotations

import numpy as np

from econsim.arrays import F64, I64
from econsim.engine.model import Model
from econsim.monitor.log import LiveLog
from econsim.monitor.log_rows import BONUS, EARN, EXPIRY, REDEEM
from econsim.monitor.tally import group_cumsum, run_starts, tally


def cohort_books(log: LiveLog, model: Model) -> dict[str, F64]:
    """``cohort_redeemed`` and ``cohort_expired``, ``[day, month, tier]``, of ``log``."""
    months, nt = int(model.month_key[-1]) + 1, len(model.tiers)
    out = {n: np.zeros(log.days * months * nt) for n in ("cohort_redeemed", "cohort_expired")}
    key, earned, through = _earned(log, model, months)
    if key.size == 0:  # nothing earned: nothing to take
        return {n: x.reshape(log.days, months, nt) for n, x in out.items()}
    taken = np.flatnonzero(np.isin(log.kind, (REDEEM, EXPIRY)) & (log.points > 0))
    taken = taken[np.argsort(log.member[taken], kind="stable")]  # by member, in time order
    member, points = log.member[taken], log.points[taken].astype(float)
    after = group_cumsum(points, run_starts(member))
    before = after - points
    cell = np.zeros(taken.size, np.int64)
    draws = np.zeros(taken.size)
    for m in range(months):
        q = member * months + m
        at = np.searchsorted(key, q)
        here = (at < key.size) & (key[np.minimum(at, key.size - 1)] == q)
        own = np.where(here, earned[np.minimum(at, key.size - 1)], 0.0)
        prior = at - 1  # the member's last month before m with points earned
        older = (prior >= 0) & (key[np.maximum(prior, 0)] // months == member)
        earlier = np.where(older, through[np.maximum(prior, 0)], 0.0)
        draws[:] = np.clip(after - earlier, 0, own) - np.clip(before - earlier, 0, own)
        cell[:] = (log.day[taken] * months + m) * nt + log.tier[taken]
        for name, kind in (("cohort_redeemed", REDEEM), ("cohort_expired", EXPIRY)):
            rows = log.kind[taken] == kind
            out[name] += tally(cell[rows], out[name].size, draws[rows])
    return {n: np.rint(x).reshape(log.days, months, nt) for n, x in out.items()}


def _earned(log: LiveLog, model: Model, months: int) -> tuple[I64, F64, F64]:
    """Sorted keys ``member × months + month`` with points earned, those points, and the
    member's points earned through that month."""
    rows = np.isin(log.kind, (EARN, BONUS))
    keys, inv = np.unique(
        log.member[rows] * months + model.month_key[log.day[rows]], return_inverse=True
    )
    earned = np.bincount(np.ravel(inv), weights=log.points[rows], minlength=keys.size).astype(float)
    return keys.astype(np.int64), earned, group_cumsum(earned, run_starts(keys // months))
