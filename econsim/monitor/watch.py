"""Inside the plan's band? The watched figures of the actual books against the 5–95% range
of the design simulated over the same days, and the first day each left it.

A daily figure of a real programme crosses a 90% band on one day in ten by chance, so a
figure *leaves* the band only when it stays outside for ``persist`` days running (default
7): the early warning is the first of those days, with the direction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.arrays import F64
from econsim.results import Results

WATCHED: dict[str, tuple[str, int]] = {
    "points issued (7 days)": ("points", 7),
    "points consumed (7 days)": ("points", 7),
    "redemptions (7 days)": ("redemptions", 7),
    "outstanding points": ("points", 1),
    "consumption rate (30 days)": ("share", 30),
    "consumer share": ("share", 30),
    "holders": ("members", 1),
}


def _rolling(x: F64, days: int) -> F64:
    """Sums over the last ``days`` days (fewer at the start), along the last axis."""
    c = np.cumsum(x, axis=-1)
    out = c.copy()
    out[..., days:] = c[..., days:] - c[..., :-days]
    return out


def _ratio(a: F64, b: F64) -> F64:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def watched(r: Results) -> dict[str, F64]:
    """Each watched figure, ``[replication, day]``."""
    issued = r.total("issued").astype(float)
    consumed = r.total("redeemed").astype(float)
    return {
        "points issued (7 days)": _rolling(issued, 7),
        "points consumed (7 days)": _rolling(consumed, 7),
        "redemptions (7 days)": _rolling(r.total("redemptions").astype(float), 7),
        "outstanding points": r.total("outstanding").astype(float),
        "consumption rate (30 days)": _ratio(_rolling(consumed, 30), _rolling(issued, 30)),
        "consumer share": _ratio(r.total("consumers_30d"), r.total("reach_30d")),
        "holders": r.total("holders").astype(float),
    }


@dataclass(frozen=True)
class Watch:
    """One figure: actual by day, the plan's 5%, 50% and 95%, and where it left the band."""

    name: str
    unit: str
    actual: F64
    low: F64
    mid: F64
    high: F64
    left: int | None  # the first day of the first run of ``persist`` days outside
    direction: str  # "above" or "below" the band ("" when inside)
    start: dt.date
    bar: float  # the furthest the plan's own runs stayed out for `persist` days (half-widths)
    persist: int

    @property
    def left_date(self) -> dt.date | None:
        return None if self.left is None else self.start + dt.timedelta(days=self.left)

    def known_date(self, persist: int) -> dt.date | None:
        """The day the log shows it: the last of the ``persist`` days outside."""
        left = self.left_date
        return None if left is None else left + dt.timedelta(days=persist - 1)

    def summary(self) -> dict[str, Any]:
        last = -1
        return {
            "unit": self.unit,
            "left_band": None if self.left_date is None else self.left_date.isoformat(),
            "known": _iso(self.known_date(self.persist)),
            "direction": self.direction or None,
            "actual": _num(self.actual[last]),
            "band": [_num(self.low[last]), _num(self.high[last])],
            "plan_runs_stayed_out": round(self.bar, 3),
        }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _num(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 6)


@dataclass(frozen=True)
class Band:
    """Every watched figure, and the run length that counts as leaving the band."""

    watches: tuple[Watch, ...]
    persist: int
    replications: int

    def summary(self) -> dict[str, Any]:
        return {
            "persist_days": self.persist,
            "replications": self.replications,
            "figures": {w.name: w.summary() for w in self.watches},
        }

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for w in self.watches:
            for d in range(w.actual.size):
                out.append({
                    "date": (w.start + dt.timedelta(days=d)).isoformat(), "figure": w.name,
                    "actual": w.actual[d], "p5": w.low[d], "p50": w.mid[d], "p95": w.high[d],
                })  # fmt: skip
        return out

    @property
    def left(self) -> list[Watch]:
        """The figures that left the band, earliest first."""
        gone = [w for w in self.watches if w.left is not None]
        return sorted(gone, key=lambda w: (w.left or 0, w.name))


def band(actual: dict[str, F64], plan: dict[str, F64], start: dt.date, persist: int) -> Band:
    """The actual figures (one replication) against the plan's replications."""
    watches = []
    for name, (unit, warmup) in WATCHED.items():
        a = actual[name][0]
        runs = plan[name]
        low, mid, high = np.nanquantile(runs, [0.05, 0.5, 0.95], axis=0)
        # how far out the plan's own runs stay for `persist` days: the bar for the actual
        bar = float(np.max(_sustained(_excess(runs, low, mid, high), persist, warmup),
                           initial=0.0))  # fmt: skip
        out = _sustained(_excess(a, low, mid, high), persist, warmup)
        hit = np.nonzero(out > bar)[0]
        left = int(hit[0]) if hit.size else None
        direction = "" if left is None else ("above" if a[left] > mid[left] else "below")
        watches.append(Watch(name, unit, a, low, mid, high, left, direction, start, bar, persist))
    replications = next(iter(plan.values())).shape[0]
    return Band(tuple(watches), persist, replications)


def _excess(x: F64, low: F64, mid: F64, high: F64) -> F64:
    """How far outside the 5–95% band, in the band's own half-widths (0 inside)."""
    floor = 1e-9 * np.abs(mid) + 1e-12
    up = (x - high) / np.maximum(high - mid, floor)
    down = (low - x) / np.maximum(mid - low, floor)
    out = np.maximum(np.maximum(up, down), 0.0)
    return np.where(np.isfinite(out), out, 0.0)


def _sustained(e: F64, persist: int, warmup: int) -> F64:
    """For each day: the least excess over the ``persist`` days starting there (days before
    ``warmup`` count as inside), along the last axis; days too near the end to hold a whole
    run are 0."""
    e = e.copy()
    e[..., : warmup - 1] = 0.0
    days = e.shape[-1]
    out = np.zeros_like(e)
    if days >= persist:
        window = np.lib.stride_tricks.sliding_window_view(e, persist, axis=-1)
        out[..., : days - persist + 1] = window.min(axis=-1)
    return out
