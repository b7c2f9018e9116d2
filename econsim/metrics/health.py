"""Health (domain §5): consumption rate, consumer share, predicted vs actual issuance.

Definitions (docs/metrics.md):
- **consumption rate** = points consumed (catalog redemptions and point games) / points
  issued; cumulative from day 0, and over the trailing 30 days. This is a *points* ratio;
  it is not the share of members who redeemed, nor a coupon's use rate. The 30-day rate
  can exceed 100%: points consumed in the window may have been earned before it.
- **consumer share** = users who consumed in the trailing 30 days / users who held points
  at the end of the day or consumed in those 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from econsim.calibration import predicted_issuance
from econsim.metrics.advice import (
    IssuanceCheck as IssuanceCheck,  # re-exported: the data the verdict reads
)
from econsim.metrics.advice import (
    PopulationOrigin,
    consumption_advice,
    issuance_findings,
    shares_apart,
)
from econsim.metrics.advice import (
    issuance_advice as issuance_advice,  # re-exported: the single-cell rule
)
from econsim.metrics.series import Series, ratio, rolling_sum
from econsim.metrics.verdicts import Verdict
from econsim.results import Results
from econsim.scenario.season import horizon_factors

WINDOW = 30


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
        """Every verdict of class ``health`` passes (the plan verdict is judged apart)."""
        return all(v.passed for v in self.verdicts if v.kind == "health")


def consumption(r: Results) -> tuple[Series, Series]:
    """Cumulative and trailing-30-day consumption rate.

    The trailing rate compares the window's consumption with the window's issuance, so it
    exceeds 1 whenever members spend points saved before the window (a flow ratio, not a
    share of the window's points). A run from a snapshot counts the points it opens with
    as issued on its first day.
    """
    days = np.arange(r.days)
    # a run from a snapshot opens with points its members spend too: they count as issued
    issued, consumed = r.total("issued") + r.total("opening"), r.total("redeemed")
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
    """Per tier and behaviour: predicted vs actual points per user per period.

    The calibration predicts the yearly average; with a season the prediction is scaled by
    the season's mean over the simulated days, so a run of the busy months is compared with
    a plan of the busy months (like with like).
    """
    predicted = predicted_issuance(r.scenario)
    season = dict(zip(r.scenario.design.behaviours, horizon_factors(r.scenario), strict=True))
    exposure = user_periods(r).mean(axis=0)
    issued = r["issued"].sum(axis=1).mean(axis=0)  # [source, tier]
    sources = r.labels["sources"]
    return tuple(
        IssuanceCheck(
            tier=t,
            behaviour=b,
            predicted=predicted[t][b] * float(season[b]),
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


def _consumption_verdict(r: Results, rate: Series) -> Verdict:
    threshold = r.scenario.health.consumption_threshold
    value = rate.final()
    passed = value >= threshold
    advice = "healthy"
    if np.isnan(value):
        advice = "no points were issued: there is no consumption rate yet"
    elif not passed:
        issued = r.total("issued").sum(axis=1).astype(float)
        consumed = r.total("redeemed").sum(axis=1).astype(float)
        shortfall = float(np.mean(threshold * issued - consumed))
        users = float(np.mean(r.total("users")[:, -1]))
        advice = consumption_advice(value, threshold, shortfall, users)
    return Verdict("consumption rate", value, threshold, passed, advice, kind="health")


def _share_verdict(r: Results, share: Series) -> Verdict:
    threshold = r.scenario.health.consumer_share_threshold
    window = slice(max(0, r.days - WINDOW), r.days)
    last = share.values[:, window]
    # no member held points in the window (a log of sign-ups only): no share to judge
    value = float(np.nanmean(last)) if np.isfinite(last).any() else float("nan")
    passed = value >= threshold
    if passed:
        advice = "healthy"
    elif np.isnan(value):
        advice = "no member held points in the last 30 days: there is no consumer share yet"
    else:
        shown, limit = shares_apart(value, threshold)
        advice = (
            f"only {shown} of point holders consumed in the last 30 days "
            f"(threshold {limit}): add cheaper items or point games so more holders "
            "can spend"
        )
    return Verdict("consumer share", value, threshold, passed, advice, kind="health")


def _plan_verdict(
    checks: tuple[IssuanceCheck, ...], tolerance: float, origin: PopulationOrigin
) -> Verdict:
    findings = issuance_findings(checks, tolerance, origin)
    total_pred = sum(c.predicted for c in checks)
    total_act = sum(c.actual for c in checks)
    dev = total_act / total_pred - 1.0 if total_pred else 0.0
    advice = (
        "; ".join(findings)
        if findings
        else f"actual issuance is within {tolerance:.0%} of prediction for every tier and behaviour"
    )
    return Verdict("issuance on plan", dev, tolerance, not findings, advice, kind="plan")


def health(r: Results, population_origin: PopulationOrigin = "designed") -> Health:
    """The health view of a run: series, issuance checks and verdicts.

    ``population_origin`` says whether the population was designed or fitted from history
    (``econsim fit``); it decides what the issuance advice recommends (metrics/advice.py).
    """
    rate, rate_30d = consumption(r)
    share = consumer_share(r)
    checks = issuance_checks(r)
    verdicts = (
        _consumption_verdict(r, rate),
        _share_verdict(r, share),
        _plan_verdict(checks, r.scenario.health.issuance_tolerance, population_origin),
    )
    actual, predicted = issuance_paths(r)
    return Health(rate, rate_30d, share, checks, actual, predicted, verdicts)
