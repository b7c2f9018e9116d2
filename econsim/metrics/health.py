"""Health (domain §5): consumption rate, consumer share, predicted vs actual issuance.

Definitions (docs/metrics.md):
- **consumption rate** = points consumed (catalog redemptions and point games) / points
  issued; cumulative from day 0, and over the trailing 30 days. This is a *points* ratio;
  it is not the share of members who redeemed, nor a coupon's use rate.
- **consumer share** = users who consumed in the trailing 30 days / users who held points
  at the end of the day or consumed in those 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from econsim.calibration import predicted_issuance
from econsim.metrics.series import Series, ratio, rolling_sum
from econsim.results import Results

WINDOW = 30


@dataclass(frozen=True)
class Verdict:
    """One judgement with the number behind it and plain advice."""

    name: str
    value: float
    threshold: float
    passed: bool
    advice: str
    gating: bool = True  # counts for --fail-on-unhealthy

    @property
    def mark(self) -> str:
        return "✓" if self.passed else "✗"


@dataclass(frozen=True)
class IssuanceCheck:
    """Actual vs predicted points per user per period, for one tier and behaviour."""

    tier: str
    behaviour: str
    predicted: float
    actual: float

    @property
    def deviation(self) -> float:
        return self.actual / self.predicted - 1.0 if self.predicted else float("nan")


@dataclass(frozen=True)
class Health:
    consumption_rate: Series
    consumption_rate_30d: Series
    consumer_share: Series
    issuance: tuple[IssuanceCheck, ...]
    issued_cumulative: Series  # behaviour points actually issued, cumulative
    predicted_cumulative: Series  # what the design predicts for the users present each day
    verdicts: tuple[Verdict, ...]

    @property
    def healthy(self) -> bool:
        return all(v.passed for v in self.verdicts if v.gating)


def consumption(r: Results) -> tuple[Series, Series]:
    """Cumulative and trailing-30-day consumption rate."""
    days = np.arange(r.days)
    issued, consumed = r.total("issued"), r.total("redeemed")
    cumulative = ratio(consumed.cumsum(axis=1), issued.cumsum(axis=1))
    rolling = ratio(rolling_sum(consumed, WINDOW), rolling_sum(issued, WINDOW))
    return (
        Series("consumption_rate", "share", days, cumulative),
        Series("consumption_rate_30d", "share", days, rolling),
    )


def consumer_share(r: Results) -> Series:
    """Users who consumed in the last 30 days / users holding points or who consumed."""
    return Series(
        "consumer_share",
        "share",
        np.arange(r.days),
        ratio(r.total("consumers_30d").astype(float), r.total("reach_30d").astype(float)),
    )


def user_periods(r: Results) -> np.ndarray:
    """User-periods lived in each tier, per replication: ``[replication, tier]``."""
    period = r.scenario.design.period_days
    return np.asarray(r["users"].sum(axis=1) / period, dtype=float)


def issuance_checks(r: Results) -> tuple[IssuanceCheck, ...]:
    """Per tier and behaviour: predicted vs actual points per user per period."""
    predicted = predicted_issuance(r.scenario)
    exposure = user_periods(r).mean(axis=0)
    issued = r["issued"].sum(axis=1).mean(axis=0)  # [source, tier]
    sources = r.labels["sources"]
    return tuple(
        IssuanceCheck(
            tier=t,
            behaviour=b,
            predicted=predicted[t][b],
            actual=float(issued[sources.index(b), i] / exposure[i]) if exposure[i] else 0.0,
        )
        for i, t in enumerate(r.tiers)
        for b in r.scenario.design.behaviours
    )


def issuance_paths(r: Results) -> tuple[Series, Series]:
    """Cumulative behaviour points: actual, and predicted for the users present each day."""
    predicted = predicted_issuance(r.scenario)
    per_day = np.array([sum(predicted[t].values()) for t in r.tiers]) / (
        r.scenario.design.period_days
    )
    expected = (r["users"] * per_day).sum(axis=2).cumsum(axis=1)
    n_b = len(r.scenario.design.behaviours)
    actual = r["issued"][:, :, :n_b, :].sum(axis=(2, 3)).cumsum(axis=1).astype(float)
    days = np.arange(r.days)
    return (
        Series("issued", "points", days, actual),
        Series("predicted", "points", days, expected),
    )


def issuance_advice(check: IssuanceCheck, tolerance: float) -> str | None:
    """Domain §5's rule as a sentence, or None when issuance is on plan."""
    dev = check.deviation
    if not np.isfinite(dev) or abs(dev) <= tolerance:
        return None
    where = f"issuance of '{check.behaviour}' in tier '{check.tier}' is {abs(dev):.0%}"
    if dev > 0:
        return f"{where} above prediction: earning is too easy — raise its threshold or cap"
    return (
        f"{where} below prediction: earning is too hard — lower its threshold or add "
        "earning channels"
    )


def health(r: Results) -> Health:
    """The health view of a run: series, issuance checks and verdicts."""
    h = r.scenario.health
    rate, rate_30d = consumption(r)
    share = consumer_share(r)
    checks = issuance_checks(r)
    window = slice(max(0, r.days - WINDOW), r.days)
    share_value = float(np.nanmean(share.values[:, window]))
    rate_value = rate.final()
    verdicts = [
        Verdict(
            "consumption rate",
            rate_value,
            h.consumption_threshold,
            rate_value >= h.consumption_threshold,
            "healthy"
            if rate_value >= h.consumption_threshold
            else (
                f"only {rate_value:.0%} of issued points are consumed (threshold "
                f"{h.consumption_threshold:.0%}): add consumption channels, lower catalog prices "
                "or change the catalog"
            ),
        ),
        Verdict(
            "consumer share",
            share_value,
            h.consumer_share_threshold,
            share_value >= h.consumer_share_threshold,
            "healthy"
            if share_value >= h.consumer_share_threshold
            else (
                f"only {share_value:.0%} of point holders consumed in the last 30 days "
                f"(threshold {h.consumer_share_threshold:.0%}): add cheaper items or point "
                "games so more holders can spend"
            ),
        ),
    ]
    advice = [a for c in checks if (a := issuance_advice(c, h.issuance_tolerance))]
    total_pred = sum(c.predicted for c in checks)
    total_act = sum(c.actual for c in checks)
    dev = total_act / total_pred - 1.0 if total_pred else 0.0
    verdicts.append(
        Verdict(
            "issuance on plan",
            dev,
            h.issuance_tolerance,
            not advice,
            "; ".join(advice)
            if advice
            else "actual issuance is within "
            f"{h.issuance_tolerance:.0%} of prediction for every tier and behaviour",
            gating=False,
        )
    )
    actual, predicted = issuance_paths(r)
    return Health(rate, rate_30d, share, checks, actual, predicted, tuple(verdicts))
