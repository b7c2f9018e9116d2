"""What the advisor judges a design on: per-replication figures, objectives and constraints.

A trial is one design simulated with replications on the study's seed (common random
numbers). Every figure is one value per replication, so a constraint can be judged with
stated confidence over replications rather than on one lucky run: a design meets
"consumer share ≥ 40%" only when the lower end of the confidence interval of its mean is
at or above 40%.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from econsim.arrays import F64
from econsim.metrics import Finance, Metrics, VerdictKind
from econsim.metrics.figures import key_figures
from econsim.metrics.health import WINDOW
from econsim.metrics.inflation import SUPPLY_GROWTH_WARNING
from econsim.metrics.series import ratio
from econsim.results import Results

Direction = Literal["minimize", "maximize"]


def _quiet(reduce: str, values: F64, axis: int = 1) -> F64:
    """``np.nanmean``/``np.nanmax`` along ``axis``; an all-NaN row stays NaN, silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out: F64 = getattr(np, reduce)(values, axis=axis)
    return out


def trial_figures(results: Results, metrics: Metrics) -> dict[str, F64]:
    """The key figures plus what objectives and constraints need, one value per replication."""
    f = metrics.finance
    users = results.total("users").astype(float)
    active = results.total("active").astype(float)
    periods = results.days / results.scenario.design.period_days
    cost = cost_by_period(f).sum(axis=1)
    out = dict(key_figures(results, metrics))
    out["cost_per_active_user"] = ratio(cost, active.mean(axis=1) * periods)
    out["redeemer_share"] = _quiet(
        "nanmean", ratio(results.total("consumers_30d"), users)[:, -WINDOW:]
    )
    out["engagement"] = _quiet("nanmean", ratio(active, users))
    out["peak_burn"] = _quiet("nanmax", ratio(cost_by_period(f), f.budget_per_period.values))
    # the plan verdict pools replications (issuance per exposure): one value for all of them
    plan = abs(metrics.verdict("issuance on plan").value)
    out["plan_deviation"] = np.full(results.replications, plan)
    return out


def cost_by_period(f: Finance) -> F64:
    out: F64 = np.asarray(f.cost_per_period.values, dtype=float)
    return out


@dataclass(frozen=True)
class Objective:
    """A figure to make as small or as large as the box allows."""

    name: str
    figure: str
    direction: Direction
    unit: str  # "money", "share", "money per member"
    description: str


OBJECTIVES: dict[str, Objective] = {
    o.name: o
    for o in (
        Objective(
            "cost_per_active_user",
            "cost_per_active_user",
            "minimize",
            "money",
            "money realised per active member per budget period (lower is better)",
        ),
        Objective(
            "redeemer_share",
            "redeemer_share",
            "maximize",
            "share",
            "share of members who redeemed in the last 30 days, mean of the horizon's last "
            "30 days (higher is better)",
        ),
        Objective(
            "engagement",
            "engagement",
            "maximize",
            "share",
            "share of members active on an average day (higher is better)",
        ),
        Objective(
            "liability",
            "liability",
            "minimize",
            "money",
            "outstanding points liability at the horizon (lower is better)",
        ),
    )
}
DEFAULT_OBJECTIVE = "cost_per_active_user"


@dataclass(frozen=True)
class Constraint:
    """A gating verdict as a constraint: ``figure`` at least (or at most) ``threshold``."""

    name: str  # the verdict's name
    kind: VerdictKind
    figure: str
    threshold: float
    at_least: bool  # True: figure ≥ threshold; False: figure ≤ threshold

    def bound(self, values: F64, confidence: float) -> float:
        """The end of the confidence interval of the mean that must clear the threshold."""
        lo, hi = interval(values, confidence)
        return lo if self.at_least else hi

    def slack(self, values: F64, confidence: float) -> float:
        """Optuna's convention: ≤ 0 when met with ``confidence``, the shortfall otherwise."""
        b = self.bound(values, confidence)
        if not math.isfinite(b):
            return math.inf
        return self.threshold - b if self.at_least else b - self.threshold


def constraints(
    consumption: float, share: float, tolerance: float, fail_on: Iterable[VerdictKind]
) -> tuple[Constraint, ...]:
    """One constraint per verdict of the gating classes (the run's own thresholds)."""
    every = (
        Constraint("consumption rate", "health", "consumption_rate", consumption, True),
        Constraint("consumer share", "health", "consumer_share", share, True),
        Constraint("within budget", "budget", "budget_used", 1.0, False),
        Constraint("every period within budget", "peak", "peak_burn", 1.0, False),
        Constraint(
            "points not inflating", "inflation", "supply_growth", SUPPLY_GROWTH_WARNING, False
        ),
        Constraint("issuance on plan", "plan", "plan_deviation", tolerance, False),
    )
    gating = set(fail_on)
    return tuple(c for c in every if c.kind in gating)


def interval(values: Sequence[float] | F64, confidence: float) -> tuple[float, float]:
    """The two-sided Student-t interval of the mean over replications.

    Replications share nothing but the design, so they are independent draws of the figure;
    with fewer than two there is no interval (NaN).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return math.nan, math.nan
    mean = float(x.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean - half, mean + half
