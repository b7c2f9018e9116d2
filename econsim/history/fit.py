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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from econsim.arrays import F64, I64
from econsim.engine.model import Model, compile_model
from econsim.errors import Problem
from econsim.history import bgnbd
from econsim.history.estimates import AmountFit as AmountFit
from econsim.history.estimates import Estimate, propensity_estimates, tier_estimates, user_tiers
from econsim.history.events import EventLog, EventLogError
from econsim.history.season_fit import fit_season, operational
from econsim.history.window import AsOf, as_of_day, open_log
from econsim.protocol import html_table, pandas
from econsim.scenario.schema import Scenario
from econsim.scenario.variants import with_overrides

if TYPE_CHECKING:
    import pandas as pd

DORMANCY_QUANTILE = 0.9
#: A calibration window shorter than this misses part of the seasonal cycle.
SEASON_DAYS = 365
#: Users with repeat purchases needed to fit BG/NBD.
MIN_REPEAT_BUYERS = 10


def significant(x: float) -> float:
    """``x`` to 6 significant figures: a small fitted rate (BG/NBD's ``a`` near 0, a rare
    behaviour's frequency) keeps its value where rounding to 6 decimals made it 0."""
    return float(f"{x:.6g}")


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
    user_tier: I64
    p_alive: F64
    buying: bgnbd.RepeatPurchases  # each user's repeat purchases, last purchase and time observed
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


def _purchases(log: EventLog, model: Model) -> tuple[I64, I64]:
    """(user, day) of every core event: the purchases BG/NBD counts (several a day count
    as several, as the engine simulates them)."""
    nb = len(model.behaviours)
    core = np.zeros(log.event.size, bool)
    core[log.event < nb] = model.is_core[log.event[log.event < nb]]
    if not core.any():  # no core behaviour: any behaviour is activity
        core = log.event < nb
    return log.user[core], log.day[core]


def repeat_purchases(log: EventLog, model: Model, window: int) -> bgnbd.RepeatPurchases:
    """BG/NBD's (x, t_x, T) per user over ``window`` days (users without purchases: x = 0)."""
    user, day = _purchases(log, model)
    n = len(log.users)
    first = log.first_day().astype(float)
    last = np.full(n, -1.0)
    np.maximum.at(last, user, day.astype(float))
    count = np.bincount(user, minlength=n).astype(float)
    x = np.maximum(count - 1, 0.0)
    t_x = np.where(count > 0, last - first, 0.0)
    return bgnbd.RepeatPurchases(x, t_x, (window - 1) - first)


def fit_history(
    log: EventLog,
    design: Scenario,
    as_of: int | None = None,
    initial_days: int | None = None,
    *,
    season: bool = True,
    festivals: Mapping[str, str] | None = None,
) -> Fit:
    """Estimate the population of ``design`` from ``log`` (up to day ``as_of``, inclusive).

    Users first seen within ``initial_days`` of the log's start are its initial members;
    later first events are acquisitions. By default that is the dormancy threshold (a
    member rarely stays quiet longer); ``initial_days=0`` reads the log as a cohort whose
    members join with their first event (like CDNOW's customers).

    With a year or more of history (and ``season``), monthly and weekday multipliers of
    repeat buying are fitted, and a festival effect for each of ``festivals`` (name →
    ``MM-DD:MM-DD``); with less, none (history/season_fit.py says why).
    """
    last = log.days - 1 if as_of is None else as_of
    log = log.until(last)
    window = last + 1
    model = compile_model(design)
    _check_core_amounts(log, model)
    tier = user_tiers(log, model, window)
    first = log.first_day()
    periods = np.maximum(window - first, 1) / design.design.period_days
    found = tier_estimates(log, model, tier, periods)
    propensity_estimates(log, model, tier, found)
    s = repeat_purchases(log, model, window)
    dormant_after, gaps = _dormancy(log)
    cutoff = dormant_after if initial_days is None else initial_days
    joins, join_estimates = _acquisition(first, window, cutoff, cohort=initial_days == 0)
    lifecycle, fit_estimates, fitted = _repeat_buying(s, dormant_after, gaps)
    seasonal = None
    if season and fitted is not None and window >= SEASON_DAYS:
        # the season and BG/NBD in operational time, fitted together (history/season_fit.py)
        seasonal = fit_season(_purchases(log, model), first, s, log.start, fitted, festivals)
        lifecycle, fit_estimates, fitted = _repeat_buying(
            s, dormant_after, gaps, seasonal.lifecycle
        )
    pop: dict[str, Any] = {"tiers": found.tiers, **joins, "lifecycle": lifecycle}
    if fitted is not None:
        means = {(a.tier, a.behaviour): a.mean for a in found.amounts}
        _alive_rates(model, pop, found.rates, fitted, means)
    pop |= _kept(design)
    estimates = [*found.estimates, *join_estimates, *fit_estimates]
    if seasonal is not None:
        pop["seasonality"] = seasonal.section
        estimates += seasonal.estimates
    alive = s if seasonal is None else operational(s, first, seasonal.clock)
    p_alive = fitted.p_alive(alive) if fitted is not None else np.ones(len(log.users))
    return Fit(
        log.source, log.start, window, pop, tuple(estimates), tuple(found.amounts), fitted,
        log.users, tier, p_alive, s, model.tiers,
        (*found.cautions, *_cautions(window, s, fitted, season, festivals or {})),
    )  # fmt: skip


def _check_core_amounts(log: EventLog, model: Model) -> None:
    """A core behaviour earns by its amount: a log that never gives one cannot be fitted."""
    problems = []
    for b, name in enumerate(model.behaviours):
        events = log.event == b
        if model.is_core[b] and events.any() and not (log.amount[events] > 0).any():
            problems.append(
                Problem(
                    log.source, 0, 0, "amount",
                    f"the log has {int(events.sum()):,} '{name}' events and none has an amount "
                    f"above 0, but {name} is a core behaviour of the design (it earns per unit "
                    "of amount)",
                    "add the amount column (what each event spent), or make the behaviour "
                    "non_core in the design",
                )
            )  # fmt: skip
    if problems:
        raise EventLogError(problems)


def _kept(design: Scenario) -> dict[str, Any]:
    """The design's population fields a log cannot tell (catalog taste, games, referrals)."""
    base = design.population.model_dump(mode="json", exclude_defaults=True)
    keys = ("catalog_preference", "game_play_probability", "retarget_probability",
            "referral_rate", "uptake_scale")  # fmt: skip
    return {key: base[key] for key in keys if key in base}


def fit(
    events: EventLog | Path | str,
    design: Scenario | Path | str,
    *,
    as_of: AsOf = None,
    initial_days: int | None = None,
    overrides: Sequence[str] = (),
    season: bool = True,
    festivals: Mapping[str, str] | None = None,
) -> Fit:
    """``econsim fit``: the population of ``design`` estimated from an event log.

    ``events`` is a CSV/Parquet path or a log from :func:`~econsim.read_events`;
    ``design`` a scenario file or Scenario, with ``overrides`` applied as everywhere;
    ``as_of`` the last day of history to use (a date or ``YYYY-MM-DD``; default the log's
    last day); ``initial_days``, ``season`` and ``festivals`` (name → ``MM-DD:MM-DD``) as
    for :func:`fit_history`.
    """
    scenario = with_overrides(design, overrides)
    log = open_log(events, list(scenario.design.behaviours))
    day = as_of_day(log, as_of)
    return fit_history(log, scenario, day, initial_days, season=season, festivals=festivals)


def _cautions(
    window: int,
    s: bgnbd.RepeatPurchases,
    lifecycle: bgnbd.BGNBD | None,
    season: bool,
    festivals: Mapping[str, str],
) -> tuple[str, ...]:
    """What a user should know before trusting the fitted population."""
    out = []
    if window < SEASON_DAYS:
        named = f" nor the festivals named ({', '.join(festivals)})" if festivals else ""
        out.append(
            f"fitted on {window} days, less than a year: the rates are this window's average "
            "and know nothing of a season outside it (a December peak, a summer lull); no "
            f"monthly or weekday multipliers{named} were fitted; fit on a full year "
            "(--as-of) when the log has one"
        )
    elif festivals and not season:
        out.append("--festival is ignored without the season fit (--no-season was given)")
    if lifecycle is None:
        out.append(
            f"only {int((s.x > 0).sum())} users bought more than once (BG/NBD needs "
            f"{MIN_REPEAT_BUYERS}): the lifecycle has no repeat buying or drop-out model"
            + (" and no season was fitted" if window >= SEASON_DAYS and season else "")
        )
    return tuple(out)


def _dormancy(log: EventLog) -> tuple[int, int]:
    """Days of silence after which a member counts as dormant (90% of gaps are shorter),
    and the number of gaps between active days behind it."""
    order = np.lexsort((log.day, log.user))
    u, d = log.user[order], log.day[order]
    same = u[1:] == u[:-1]
    gaps = (d[1:] - d[:-1])[same & (d[1:] > d[:-1])]
    dormant_after = int(np.ceil(np.quantile(gaps, DORMANCY_QUANTILE))) if gaps.size else 30
    return dormant_after, int(gaps.size)


def _acquisition(
    first: I64, window: int, cutoff: int, cohort: bool
) -> tuple[dict[str, Any], list[Estimate]]:
    """Initial users (first seen by ``cutoff``) and acquisitions per day after it."""
    initial = int((first <= cutoff).sum())
    later = first[first > cutoff]
    last_join = int(later.max()) if later.size else cutoff
    span = max(last_join - cutoff, 1)
    rate = later.size / span if later.size else 0.0
    pop: dict[str, Any] = {"users": max(initial, 1)}
    if cohort and later.size:
        # a cohort: day 0's first events are arrivals too (the engine acquires on day 0)
        rate = (later.size + initial) / (last_join + 1)
        pop["users"] = max(round(initial - rate), 1)
    pop["acquisition_per_day"] = significant(rate)
    if later.size and last_join < window - 30:
        pop["acquisition_days"] = last_join + 1  # arrivals stopped well before the log's end
    return pop, [
        Estimate("initial users", float(pop["users"]), float("nan"), initial),
        Estimate("new users per day", rate, math.sqrt(later.size) / span, int(later.size)),
    ]


def _repeat_buying(
    s: bgnbd.RepeatPurchases, dormant_after: int, gaps: int, fitted: bgnbd.BGNBD | None = None
) -> tuple[dict[str, Any], list[Estimate], bgnbd.BGNBD | None]:
    """The lifecycle section: dormancy, and BG/NBD when enough users bought again
    (``fitted``: already fitted, e.g. in operational time with the season)."""
    lifecycle: dict[str, Any] = {
        "enabled": True,
        "dormant_after_days": max(dormant_after, 1),
        "activity_dormant": 1.0,  # BG/NBD drop-out explains the slow-down; no second penalty
        "activity_new": 1.0,
    }
    name = "dormant after days (90% of gaps are shorter)"
    estimates = [Estimate(name, float(dormant_after), float("nan"), gaps)]
    if (s.x > 0).sum() < MIN_REPEAT_BUYERS:
        return lifecycle, estimates, None
    fitted = fitted or bgnbd.fit(s)
    estimates += [
        Estimate(f"BG/NBD {n}", getattr(fitted, n), fitted.se[n], fitted.users) for n in bgnbd.NAMES
    ]
    # b → ∞ (a short window in which no one was lost): no drop-out rate can be told, and
    # the section is left out, as when too few bought again (no scenario holds 10^12 here)
    if max(fitted.a, fitted.b) <= 1e12:
        lifecycle["repeat_buying"] = {
            "rate_shape": significant(fitted.r),
            "dropout_a": significant(fitted.a),
            "dropout_b": significant(fitted.b),
        }
    return lifecycle, estimates, fitted


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
    if not math.isfinite(factor):  # a degenerate BG/NBD fit: keep the observed rates
        return
    for t, tname in enumerate(model.tiers):
        for b in core:
            entry = pop["tiers"][tname]["core"].get(model.behaviours[b])
            if entry is None:
                continue
            entry["frequency"] = significant(max(entry["frequency"] * factor, 1e-9))
            # the engine's mean amount is uptake × cap / frequency: keep the observed mean
            fit_mean = means.get((tname, model.behaviours[b]))
            if fit_mean is not None:
                cap = float(model.cap[t, b])
                uptake = min(entry["frequency"] * fit_mean / cap, 1.0)
                pop["tiers"][tname]["uptake"][model.behaviours[b]] = round(uptake, 6)
