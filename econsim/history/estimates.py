"""The per-tier estimates of a fit: tier shares, uptake, core frequencies and amounts, and
redemption propensity (docs/history.md); :mod:`econsim.history.fit` puts them together.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from econsim.arrays import F64, I64
from econsim.engine.model import Model
from econsim.history import propensity
from econsim.history.events import REDEMPTION, EventLog
from econsim.history.rfm import rfm_classes
from econsim.scenario.earning_rule import points_for, realised_uptake

FAMILIES = {"lognormal": stats.lognorm, "gamma": stats.gamma, "exponential": stats.expon}


@dataclass(frozen=True)
class Estimate:
    """One estimated figure with its standard error."""

    name: str
    value: float
    se: float
    n: int  # users (or observations) behind it


@dataclass(frozen=True)
class AmountFit:
    """The fitted distribution of one core behaviour's amount per occurrence in one tier."""

    tier: str
    behaviour: str
    distribution: str
    mean: float
    cv: float
    ks: float  # Kolmogorov–Smirnov distance between the data and the fitted distribution
    n: int
    amounts: F64 = field(repr=False)
    fitted: Any = field(repr=False)  # the frozen scipy distribution


def _mean_se(values: F64) -> tuple[float, float]:
    if values.size == 0:
        return float("nan"), float("nan")
    se = float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else float("nan")
    return float(values.mean()), se


def _points(log: EventLog, model: Model, tier: I64) -> F64:
    """Points each event earned under the design (caps and campaigns aside)."""
    nb = len(model.behaviours)
    b = np.minimum(log.event, nb - 1)
    behaviour = log.event < nb
    t = tier[log.user]
    points = np.array([model.scenario.design.behaviours[x].points for x in model.behaviours])
    # a non-core event is one occurrence; a core event earns by its amount, floored
    quantity = np.where(model.is_core[b], np.nan_to_num(log.amount, nan=0.0), 1.0)
    earned = points_for(quantity, model.unit[b], points[b], model.tier_mult[t, b])
    raw = np.where(model.is_core[b], np.floor(earned + 1e-9), earned)
    out: F64 = np.where(behaviour, raw, 0.0)
    return out


def user_tiers(log: EventLog, model: Model, window: int) -> I64:
    """Each user's tier at the end of the log, by the design's rules (or RFM classes)."""
    s = model.scenario
    n_users = len(log.users)
    nt = len(model.tiers)
    if nt == 1:
        return np.zeros(n_users, np.int64)
    if model.fixed_tiers:
        value = rfm_classes(log, window - 1).value  # 0 (lowest) … 7 (highest)
        return np.minimum(value * nt // 8, nt - 1).astype(np.int64)
    recent = log.day > window - 1 - s.design.tier_review.every_days
    if model.tier_metric_is_core:
        core = np.zeros(log.event.size, bool)
        nb = len(model.behaviours)
        core[log.event < nb] = model.is_core[log.event[log.event < nb]]
        metric = np.bincount(
            log.user[recent & core],
            weights=np.nan_to_num(log.amount[recent & core]),
            minlength=n_users,
        )
    else:
        pts = _points(log, model, np.zeros(n_users, np.int64))
        metric = np.bincount(log.user[recent], weights=pts[recent], minlength=n_users)
    tier = np.searchsorted(model.tier_thresholds, metric, side="right") - 1
    return np.maximum(tier, 0).astype(np.int64)


#: Fewer positive amounts than this and a behaviour's amounts keep the design's default.
MIN_AMOUNTS = 5


def _fit_amounts(x: F64, tier: str, behaviour: str) -> AmountFit | None:
    """The best of lognormal, gamma and exponential by AIC (location fixed at 0); "fixed"
    when every amount is the same (one product at one price); None with too few amounts."""
    x = x[np.isfinite(x) & (x > 0)]
    if x.size < MIN_AMOUNTS:
        return None
    if float(np.ptp(x)) <= 1e-9 * float(x.max()):  # no spread to fit a family to
        return AmountFit(tier, behaviour, "fixed", float(x.mean()), 0.0, 0.0, int(x.size), x, None)
    best: tuple[float, str, Any] | None = None
    for name, dist in FAMILIES.items():
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a family that fits badly
            try:
                params = dist.fit(x, floc=0)
            except (ValueError, FloatingPointError, RuntimeError):
                continue  # this family cannot describe these amounts; the others may
            k = len(params) - 1  # loc is fixed
            aic = 2 * k - 2 * float(np.sum(dist.logpdf(x, *params)))
        if math.isfinite(aic) and (best is None or aic < best[0]):
            best = (aic, name, dist(*params))
    if best is None:
        return None
    _, name, frozen = best
    mean, var = (float(v) for v in frozen.stats(moments="mv"))
    ks = float(stats.kstest(x, frozen.cdf).statistic)
    cv = math.sqrt(var) / mean
    return AmountFit(tier, behaviour, name, mean, cv, ks, int(x.size), x, frozen)


def _propensity(log: EventLog, model: Model, tier: I64) -> tuple[F64, F64, I64]:
    """Redemption propensity per tier by maximum likelihood (econsim.history.propensity).

    Balances are rebuilt from the design's point values, day by day.
    Returns (value, se, user-days behind it) per tier.
    """
    nt = len(model.tiers)
    red = log.of(REDEMPTION)
    prices = np.array([model.scenario.design.catalog[k].points_price for k in model.items], float)
    code = {k: i for i, k in enumerate(model.items)}
    cheapest = int(np.argmin(prices))
    item = np.array(
        [code.get(it, cheapest) if r else -1 for it, r in zip(log.item, red, strict=True)]
    )
    earned = _points(log, model, tier)
    key = log.user * (log.days + 1) + log.day  # one entry per user-day with events
    days_key, inv = np.unique(key, return_inverse=True)
    u, d = days_key // (log.days + 1), days_key % (log.days + 1)
    earn = np.bincount(inv, weights=earned, minlength=u.size)
    spent = np.where(item >= 0, prices[np.maximum(item, 0)], 0.0)
    spend = np.bincount(inv, weights=spent, minlength=u.size)
    day_item = np.full(u.size, -1, np.int64)
    day_item[inv[item >= 0]] = item[item >= 0]
    end = np.cumsum(earn - spend)
    starts = np.r_[0, np.nonzero(np.diff(u))[0] + 1]
    end -= np.repeat(np.r_[0.0, end[starts[1:] - 1]], np.diff(np.r_[starts, u.size]))
    before = end + spend  # the balance when the day's redemption is decided
    retarget = model.scenario.population.retarget_probability
    out = np.full(nt, np.nan), np.full(nt, np.nan), np.zeros(nt, np.int64)
    for t in range(nt):
        members = np.nonzero(tier == t)[0]
        if members.size * log.days > propensity.MAX_CELLS:
            # a fixed random sample of the tier's users keeps the user-day grid in memory
            keep = propensity.MAX_CELLS // max(log.days, 1)
            members = np.sort(np.random.default_rng(0).choice(members, keep, replace=False))
        index = np.full(tier.size, -1)
        index[members] = np.arange(members.size)
        rows = index[u] >= 0
        days = propensity.user_days(
            index[u[rows]], d[rows], before[rows], end[rows], day_item[rows],
            members.size, log.days,
        )  # fmt: skip
        value, se = propensity.fit_propensity(days, prices, model.item_pref, retarget)
        out[0][t], out[1][t], out[2][t] = value, se, int(days.counts.sum())
    return out


@dataclass
class TierEstimates:
    """What the per-tier estimates add up to: the population's tiers and the evidence."""

    tiers: dict[str, Any] = field(default_factory=dict)  # population.tiers of the scenario
    estimates: list[Estimate] = field(default_factory=list)
    amounts: list[AmountFit] = field(default_factory=list)
    rates: dict[tuple[int, int], float] = field(default_factory=dict)  # (tier, core) → freq
    cautions: list[str] = field(default_factory=list)  # what these estimates could not know


def tier_shares(tier: I64, model: Model) -> tuple[F64, list[Estimate]]:
    """Each tier's share of the users, with its binomial standard error."""
    n_users = tier.size
    counts = np.bincount(tier, minlength=len(model.tiers))
    estimates = []
    for t, name in enumerate(model.tiers):
        share = counts[t] / n_users
        se = math.sqrt(share * (1 - share) / n_users)
        estimates.append(Estimate(f"share of tier {name}", share, se, n_users))
    shares: F64 = counts / n_users
    return shares, estimates


def _to_one(shares: F64, places: int = 6) -> list[float]:
    """Shares rounded to ``places`` decimals that still add up to 1: the rounding's residue
    goes to the largest (three shares each rounded could miss 1 by 1.5e-6, past what a
    scenario's check allows, and the fitted population would not run)."""
    out = [round(float(x), places) for x in shares]
    if out:
        largest = int(np.argmax(shares))
        out[largest] = round(1.0 - sum(x for i, x in enumerate(out) if i != largest), places)
    return out


def tier_estimates(log: EventLog, model: Model, tier: I64, periods: F64) -> TierEstimates:
    """Shares, uptake, core frequencies and amounts of every tier."""
    shares, share_estimates = tier_shares(tier, model)
    out = TierEstimates(estimates=share_estimates)
    written = _to_one(shares)
    for t, tname in enumerate(model.tiers):
        entry: dict[str, Any] = {"share": written[t], "uptake": {}, "core": {}}
        for b in range(len(model.behaviours)):
            _behaviour_estimates(log, model, tier == t, (t, b), periods, entry, out)
        out.tiers[tname] = entry
    return out


def _behaviour_estimates(
    log: EventLog,
    model: Model,
    members: NDArray[np.bool_],
    tb: tuple[int, int],
    periods: F64,
    entry: dict[str, Any],
    out: TierEstimates,
) -> None:
    """Uptake of one behaviour in one tier (and, when core, its frequency and amounts)."""
    t, b = tb
    tname, bname = model.tiers[t], model.behaviours[b]
    n_users = len(log.users)
    in_tier = (log.event == b) & members[log.user]
    cap = float(model.cap[t, b])
    occ = np.bincount(log.user[in_tier], minlength=n_users)[members]
    per_period = occ / periods[members]
    if model.is_core[b]:
        amount = np.bincount(
            log.user[in_tier], weights=np.nan_to_num(log.amount[in_tier]), minlength=n_users
        )[members]
        freq, freq_se = _mean_se(occ / periods[members])
        out.rates[(t, b)] = freq
        out.estimates.append(
            Estimate(f"{bname} per period, tier {tname}", freq, freq_se, int(members.sum()))
        )
        fit_b = _fit_amounts(log.amount[in_tier], tname, bname)
        if fit_b is None and in_tier.any():
            out.cautions.append(
                f"{bname} in tier {tname}: fewer than {MIN_AMOUNTS} events with an amount "
                "above 0, so its amounts are not fitted (the design's default shape is kept "
                "and its uptake counts occurrences without amounts as 0)"
            )
        if fit_b is not None and math.isfinite(freq):
            out.amounts.append(fit_b)
            entry["core"][bname] = {
                "frequency": max(freq, 1e-9),
                "amount": {"distribution": fit_b.distribution, "cv": round(fit_b.cv, 6)},
            }
        per_period = amount / periods[members]
    uptake, uptake_se = _mean_se(realised_uptake(per_period, cap))
    out.estimates.append(
        Estimate(f"uptake of {bname}, tier {tname}", uptake, uptake_se, int(members.sum()))
    )
    entry["uptake"][bname] = round(float(np.clip(np.nan_to_num(uptake), 0.0, 1.0)), 6)


def propensity_estimates(log: EventLog, model: Model, tier: I64, out: TierEstimates) -> None:
    """Redemption propensity per tier, when the log has redemptions."""
    if not log.of(REDEMPTION).any():
        return
    p, p_se, days = _propensity(log, model, tier)
    for t, tname in enumerate(model.tiers):
        out.estimates.append(
            Estimate(
                f"redemption propensity, tier {tname}", float(p[t]), float(p_se[t]), int(days[t])
            )
        )
        if np.isfinite(p[t]):
            out.tiers[tname]["redemption_propensity"] = round(float(p[t]), 6)
