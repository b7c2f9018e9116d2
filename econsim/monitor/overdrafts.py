"""Rows the programme cannot have served: a redemption or expiry that takes more points
than the member holds is left out of the books, counted, and its line named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import I64, Bool
from econsim.history.events import MAX_PROBLEMS
from econsim.monitor.log_rows import BONUS, EARN, EXPIRY, REDEEM

#: Vectorised passes over the overdrafts before the members still overdrawn are walked
#: row by row (each pass settles every member's first).
PASSES = 30


@dataclass(frozen=True)
class Rejected:
    """Rows left out of the books, why, and the lines of the first few."""

    reason: str
    count: int
    lines: tuple[int, ...]


def signed_points(kind: NDArray[np.int8], points: I64) -> I64:
    """What each row does to the member's balance."""
    sign = np.select([np.isin(kind, (EARN, BONUS)), np.isin(kind, (REDEEM, EXPIRY))], [1, -1], 0)
    return sign * points


def running_balance(member: I64, delta: I64) -> tuple[I64, I64]:
    """Each row's balance after it, per member in row order; and the order used (by member,
    stable)."""
    order = np.argsort(member, kind="stable")
    m, d = member[order], delta[order]
    total = np.cumsum(d)
    first = np.r_[True, m[1:] != m[:-1]]
    base = np.maximum.accumulate(np.where(first, np.arange(m.size), 0))
    before = np.where(base > 0, total[base - 1], 0)
    out = np.empty_like(total)
    out[order] = total - before
    return out, order


def reject_overdrafts(
    rows: dict[str, NDArray[Any]],
) -> tuple[dict[str, NDArray[Any]], tuple[Rejected, ...]]:
    """Leave out redemptions and expiries that take more than the member holds (the
    programme cannot have served them); a few passes, as leaving one out raises later
    balances."""
    kind = rows["kind"]
    out = np.zeros(kind.size, bool)
    debit = np.isin(kind, (REDEEM, EXPIRY))
    delta = signed_points(kind, rows["points"])
    for _ in range(PASSES):
        balance, _order = running_balance(rows["member"], np.where(out, 0, delta))
        new = (balance < 0) & ~out & debit
        if not new.any():
            break
        # each member's first overdraft only: leaving it out may cover the later ones
        idx = np.nonzero(new)[0]
        _, at = np.unique(rows["member"][idx], return_index=True)
        out[idx[at]] = True
    else:  # members with more overdrafts than passes: one walk through their rows
        _walk(rows["member"], delta, debit, out, np.unique(rows["member"][new]))
    if not out.any():
        return rows, ()
    rejected = []
    for k, reason in ((REDEEM, "redemption larger than the member's balance"),
                      (EXPIRY, "expiry larger than the member's balance")):  # fmt: skip
        sel = out & (kind == k)
        if sel.any():
            lines = tuple(int(x) for x in rows["line"][sel][:MAX_PROBLEMS])
            rejected.append(Rejected(reason, int(sel.sum()), lines))
    return {k: v[~out] for k, v in rows.items()}, tuple(rejected)


def _walk(member: I64, delta: I64, debit: Bool, out: Bool, who: I64) -> None:
    """Leave out, in ``out``, each debit of the members ``who`` that takes more than the
    balance the rows kept so far give (row by row: exact however many there are)."""
    rows = np.nonzero(np.isin(member, who))[0]
    rows = rows[np.argsort(member[rows], kind="stable")]
    balance: dict[int, int] = {}
    for i, m, d, takes in zip(rows.tolist(), member[rows].tolist(), delta[rows].tolist(),
                              debit[rows].tolist(), strict=True):  # fmt: skip
        held = balance.get(m, 0)
        if takes and held + d < 0:
            out[i] = True
        else:
            out[i] = False
            balance[m] = held + d
