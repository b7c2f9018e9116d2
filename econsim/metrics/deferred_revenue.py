"""IFRS 15 / ASC 606 deferred revenue for points earned with purchases (a material right).

Each period's sales at their stand-alone selling price are split between the goods and the
points by relative stand-alone selling prices, the points' being the value one point can be
redeemed for × the share of points expected to be redeemed (1 − breakage):

    allocated(k) = sales(k) × SSP(k) / (sales(k) + SSP(k)),
    SSP(k) = points(k) × value(k) × share(k)

The amount allocated is a contract liability, recognised as revenue as points are redeemed:

    cumulative revenue(k) = cumulative allocated(k) × cumulative redeemed(k)
                            / (cumulative points(k) × share(k))          (at most all of it)

with the expected redemption share re-estimated each period and the change taken as a
cumulative catch-up (``catch_up``: the part of the period's revenue due to the new estimate).
Points given for non-purchase behaviours are not an allocation of revenue but a marketing
cost accrued as a provision: :func:`marketing_provision`.

A pure function of per-period inputs, so it books a live programme's actuals as it books a
simulation (docs/guide-finance.md works one example by hand).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.arrays import F64
from econsim.errors import EconsimError
from econsim.protocol import html_table, pandas

if TYPE_CHECKING:
    import pandas as pd


class FinanceInputError(EconsimError, ValueError):
    """A schedule's inputs cannot be booked: the message names the field and the period."""


@dataclass(frozen=True)
class DeferredRevenue:
    """The per-period schedule: what was allocated to points, recognised, and still owed."""

    periods: tuple[str, ...]
    sales: F64
    points: F64
    value_per_point: F64
    redemption_share: F64
    redeemed: F64
    allocated: F64
    recognised: F64
    catch_up: F64  # part of ``recognised`` from re-estimating the redemption share
    liability: F64  # contract liability at the period's close

    COLUMNS = ("sales", "points", "value_per_point", "redemption_share", "redeemed",
               "allocated", "recognised", "catch_up", "liability")  # fmt: skip

    def rows(self) -> list[list[Any]]:
        """One row per period: its label and every column, as plain numbers."""
        return [
            [p, *(float(getattr(self, c)[i]) for c in self.COLUMNS)]
            for i, p in enumerate(self.periods)
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "allocated": float(self.allocated.sum()),
            "recognised": float(self.recognised.sum()),
            "liability_at_close": float(self.liability[-1]),
            "periods": [dict(zip(("period", *self.COLUMNS), r, strict=True)) for r in self.rows()],
        }

    def to_df(self) -> pd.DataFrame:
        """The schedule as a table indexed by period (needs pandas)."""
        frame = pandas().DataFrame(self.rows(), columns=["period", *self.COLUMNS])
        return frame.set_index("period")

    def _repr_html_(self) -> str:
        rows = [
            [p, f"{a:,.2f}", f"{r:,.2f}", f"{c:+,.2f}", f"{li:,.2f}"]
            for p, a, r, c, li in zip(
                self.periods,
                self.allocated,
                self.recognised,
                self.catch_up,
                self.liability,
                strict=True,
            )
        ]
        head = [["period", "allocated", "recognised", "of which catch-up", "liability"]]
        return html_table("Deferred revenue (IFRS 15 / ASC 606)", head + rows)


def _column(name: str, values: ArrayLike, length: int | None) -> F64:
    out = np.asarray(values, dtype=float)
    if out.ndim != 1 or out.size == 0:
        raise FinanceInputError(f"{name}: give one number per period (got shape {out.shape})")
    if length is not None and out.size != length:
        raise FinanceInputError(
            f"{name}: {out.size} periods, but sales has {length}: the periods do not line up"
        )
    bad = np.nonzero(~np.isfinite(out))[0]
    if bad.size:
        raise FinanceInputError(f"{name}: period {bad[0] + 1} is not a finite number")
    return out


def _check(name: str, values: F64, ok: NDArray[np.bool_], rule: str) -> None:
    bad = np.nonzero(~ok)[0]
    if bad.size:
        raise FinanceInputError(f"{name}: period {bad[0] + 1} is {values[bad[0]]:g}; {rule}")


def _inputs(
    sales: ArrayLike,
    points: ArrayLike,
    value_per_point: ArrayLike | float,
    redemption_share: ArrayLike | float,
    redeemed: ArrayLike,
) -> tuple[F64, F64, F64, F64, F64]:
    s = _column("sales", sales, None)
    n = s.size
    p = _column("points", points, n)
    v = _column("value_per_point", np.broadcast_to(value_per_point, (n,)), n)
    share = _column("redemption_share", np.broadcast_to(redemption_share, (n,)), n)
    r = _column("redeemed", redeemed, n)
    _check("sales", s, s >= 0, "sales at stand-alone price cannot be negative")
    _check("points", p, p >= 0, "points awarded cannot be negative")
    _check("points", p, (p > 0) | (s == 0), "sales without points have nothing to allocate to "
           "points: give the points awarded with those sales")  # fmt: skip
    _check("value_per_point", v, v > 0, "a point must be worth more than 0")
    _check("redemption_share", share, (share > 0) & (share <= 1),
           "the expected share of points redeemed must be in (0, 1]")  # fmt: skip
    _check("redeemed", r, r >= 0, "points redeemed cannot be negative")
    over = np.cumsum(r) > np.cumsum(p) + 1e-9
    _check("redeemed", np.cumsum(r), ~over, "more points redeemed so far than awarded")
    return s, p, v, share, r


def deferred_revenue(
    sales: ArrayLike,
    points: ArrayLike,
    value_per_point: ArrayLike | float,
    redemption_share: ArrayLike | float,
    redeemed: ArrayLike,
    periods: Sequence[str] | None = None,
) -> DeferredRevenue:
    """The deferred-revenue schedule of points earned with purchases, period by period.

    ``sales``: each period's sales at the goods' stand-alone selling price; ``points``: the
    points awarded with those sales; ``value_per_point``: what one point can be redeemed for
    (money); ``redemption_share``: the share of points expected to be redeemed, as estimated
    at each period's close (one number, or one per period); ``redeemed``: points (of these)
    redeemed in the period. Bad input raises :class:`FinanceInputError` naming the field and
    period.
    """
    s, p, v, share, r = _inputs(sales, points, value_per_point, redemption_share, redeemed)
    labels = tuple(periods) if periods is not None else tuple(str(i + 1) for i in range(s.size))
    if len(labels) != s.size:
        raise FinanceInputError(f"periods: {len(labels)} labels for {s.size} periods")
    ssp = p * v * share
    allocated = np.where(s + ssp > 0, s * ssp / np.where(s + ssp > 0, s + ssp, 1.0), 0.0)
    total = np.cumsum(allocated)
    awarded, spent = np.cumsum(p), np.cumsum(r)
    cumulative = total * _progress(spent, awarded * share)
    previous = np.concatenate([[0.0], cumulative[:-1]])
    # what the period would have recognised had the estimate stayed at last period's
    before = total * _progress(spent, awarded * np.concatenate([share[:1], share[:-1]]))
    return DeferredRevenue(
        labels, s, p, v, share, r,
        allocated=allocated,
        recognised=cumulative - previous,
        catch_up=cumulative - before,
        liability=total - cumulative,
    )  # fmt: skip


def _progress(spent: F64, expected: F64) -> F64:
    """Share of the expected redemptions made so far, at most 1."""
    out: F64 = np.minimum(np.where(expected > 0, spent / np.where(expected > 0, expected, 1), 0), 1)
    return out


def marketing_provision(
    points: ArrayLike,
    value_per_point: ArrayLike | float,
    redemption_share: ArrayLike | float,
    redeemed: ArrayLike,
) -> F64:
    """The provision at each period's close for points given without a sale (sign-in,
    reviews, referrals, campaign bonuses): a marketing cost, accrued as the points expected
    to be redeemed and not yet redeemed × the value of a point."""
    p = _column("points", points, None)
    n = p.size
    v = _column("value_per_point", np.broadcast_to(value_per_point, (n,)), n)
    share = _column("redemption_share", np.broadcast_to(redemption_share, (n,)), n)
    r = _column("redeemed", redeemed, n)
    _check("value_per_point", v, v > 0, "a point must be worth more than 0")
    _check("redemption_share", share, (share > 0) & (share <= 1),
           "the expected share of points redeemed must be in (0, 1]")  # fmt: skip
    expected = np.cumsum(p) * share
    out: F64 = np.maximum(expected - np.cumsum(r), 0.0) * v
    return out
