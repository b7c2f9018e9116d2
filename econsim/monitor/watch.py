"""Inside the plan's band? The watched figures of the actual books against the design
simulated over the same days, and an alarm whose false-alarm rate is known.

The band shown is the plan's 5–95% range by day. An *alarm* needs more than a day outside
it: a 90% band is crossed on one day in ten by chance, a running figure that is out today is
likely out tomorrow, and seven figures are watched at once. The alarm is therefore a Monte
Carlo test of the whole review (Barnard 1963; Besag & Clifford 1989), one test for all the
figures together (the single-step max-T of Westfall & Young 1993):

1. every series — the actual and each of the plan's R runs — is measured against the band
   of the *other* R series: ``z`` is its distance from their median in half-widths of their
   5–95% range, and its *sustained level* on a day is the least ``|z|`` on one side over the
   ``persist`` days from that day (how far it stayed out, all of those days);
2. a series' score on a figure is its highest sustained level over the review, standardised
   by that figure's median and spread of scores over all R + 1 series; its score is its
   highest over the figures;
3. the alarm sounds when the actual's score is above the K-th highest of the plan runs',
   K = floor(α (R + 1)).

If the programme is unchanged, its log is one more draw of the model the plan runs: the
R + 1 scores are exchangeable, so the actual's is among the K highest with chance at most
K / (R + 1) ≤ α — the false-alarm rate over the whole review, for all watched figures
together (each figure's own is lower). An alarm needs R ≥ 1/α − 1 runs (19 for 5%); more runs
sharpen the threshold (more power), they do not change the rate. A flagged figure is dated
by the first day its sustained level passed its alarm level; the log shows it ``persist − 1``
days later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.alarm import FALSE_ALARM, PERSIST, alarm_rank, replications_needed
from econsim.arrays import F64, Bool
from econsim.results import Results

#: name: (unit, warm-up days: days before a running figure covers its whole window)
WATCHED: dict[str, tuple[str, int]] = {
    "points issued (7 days)": ("points", 7),
    "points consumed (7 days)": ("points", 7),
    "redemptions (7 days)": ("redemptions", 7),
    "outstanding points": ("points", 1),
    "consumption rate (30 days)": ("share", 30),
    "consumer share": ("share", 30),
    "holders": ("members", 1),
}

#: The least half-width of a band, in each unit: a plan whose runs all agree on a figure
#: does not turn one point or member of difference into an alarm.
_FLOOR = {"points": 1.0, "redemptions": 1.0, "members": 1.0, "share": 1e-3}


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
    """One figure: actual by day, the plan's 5%, 50% and 95%, and where it alarmed."""

    name: str
    unit: str
    actual: F64
    low: F64
    mid: F64
    high: F64
    left: int | None  # the first day of the first run of ``persist`` days past the alarm level
    direction: str  # "above" or "below" the band ("" when no alarm)
    start: dt.date
    #: how far (in the band's half-widths from the plan's median) the figure must stay out
    #: for ``persist`` days to raise the alarm (infinite: no alarm possible)
    alarm_level: float
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
            "left_band": _iso(self.left_date),
            "known": _iso(self.known_date(self.persist)),
            "direction": self.direction or None,
            "actual": _num(self.actual[last]),
            "band": [_num(self.low[last]), _num(self.high[last])],
            "alarm_level": _num(self.alarm_level),
        }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _num(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 6)


@dataclass(frozen=True)
class Band:
    """Every watched figure, and the test that says whether the programme left its plan."""

    watches: tuple[Watch, ...]
    persist: int
    replications: int
    #: the false-alarm rate asked for, and the one the test holds: K / (R + 1) ≤ it
    false_alarm: float
    rate: float

    @property
    def can_alarm(self) -> bool:
        return self.rate > 0

    def summary(self) -> dict[str, Any]:
        return {
            "persist_days": self.persist,
            "replications": self.replications,
            "false_alarm": {"asked": self.false_alarm, "held": round(self.rate, 6),
                            "replications_needed": replications_needed(self.false_alarm)},
            "alarm": bool(self.left),
            "figures": {w.name: w.summary() for w in self.watches},
        }  # fmt: skip

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
        """The figures that raised the alarm, earliest first."""
        gone = [w for w in self.watches if w.left is not None]
        return sorted(gone, key=lambda w: (w.left or 0, w.name))


def band(
    actual: dict[str, F64],
    plan: dict[str, F64],
    start: dt.date,
    persist: int = PERSIST,
    false_alarm: float = FALSE_ALARM,
) -> Band:
    """The actual figures (one replication) against the plan's replications."""
    replications = next(iter(plan.values())).shape[0]
    measured = {
        name: _Measured.of(np.vstack([actual[name][:1], plan[name]]), unit, warmup, persist)
        for name, (unit, warmup) in WATCHED.items()
    }
    peaks = np.array([m.peaks for m in measured.values()])  # [figure, series]
    centre, spread = _standardiser(peaks)
    scores = np.max((peaks - centre[:, None]) / spread[:, None], axis=0)
    k = alarm_rank(replications, false_alarm)
    threshold = np.sort(scores[1:])[::-1][k - 1] if k else np.inf
    watches = []
    for i, (name, m) in enumerate(measured.items()):
        level = float(centre[i] + threshold * spread[i])
        hit = np.nonzero(m.levels[0] > level)[0]
        left = int(hit[0]) if hit.size else None
        direction = "" if left is None else ("above" if m.above[left] else "below")
        watches.append(Watch(name, WATCHED[name][0], m.series[0], m.low, m.mid, m.high, left,
                             direction, start, level, persist))  # fmt: skip
    return Band(tuple(watches), persist, replications, false_alarm, k / (replications + 1))


@dataclass(frozen=True)
class _Measured:
    """One figure's series (row 0 the actual), each against the band of the others."""

    series: F64
    low: F64  # the actual's band: the plan runs' 5%, 50% and 95%
    mid: F64
    high: F64
    levels: F64  # [series, day]: the sustained level from each day (-inf: none)
    above: Bool  # the actual's side on each day's run

    @property
    def peaks(self) -> F64:
        peaks: F64 = np.max(self.levels, axis=1)
        return peaks

    @classmethod
    def of(cls, series: F64, unit: str, warmup: int, persist: int) -> _Measured:
        n, days = series.shape
        levels = np.full((n, days), -np.inf)
        above = np.zeros(days, dtype=bool)
        bands = []
        for i in range(n):
            low, mid, high = _quantiles(np.delete(series, i, axis=0))
            half = np.maximum((high - low) / 2, _FLOOR[unit])
            with np.errstate(invalid="ignore"):
                z = np.nan_to_num((series[i] - mid) / half)  # undefined (no issuance): inside
            z[: warmup - 1] = 0.0
            up, down = _sustained(z, persist), _sustained(-z, persist)
            levels[i, : up.size] = np.maximum(up, down)
            if i == 0:
                bands, above[: up.size] = [low, mid, high], up >= down
        return cls(series, bands[0], bands[1], bands[2], levels, above)


def _quantiles(runs: F64) -> F64:
    """The 5%, 50% and 95% by day (NaN days ignored; all NaN: NaN)."""
    if not np.isnan(runs).any():
        return np.quantile(runs, [0.05, 0.5, 0.95], axis=0)
    out = np.full((3, runs.shape[1]), np.nan)
    some = ~np.all(np.isnan(runs), axis=0)
    out[:, some] = np.nanquantile(runs[:, some], [0.05, 0.5, 0.95], axis=0)
    return out


def _sustained(z: F64, persist: int) -> F64:
    """For each day a whole run of ``persist`` days starts: the least ``z`` over it."""
    if z.size < persist:
        return np.zeros(0)
    least: F64 = np.lib.stride_tricks.sliding_window_view(z, persist).min(axis=-1)
    return least


def _standardiser(peaks: F64) -> tuple[F64, F64]:
    """Each figure's median and spread of peaks over every series (robust: the interquartile
    range as a normal's standard deviation). A figure with no whole run (a review shorter
    than its warm-up) gets scores of -inf: it cannot alarm."""
    finite = np.isfinite(peaks)
    safe = np.where(finite, peaks, 0.0)
    q1, centre, q3 = np.quantile(safe, [0.25, 0.5, 0.75], axis=1)
    spread = np.maximum((q3 - q1) / 1.349, 1e-6 * np.maximum(np.abs(centre), 1.0))
    centre = np.where(finite.all(axis=1), centre, np.inf)
    return centre, spread
