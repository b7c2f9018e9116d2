"""The liability roll-forward per budget period, in points and in money (issue 16).

Points, per period (each replication, then means):

    opening + issued (core behaviours, non-core behaviours, campaigns, mechanics)
            − redeemed − expired = closing,        closing(k) = opening(k + 1)

Money values the points at the liability's value per point, ``v`` = expected cost per point
(money realised per point consumed so far) × expected redemption share (of the points
outstanding, the share the run's ultimate redemption rate expects redeemed — the breakage
memo's; without one, of points that have left the books the share spent), both as
estimated at each period's close. The period's
flows are valued at the estimate it opened with, and the change of estimate is booked as its
own line on the closing balance:

    opening money + (issued − redeemed − expired) × v(k − 1)
                  + closing × (v(k) − v(k − 1)) = closing × v(k) = closing money
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64
from econsim.metrics.finance import urr_shares
from econsim.metrics.series import by_group, last_of_group, point_cost
from econsim.protocol import html_table, pandas
from econsim.results import Results

if TYPE_CHECKING:
    import pandas as pd

SOURCES = ("core behaviours", "non-core behaviours", "campaigns", "mechanics")
POINT_LINES = ("opening", *SOURCES, "redeemed", "expired", "closing")
MONEY_LINES = ("opening", "issued", "redeemed", "expired", "change of estimate", "closing")


def source_group(name: str, core: set[str]) -> str:
    """The statement line of an issuance source (a behaviour, campaign or mechanic)."""
    if name in core:
        return "core behaviours"
    if name.startswith("campaign:"):
        return "campaigns"
    if ":" in name or name in ("streak", "referral"):
        return "mechanics"
    return "non-core behaviours"


@dataclass(frozen=True)
class RollForward:
    """Per period and replication: every line in points, and in money."""

    starts: NDArray[np.int64]  # first day of each period, counted from the run's start
    points: dict[str, F64]  # line → [replication, period]
    money: dict[str, F64]
    value_per_point: F64  # [replication, period] at each close
    first_day: dt.date  # the date of day 0

    @property
    def dates(self) -> tuple[dt.date, ...]:
        """Each period's first day as a date: what the books' "period start" shows."""
        return tuple(self.first_day + dt.timedelta(days=int(d)) for d in self.starts)

    def mean(self, lines: dict[str, F64]) -> dict[str, F64]:
        return {name: values.mean(axis=0) for name, values in lines.items()}

    def rows(self) -> list[list[Any]]:
        """One row per period: its first day (a date), the point lines and the money lines
        (means)."""
        pts, money = self.mean(self.points), self.mean(self.money)
        return [
            [
                day,
                *(float(pts[n][i]) for n in POINT_LINES),
                *(float(money[n][i]) for n in MONEY_LINES),
            ]
            for i, day in enumerate(self.dates)
        ]

    def columns(self) -> list[str]:
        return ["period start", *(f"{n} (points)" for n in POINT_LINES),
                *(f"{n} (money)" for n in MONEY_LINES)]  # fmt: skip

    def summary(self) -> dict[str, Any]:
        rows = [[r[0].isoformat(), *r[1:]] for r in self.rows()]
        return {"periods": [dict(zip(self.columns(), r, strict=True)) for r in rows]}

    def to_df(self) -> pd.DataFrame:
        return pandas().DataFrame(self.rows(), columns=self.columns()).set_index("period start")

    def _repr_html_(self) -> str:
        head = [["period start", "opening", "issued", "redeemed", "expired", "closing"]]
        body = [
            [
                r[0].isoformat(),
                f"{r[1]:,.0f}",
                f"{sum(r[2:6]):,.0f}",
                f"{r[6]:,.0f}",
                f"{r[7]:,.0f}",
                f"{r[8]:,.0f}",
            ]
            for r in self.rows()
        ]
        return html_table("Liability roll-forward (points)", head + body)


def _issued_by_group(r: Results, periods: NDArray[np.int64]) -> dict[str, F64]:
    d = r.scenario.design
    core = {name for name, b in d.behaviours.items() if b.kind == "core"}
    issued = r["issued"].sum(axis=3)  # [replication, day, source]
    out = {}
    for group in SOURCES:
        cols = [i for i, s in enumerate(r.labels["sources"]) if source_group(s, core) == group]
        out[group] = by_group(issued[:, :, cols].sum(axis=2), periods)
    return out


def _value_per_point(r: Results, periods: NDArray[np.int64], urr: float) -> F64:
    """Cost per point × redemption share as estimated at each period's close: the share of
    the points outstanding the run's URR expects redeemed (``reserving``), or without one
    the share spent of the points that have left the books."""
    consumed = np.cumsum(r.total("redeemed"), axis=1).astype(float)
    expired = np.cumsum(r.total("expired"), axis=1).astype(float)
    cost = np.cumsum(point_cost(r), axis=1)
    per_point = np.divide(cost, consumed, out=np.zeros_like(cost), where=consumed > 0)
    left = consumed + expired
    share = np.divide(consumed, left, out=np.ones_like(consumed), where=left > 0)
    if np.isfinite(urr):
        share = urr_shares(r, urr)
    return last_of_group(per_point * share, periods)


def roll_forward(r: Results, urr: float = float("nan")) -> RollForward:
    """The roll-forward of every budget period of every replication (``urr``: the run's
    ultimate redemption rate, which values the points; NaN: none)."""
    periods = np.arange(r.days) // r.scenario.design.period_days
    closing = last_of_group(r.total("outstanding"), periods)
    # the first period opens with what the run opened with (a run from a snapshot), else 0
    opened = by_group(r.total("opening"), periods)[:, :1]
    opening = np.concatenate([opened, closing[:, :-1]], axis=1)
    points = {
        "opening": opening,
        **_issued_by_group(r, periods),
        "redeemed": by_group(r.total("redeemed"), periods),
        "expired": by_group(r.total("expired"), periods),
        "closing": closing,
    }
    v = _value_per_point(r, periods, urr)
    before = np.concatenate([v[:, :1], v[:, :-1]], axis=1)  # the estimate a period opens with
    issued = sum(points[g] for g in SOURCES)
    money = {
        "opening": opening * before,
        "issued": issued * before,
        "redeemed": points["redeemed"] * before,
        "expired": points["expired"] * before,
        "change of estimate": closing * (v - before),
        "closing": closing * v,
    }
    starts = np.unique(periods) * r.scenario.design.period_days
    return RollForward(starts.astype(np.int64), points, money, v, r.scenario.start_date)
