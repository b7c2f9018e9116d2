"""``econsim.fit``: estimate a scenario's population from an event log (docs/history.md).

Every estimate is an average over users with its standard error, or a maximum-likelihood
fit with errors from the observed information:

- **tier shares**: the design's tier rules applied to the last review window of the log
  (or, when the design has no rules, the RFM value classes split over the tiers);
- **uptake** of each behaviour per tier, as the calibration and the engine define it: the
  share of the period cap an average user realises;
- **core frequency** (occurrences per period while alive) and **amount distribution** per
  tier: lognormal, gamma or exponential by maximum likelihood, the best by AIC, with the
  Kolmogorov–Smirnov distance as goodness of fit;
- **redemption propensity** per tier: redemptions per day on which the user could afford the
  cheapest catalog item (balances rebuilt from the design's point values);
- **lifecycle**: the BG/NBD model of repeat buying with drop-out, dormancy and acquisition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from econsim.engine.model import Model, compile_model
from econsim.history import bgnbd, propensity
from econsim.history.events import REDEMPTION, EventLog
from econsim.history.rfm import rfm_classes
from econsim.protocol import html_table, pandas
from econsim.scenario.earning import points_for, realised_uptake
from econsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

F = NDArray[np.float64]
Int = NDArray[np.int64]
#: The amount families tried, by the names the scenario format uses.
FAMILIES = {"lognormal": stats.lognorm, "gamma": stats.gamma, "exponential": stats.expon}
#: Share of gaps between active days shorter than the dormancy threshold.
DORMANCY_QUANTILE = 0.9
#: A calibration window shorter than this misses part of the seasonal cycle.
SEASON_DAYS = 365
#: Users with repeat purchases needed to fit BG/NBD.
MIN_REPEAT_BUYERS = 10


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
    amounts: F = field(repr=False)
    fitted: Any = field(repr=False)  # the frozen scipy distribution


@dataclass(frozen=True)
class Fit:
    """A population estimated from history, with every estimate behind it."""

    source: str
    start: Any  # datetime.date of the log's first day
    window_days: int
    population: dict[str, Any]
    estimates: tuple[Estimate, ...]
    amounts: tuple[AmountFit, ...]
    lifecycle: bgnbd.BGNBD | None
    users: tuple[str, ...]
    user_tier: Int
    p_alive: F
    buying: bgnbd.Summary  # each user's repeat purchases, last purchase and time observed
    tier_names: tuple[str, ...]
    cautions: tuple[str, ...] = ()  # what the estimates cannot know, in words

    def summary(self) -> dict[str, Any]:
        """Every estimate with its standard error, the fitted population and the cautions."""
        return {
            "source": self.source,
            "start": self.start.isoformat(),
            "window_days": self.window_days,
            "users": len(self.users),
            "estimates": {e.name: {"value": e.value, "se": e.se, "n": e.n} for e in self.estimates},
            "population": self.population,
            "cautions": list(self.cautions),
        }

    def to_df(self) -> pd.DataFrame:
        """One row per estimate: value, standard error and users behind it (needs pandas)."""
        rows = [[e.name, e.value, e.se, e.n] for e in self.estimates]
        frame = pandas().DataFrame(rows, columns=["estimate", "value", "standard_error", "n"])
        return frame.set_index("estimate")

    def _repr_html_(self) -> str:
        rows = [[e.name, f"{e.value:,.4g}", f"± {e.se:,.2g}"] for e in self.estimates]
        rows += [["caution", c, ""] for c in self.cautions]
        return html_table(f"Fit of {self.source} ({self.window_days} days)", rows)

    def scenario(self, design: Scenario) -> Scenario:
        """The design with this population, starting on the log's first day."""
        from econsim.scenario.load import scenario_from_dict

        data = design.model_dump(mode="json", exclude_defaults=True)
        data["population"] = self.population
        data["start_date"] = self.start.isoformat()
        return scenario_from_dict(data, f"<fit of {self.source}>")


def _mean_se(values: F) -> tuple[float, float]:
    if values.size == 0:
        return float("nan"), float("nan")
    se = float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else float("nan")
    return float(values.mean()), se


def _points(log: EventLog, model: Model, tier: Int) -> F:
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
    out: F = np.where(behaviour, raw, 0.0)
    return out


def user_tiers(log: EventLog, model: Model, window: int) -> Int:
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


def _fit_amounts(x: F, tier: str, behaviour: str) -> AmountFit:
    """The best of lognormal, gamma and exponential by AIC (location fixed at 0)."""
    x = x[x > 0]
    best: tuple[float, str, Any] | None = None
    for name, dist in FAMILIES.items():
        params = dist.fit(x, floc=0)
        k = len(params) - 1  # loc is fixed
        aic = 2 * k - 2 * float(np.sum(dist.logpdf(x, *params)))
        if best is None or aic < best[0]:
            best = (aic, name, dist(*params))
    assert best is not None
    _, name, frozen = best
    mean, var = (float(v) for v in frozen.stats(moments="mv"))
    ks = float(stats.kstest(x, frozen.cdf).statistic)
    cv = math.sqrt(var) / mean
    return AmountFit(tier, behaviour, name, mean, cv, ks, int(x.size), x, frozen)


def _purchases(log: EventLog, model: Model) -> tuple[Int, Int]:
    """(user, day) of every core event: the purchases BG/NBD counts (several a day count
    as several, as the engine simulates them)."""
    nb = len(model.behaviours)
    core = np.zeros(log.event.size, bool)
    core[log.event < nb] = model.is_core[log.event[log.event < nb]]
    if not core.any():  # no core behaviour: any behaviour is activity
        core = log.event < nb
    return log.user[core], log.day[core]


def summary(log: EventLog, model: Model, window: int) -> bgnbd.Summary:
    """BG/NBD's (x, t_x, T) per user over ``window`` days (users without purchases: x = 0)."""
    user, day = _purchases(log, model)
    n = len(log.users)
    first = log.first_day().astype(float)
    last = np.full(n, -1.0)
    np.maximum.at(last, user, day.astype(float))
    count = np.bincount(user, minlength=n).astype(float)
    x = np.maximum(count - 1, 0.0)
    t_x = np.where(count > 0, last - first, 0.0)
    return bgnbd.Summary(x, t_x, (window - 1) - first)


def _propensity(log: EventLog, model: Model, tier: Int) -> tuple[F, F, Int]:
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


def fit_history(
    log: EventLog, design: Scenario, as_of: int | None = None, initial_days: int | None = None
) -> Fit:
    """Estimate the population of ``design`` from ``log`` (up to day ``as_of``, inclusive).

    Users first seen within ``initial_days`` of the log's start are its initial members;
    later first events are acquisitions. By default that is the dormancy threshold (a
    member rarely stays quiet longer); ``initial_days=0`` reads the log as a cohort whose
    members join with their first event (like CDNOW's customers).
    """
    last = log.days - 1 if as_of is None else as_of
    log = log.until(last)
    window = last + 1
    model = compile_model(design)
    period = design.design.period_days
    tier = user_tiers(log, model, window)
    n_users = len(log.users)
    first = log.first_day()
    periods = np.maximum(window - first, 1) / period
    estimates: list[Estimate] = []
    pop: dict[str, Any] = {"tiers": {}}
    counts = np.bincount(tier, minlength=len(model.tiers))
    for t, name in enumerate(model.tiers):
        share = counts[t] / n_users
        se = math.sqrt(share * (1 - share) / n_users)
        estimates.append(Estimate(f"share of tier {name}", share, se, n_users))
    amount_fits: list[AmountFit] = []
    rates: dict[tuple[int, int], float] = {}
    for t, tname in enumerate(model.tiers):
        members = tier == t
        entry: dict[str, Any] = {
            "share": round(float(counts[t] / n_users), 6),
            "uptake": {},
            "core": {},
        }
        for b, bname in enumerate(model.behaviours):
            ev = log.event == b
            in_tier = ev & members[log.user]
            cap = float(model.cap[t, b])
            if model.is_core[b]:
                amount = np.bincount(
                    log.user[in_tier], weights=np.nan_to_num(log.amount[in_tier]), minlength=n_users
                )[members]
                occ = np.bincount(log.user[in_tier], minlength=n_users)[members]
                freq, freq_se = _mean_se(occ / periods[members])
                rates[(t, b)] = freq
                estimates.append(
                    Estimate(f"{bname} per period, tier {tname}", freq, freq_se, int(members.sum()))
                )
                fit_b = (
                    _fit_amounts(log.amount[in_tier], tname, bname) if in_tier.sum() >= 5 else None
                )
                if fit_b is not None:
                    amount_fits.append(fit_b)
                    entry["core"][bname] = {
                        "frequency": max(freq, 1e-9),
                        "amount": {"distribution": fit_b.distribution, "cv": round(fit_b.cv, 6)},
                    }
                per_period = amount / periods[members]
            else:
                occ = np.bincount(log.user[in_tier], minlength=n_users)[members]
                per_period = occ / periods[members]
            uptake, uptake_se = _mean_se(realised_uptake(per_period, cap))
            estimates.append(
                Estimate(f"uptake of {bname}, tier {tname}", uptake, uptake_se, int(members.sum()))
            )
            entry["uptake"][bname] = round(float(np.clip(np.nan_to_num(uptake), 0.0, 1.0)), 6)
        pop["tiers"][tname] = entry
    if log.of(REDEMPTION).any():
        p, p_se, days = _propensity(log, model, tier)
        for t, tname in enumerate(model.tiers):
            estimates.append(
                Estimate(
                    f"redemption propensity, tier {tname}",
                    float(p[t]),
                    float(p_se[t]),
                    int(days[t]),
                )
            )
            if np.isfinite(p[t]):
                pop["tiers"][tname]["redemption_propensity"] = round(float(p[t]), 6)
    s = summary(log, model, window)
    means = {(a.tier, a.behaviour): a.mean for a in amount_fits}
    lifecycle = _lifecycle(log, model, s, window, first, estimates, pop, rates, means, initial_days)
    p_alive = lifecycle.p_alive(s) if lifecycle is not None else np.ones(n_users)
    base = design.population.model_dump(mode="json", exclude_defaults=True)
    for key in (
        "catalog_preference",
        "game_play_probability",
        "retarget_probability",
        "referral_rate",
        "uptake_scale",
    ):
        if key in base:
            pop[key] = base[key]
    return Fit(
        log.source,
        log.start,
        window,
        pop,
        tuple(estimates),
        tuple(amount_fits),
        lifecycle,
        log.users,
        tier,
        p_alive,
        s,
        model.tiers,
        _cautions(window, s, lifecycle),
    )


def _cautions(window: int, s: bgnbd.Summary, lifecycle: bgnbd.BGNBD | None) -> tuple[str, ...]:
    """What a user should know before trusting the fitted population."""
    out = []
    if window < SEASON_DAYS:
        out.append(
            f"fitted on {window} days, less than a year: the rates are this window's average "
            "and know nothing of a season outside it (a December peak, a summer lull); fit "
            "on a full year (--as-of) when the log has one"
        )
    if lifecycle is None:
        out.append(
            f"only {int((s.x > 0).sum())} users bought more than once (BG/NBD needs "
            f"{MIN_REPEAT_BUYERS}): the lifecycle has no repeat buying or drop-out model"
        )
    return tuple(out)


def _lifecycle(
    log: EventLog,
    model: Model,
    s: bgnbd.Summary,
    window: int,
    first: Int,
    estimates: list[Estimate],
    pop: dict[str, Any],
    rates: dict[tuple[int, int], float],
    means: dict[tuple[str, str], float],
    initial_days: int | None,
) -> bgnbd.BGNBD | None:
    """BG/NBD, dormancy and acquisition; core frequencies become rates while alive."""
    order = np.lexsort((log.day, log.user))
    u, d = log.user[order], log.day[order]
    same = u[1:] == u[:-1]
    gaps = (d[1:] - d[:-1])[same & (d[1:] > d[:-1])]
    dormant_after = int(np.ceil(np.quantile(gaps, DORMANCY_QUANTILE))) if gaps.size else 30
    cutoff = dormant_after if initial_days is None else initial_days
    initial = int((first <= cutoff).sum())
    later = first[first > cutoff]
    last_join = int(later.max()) if later.size else cutoff
    span = max(last_join - cutoff, 1)
    rate = later.size / span if later.size else 0.0
    pop["users"] = max(initial, 1)
    if initial_days == 0 and later.size:
        # a cohort: day 0's first events are arrivals too (the engine acquires on day 0)
        rate = (later.size + initial) / (last_join + 1)
        pop["users"] = max(round(initial - rate), 1)
    pop["acquisition_per_day"] = round(rate, 6)
    if later.size and last_join < window - 30:
        pop["acquisition_days"] = last_join + 1  # arrivals stopped well before the log's end
    estimates.append(Estimate("initial users", float(pop["users"]), float("nan"), initial))
    estimates.append(
        Estimate("new users per day", rate, math.sqrt(later.size) / span, int(later.size))
    )
    lifecycle: dict[str, Any] = {
        "enabled": True,
        "dormant_after_days": max(dormant_after, 1),
        "activity_dormant": 1.0,  # BG/NBD drop-out explains the slow-down; no second penalty
        "activity_new": 1.0,
    }
    estimates.append(
        Estimate(
            "dormant after days (90% of gaps are shorter)",
            float(dormant_after),
            float("nan"),
            int(gaps.size),
        )
    )
    fitted: bgnbd.BGNBD | None = None
    if (s.x > 0).sum() >= MIN_REPEAT_BUYERS:
        fitted = bgnbd.fit(s)
        for name in bgnbd.NAMES:
            estimates.append(
                Estimate(f"BG/NBD {name}", getattr(fitted, name), fitted.se[name], fitted.users)
            )
        lifecycle["repeat_buying"] = {
            "rate_shape": round(fitted.r, 6),
            "dropout_a": round(fitted.a, 6),
            "dropout_b": round(fitted.b, 6),
        }
        _alive_rates(model, pop, rates, fitted, means)
    pop["lifecycle"] = lifecycle
    return fitted


def _alive_rates(
    model: Model,
    pop: dict[str, Any],
    rates: dict[tuple[int, int], float],
    fitted: bgnbd.BGNBD,
    means: dict[tuple[str, str], float],
) -> None:
    """Scale core frequencies so the population buys at BG/NBD's rate while alive (r/α).

    Observed frequencies mix living and dropped-out users; the engine applies drop-out
    itself, so it needs the rate of the living. Tier differences are kept.
    """
    shares = np.array([pop["tiers"][t]["share"] for t in model.tiers])
    period = model.scenario.design.period_days
    core = [b for b in range(len(model.behaviours)) if model.is_core[b]]
    observed = sum(shares[t] * rates.get((t, b), 0.0) for t in range(len(shares)) for b in core)
    if observed <= 0:
        return
    factor = fitted.mean_rate * period / observed
    for t, tname in enumerate(model.tiers):
        for b in core:
            entry = pop["tiers"][tname]["core"].get(model.behaviours[b])
            if entry is None:
                continue
            entry["frequency"] = round(max(entry["frequency"] * factor, 1e-9), 6)
            # the engine's mean amount is uptake × cap / frequency: keep the observed mean
            fit_mean = means.get((tname, model.behaviours[b]))
            if fit_mean is not None:
                cap = float(model.cap[t, b])
                uptake = min(entry["frequency"] * fit_mean / cap, 1.0)
                pop["tiers"][tname]["uptake"][model.behaviours[b]] = round(uptake, 6)
