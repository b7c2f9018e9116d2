"""Key figures per replication: the numbers a sweep or a comparison puts side by side.

Each figure is one value per replication, so that a sweep point carries its Monte Carlo
spread and two designs run on the same seeds can be compared replication by replication.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from econsim.arrays import F64
from econsim.metrics import Metrics
from econsim.metrics.finance import breakage_by_replication
from econsim.metrics.health import WINDOW
from econsim.metrics.inflation import TRAILING_MONTHS
from econsim.metrics.series import ratio
from econsim.results import Results


@dataclass(frozen=True)
class Figure:
    """What a key figure means, its unit, and the threshold it is judged against."""

    name: str
    unit: str  # "share", "points", "money", "index"
    description: str


FIGURES = (
    Figure("consumption_rate", "share", "points consumed / points issued, over the horizon"),
    Figure(
        "consumption_rate_30d",
        "share",
        "consumed / issued over the last 30 days (can exceed 100%: saved points spent)",
    ),
    Figure("consumer_share", "share", "consumers / point holders, mean of the last 30 days"),
    Figure("issued", "points", "points issued over the horizon"),
    Figure("consumed", "points", "points consumed over the horizon"),
    Figure("expired", "points", "points expired over the horizon"),
    Figure("outstanding", "points", "points outstanding at the horizon"),
    Figure("cost", "money", "money realised over the horizon"),
    Figure("budget_used", "share", "money realised / budget over the horizon"),
    Figure("liability", "money", "outstanding liability at the horizon"),
    Figure(
        "breakage",
        "share",
        "share of issued points never redeemed: observed or estimated; NaN if unobserved",
    ),
    Figure("supply_growth", "share", "monthly growth of outstanding points per user, last 3"),
    Figure("price_index", "index", "catalog price index at the horizon (day 0 = 1)"),
    Figure("mau", "users", "members with a behaviour in the last 30 days, at the horizon"),
    Figure("stickiness", "share", "mean DAU over the last 30 days / MAU, at the horizon"),
    Figure("retention_d7", "share", "new members active 7 days after joining, all cohorts"),
    Figure("retention_d30", "share", "new members active 30 days after joining, all cohorts"),
    Figure("repurchase_rate", "share", "members with 2+ core purchases / with 1+, at the horizon"),
    Figure("new_old_ratio", "index", "new members / returning active member-days, last 30 days"),
    Figure("participants", "users", "members who took part in packaged campaigns (NaN: none)"),
    Figure(
        "cost_per_participant",
        "money",
        "packaged campaigns' reward cost / participants (NaN: no packaged campaign)",
    ),
    Figure("coupon_uplift", "money", "extra core amount from threshold-coupon top-ups (NaN: none)"),
)
NAMES = tuple(f.name for f in FIGURES)
#: Each key figure's unit, by name.
UNITS = {f.name: f.unit for f in FIGURES}

#: How reports and the terminal name a key figure (JSON and CSV keep the identifiers).
LABELS = {
    "consumption_rate": "consumption rate",
    "consumption_rate_30d": "consumption rate (30 days)",
    "consumer_share": "consumer share (30 days)",
    "issued": "points issued",
    "consumed": "points consumed",
    "expired": "points expired",
    "outstanding": "points outstanding",
    "budget_used": "budget used",
    "supply_growth": "supply growth per month",
    "mau": "MAU",
    "retention_d7": "retention at day 7",
    "retention_d30": "retention at day 30",
    "new_old_ratio": "new / returning members",
    "cost_per_participant": "cost per participant",
}


def figure_label(name: str, currency: str = "") -> str:
    """A key figure's name for a reader: words, with the currency of a money figure."""
    label = LABELS.get(name, name.replace("_", " "))
    return f"{label} ({currency})" if UNITS.get(name) == "money" and currency else label


def _recent_mean(values: F64, window: int) -> F64:
    recent = values[:, -window:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN window stays NaN
        out: F64 = np.nanmean(recent, axis=1)
    return out


def key_figures(results: Results, metrics: Metrics) -> dict[str, F64]:
    """Every key figure, one value per replication (same order as ``FIGURES``)."""
    h, i, f = metrics.health, metrics.inflation, metrics.finance
    cost = f.cost_per_period.values.sum(axis=1)
    budget = f.budget_per_period.values.sum(axis=1)
    out = {
        "consumption_rate": h.consumption_rate.values[:, -1],
        "consumption_rate_30d": h.consumption_rate_30d.values[:, -1],
        "consumer_share": _recent_mean(h.consumer_share.values, WINDOW),
        "issued": results.total("issued").sum(axis=1),
        "consumed": results.total("redeemed").sum(axis=1),
        "expired": results.total("expired").sum(axis=1),
        "outstanding": results.total("outstanding")[:, -1],
        "cost": cost,
        "budget_used": ratio(cost, budget),
        "liability": f.liability.values[:, -1],
        "breakage": breakage_by_replication(results, f, metrics.urr_method),
        "supply_growth": _recent_mean(i.supply_growth.values, TRAILING_MONTHS),
        "price_index": i.price_index.values[:, -1],
        "mau": metrics.activity.mau.values[:, -1],
        "stickiness": metrics.activity.stickiness.values[:, -1],
        "retention_d7": _retention(metrics, 7, results.replications),
        "retention_d30": _retention(metrics, 30, results.replications),
        "repurchase_rate": metrics.growth.repurchase_rate.values[:, -1],
        "new_old_ratio": metrics.growth.new_old_30d,
        **_campaign_figures(results),
    }
    return {name: np.asarray(out[name], dtype=np.float64) for name in NAMES}


def _campaign_figures(results: Results) -> dict[str, F64]:
    """Participants and cost per participant over every packaged campaign, and the threshold
    coupons' uplift: NaN in a design without them (nothing to compare, not zero)."""
    nan = np.full(results.replications, np.nan)
    sinks = results.labels["sinks"]
    out = {"participants": nan, "cost_per_participant": nan, "coupon_uplift": nan}
    if results.labels["packaged"]:
        took = results["participants"].sum(axis=(1, 2)).astype(float)
        cols = [sinks.index(f"packaged:{n}") for n in results.labels["packaged"]]
        cost = results["cost"][:, :, cols].sum(axis=(1, 2))
        out["participants"], out["cost_per_participant"] = took, ratio(cost, took)
    threshold = [j for j, n in enumerate(results.labels["coupons"]) if n.startswith("coupon:")]
    if threshold:
        out["coupon_uplift"] = results["coupon_uplift"][:, :, threshold].sum(axis=(1, 2))
    return out


def _retention(metrics: Metrics, k: int, replications: int) -> F64:
    """Day-k retention per replication; NaN when the scenario counts other days."""
    found = metrics.retention.by_replication.get(k)
    return np.full(replications, np.nan) if found is None else found
