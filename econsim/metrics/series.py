"""Time series over replications, and the small helpers every view shares."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64
from econsim.results import Results

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Series:
    """One metric over time for every replication: ``values[replication, step]``.

    ``steps`` labels the time axis (day numbers, or the first day of each month or period).
    """

    name: str
    unit: str  # "share", "points", "money", "index"
    steps: NDArray[np.int64]
    values: F64

    def band(self, low: float = 5.0, high: float = 95.0) -> tuple[F64, F64, F64]:
        """(low percentile, median, high percentile) across replications, per step."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN steps stay NaN
            lo, med, hi = np.nanpercentile(self.values, [low, 50.0, high], axis=0)
        return lo, med, hi

    def mean(self) -> F64:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out: F64 = np.nanmean(self.values, axis=0)
        return out

    def final(self) -> float:
        """The last step, averaged over replications (NaN when undefined everywhere)."""
        return float(self.mean()[-1])

    def to_df(self) -> pd.DataFrame:
        """Long table: replication, step, value (needs pandas)."""
        import pandas as pd

        reps, steps = self.values.shape
        return pd.DataFrame(
            {
                "replication": np.repeat(np.arange(reps), steps),
                "step": np.tile(self.steps, reps),
                self.name: self.values.ravel(),
            }
        )


def known(x: float) -> float | None:
    """A figure that could not be estimated is null in JSON, never a number read as fact."""
    return float(x) if np.isfinite(x) else None


def finite_mean(x: NDArray[Any]) -> float:
    """Mean of the finite values (over replications, say); NaN, without a warning, if none."""
    finite = x[np.isfinite(x)]
    return float(finite.mean()) if finite.size else float("nan")


def mean_interval(x: NDArray[Any], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of the finite values (over replications, say) and its Student-t interval: NaN
    where undefined (no value; one value has no interval)."""
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if x.size < 2:
        return mean, float("nan"), float("nan")
    from scipy import stats  # imported when needed: metrics load without scipy's start-up

    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half


def ratio(num: F64, den: F64) -> F64:
    """num / den with NaN where the denominator is 0 (a share of nothing is undefined)."""
    out: F64 = np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den != 0)
    return out


def point_cost(r: Results) -> F64:
    """Money ``[replication, day]`` of what points buy: catalog items, point games, and the
    share of a coupon's discounts paid on coupons claimed with points. The rest of a coupon's
    cost and packaged campaigns' rewards are paid in money without points: they count
    against the budget, not in what a point is worth."""
    cost = r["cost"].copy()
    sinks = r.labels["sinks"]
    given = r["coupons_given"].sum(axis=1)  # [replication, coupon]
    for j, name in enumerate(r.labels["coupons"]):
        k = sinks.index(name)
        claimed = r["redemptions"][:, :, k].sum(axis=1)
        share = np.divide(claimed, given[:, j], out=np.zeros(claimed.shape), where=given[:, j] > 0)
        cost[:, :, k] *= share[:, None]
    for name in r.labels["packaged"]:
        cost[:, :, sinks.index(f"packaged:{name}")] = 0.0
    out: F64 = cost.sum(axis=2)
    return out


def rolling_sum(x: NDArray[Any], window: int) -> F64:
    """Sum over the trailing ``window`` days along axis 1 (shorter at the start)."""
    c = np.cumsum(x, axis=1, dtype=float)
    out = c.copy()
    out[:, window:] = c[:, window:] - c[:, :-window]
    return out


def month_index(start_month: int, days: int, start: Any) -> NDArray[np.int64]:
    """Month number (0 = the start month) of each day."""
    import datetime as dt

    dates = [start + dt.timedelta(days=i) for i in range(days)]
    return np.array([(d.year - start.year) * 12 + d.month - start_month for d in dates])


def by_group(x: NDArray[Any], groups: NDArray[np.int64]) -> F64:
    """Sum ``x[replication, day]`` over days within each group: ``[replication, group]``."""
    n = int(groups.max()) + 1
    out = np.zeros((x.shape[0], n))
    for g in range(n):
        out[:, g] = x[:, groups == g].sum(axis=1)
    return out


def last_of_group(x: NDArray[Any], groups: NDArray[np.int64]) -> F64:
    """Value on the last day of each group: ``[replication, group]``."""
    n = int(groups.max()) + 1
    last = np.array([np.nonzero(groups == g)[0][-1] for g in range(n)])
    out: F64 = x[:, last].astype(float)
    return out
