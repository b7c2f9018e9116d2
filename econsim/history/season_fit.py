"""Seasons from history: monthly, weekday and festival multipliers on repeat buying.

A log's daily purchases mix two things: how many members are still buying (which BG/NBD
describes: a cohort joins and slowly drops out) and when in the year they buy. The engine
multiplies each living member's buying rate by the day's multiplier ``m(d)``, which is the
same as BG/NBD running in *operational time* ``τ(d) = m(0) + … + m(d − 1)``: a busy day is a
longer day. The fit alternates two steps until they agree (a few rounds):

1. with BG/NBD's expected repeat purchases per unit of operational time ``e(d)`` of the
   members who had joined by day ``d``, the actual count is Poisson with mean
   ``e(d) × month(d) × weekday(d) × festival(d)``; iterative proportional fitting gives the
   maximum-likelihood multipliers of that main-effects model;
2. BG/NBD is refitted on every member's history measured in operational time.

Standard errors come from the Poisson information with a quasi-Poisson dispersion, so
day-to-day noise beyond Poisson widens them (the baseline's own uncertainty is not in
them). Months and weekdays are reported normalised to average 1 over the year (the engine
normalises the product again); festivals are relative to their days' month and weekday.

With less than a year of history a month effect cannot be told from the trend of a single
season, so none is fitted (the fit says so in its cautions).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.arrays import F64, I64
from econsim.history import bgnbd
from econsim.history.bgnbd import BGNBD, RepeatPurchases
from econsim.history.estimates import Estimate
from econsim.scenario.season import MONTHS, WEEKDAYS, YEAR, festival_range

RAKE_ROUNDS = 200  # IPF rounds: converged to 1e-10 well before on every log tried
#: Days after joining left out of the season: the joining day holds the first purchase (not
#: a repeat), and the few same-day repeats the engine draws there fall between BG/NBD's days.
SETTLE_DAYS = 1
ROUNDS = 4  # rounds of season ↔ BG/NBD: the multipliers move < 0.1% after the third


@dataclass(frozen=True)
class SeasonFit:
    """Fitted multipliers, their standard errors, and the section of the population."""

    months: dict[str, float]
    weekdays: dict[str, float]
    festivals: dict[str, float]
    se: dict[str, float]  # by "month jan", "weekday sat", "festival NAME"
    dispersion: float
    estimates: tuple[Estimate, ...]
    section: dict[str, Any]  # population.seasonality
    lifecycle: BGNBD  # BG/NBD in operational time: the rates of an average day
    clock: F64  # [window + 1] operational time at the start of each day


def settled_purchases(user: I64, day: I64, first: I64, window: int) -> F64:
    """Purchases per day by members past their first ``SETTLE_DAYS`` (the first purchase,
    on the joining day, among those left out)."""
    settled = day - first[user] >= SETTLE_DAYS
    out: F64 = np.bincount(day[settled], minlength=window).astype(float)[:window]
    return out


def expected_repeats(model: BGNBD, joined: I64, clock: F64) -> F64:
    """BG/NBD's expected repeat purchases per unit of operational time on each day, of the
    members who had joined ``SETTLE_DAYS`` or more before it (``clock[d]``: operational
    time at the start of day d).

    As the engine draws it, a member's joining day holds the first purchase and day ``k``
    after it the operational interval (τ(f + k) − τ(f), τ(f + k + 1) − τ(f)].
    """
    window = clock.size - 1
    days, cohort = np.unique(joined, return_counts=True)
    since = clock[:, None] - clock[None, days]  # [day edge, join day]
    bought = np.asarray(model.expected(np.maximum(since, 0.0)), dtype=float)
    length = np.maximum(np.diff(clock), 1e-12)[:, None]
    rate = np.diff(bought, axis=0) / length  # per unit of operational time
    after = np.arange(window)[:, None] - days[None, :] >= SETTLE_DAYS
    out: F64 = (np.where(after, rate, 0.0) * cohort[None, :]).sum(axis=1)
    return out


def operational(s: RepeatPurchases, first: I64, clock: F64) -> RepeatPurchases:
    """Each member's (x, t_x, T) measured in operational time."""
    last = first + np.rint(s.t_x).astype(np.int64)
    end = first + np.rint(s.T).astype(np.int64)
    return RepeatPurchases(s.x, clock[last] - clock[first], clock[end] - clock[first])


def _keys(start: dt.date, window: int, festivals: Mapping[str, str]) -> tuple[I64, I64, I64]:
    dates = [start + dt.timedelta(days=i) for i in range(window)]
    month = np.array([d.month - 1 for d in dates], np.int64)
    weekday = np.array([d.weekday() for d in dates], np.int64)
    fest = np.full(window, -1, np.int64)
    for k, text in enumerate(festivals.values()):
        lo, hi = festival_range(text)
        fest[[lo <= (d.month, d.day) <= hi for d in dates]] = k
    return month, weekday, fest


def _rake(actual: F64, base: F64, keys: list[tuple[I64, int]]) -> list[F64]:
    """IPF: multipliers per level of each key (−1 = not in any level) for Poisson MLE."""
    factors = [np.ones(size) for _, size in keys]
    for _ in range(RAKE_ROUNDS):
        for (key, size), factor in zip(keys, factors, strict=True):
            mu = base * np.prod([_at(k, f) for (k, _), f in zip(keys, factors, strict=True)], 0)
            inside = key >= 0
            obs = np.bincount(key[inside], weights=actual[inside], minlength=size)
            fit = np.bincount(key[inside], weights=mu[inside], minlength=size)
            factor *= np.where(fit > 0, obs / np.where(fit > 0, fit, 1.0), 1.0)
    return factors


def _at(key: I64, factor: F64) -> F64:
    if factor.size == 0:  # no festivals named
        return np.ones(key.size)
    out: F64 = np.where(key >= 0, factor[np.maximum(key, 0)], 1.0)
    return out


def fit_season(
    events: tuple[I64, I64],
    first: I64,
    s: RepeatPurchases,
    start: dt.date,
    model: BGNBD,
    festivals: Mapping[str, str] | None = None,
) -> SeasonFit:
    """Monthly, weekday and (named) festival multipliers of repeat buying, and BG/NBD refitted
    in operational time. ``events``: (user, day) of every core event; ``first``: each
    member's first day; ``s``: the members' calendar-time BG/NBD summary."""
    festivals = dict(festivals or {})
    window = int(np.max(first + np.rint(s.T).astype(np.int64))) + 1
    actual = settled_purchases(*events, first, window)
    month, weekday, fest = _keys(start, window, festivals)
    keys = [(month, 12), (weekday, 7), (fest, len(festivals))]
    daily = np.ones(window)
    for _ in range(ROUNDS):  # operational time and BG/NBD agree within a few rounds
        base = expected_repeats(model, first, _clock(daily))
        factors = _rake(actual, base, keys)
        daily = _normalised(_product(keys, factors), start)
        model = bgnbd.fit(operational(s, first, _clock(daily)), model)
    mu = base * _product(keys, factors)
    used = mu > 0
    dof = max(int(used.sum()) - 12 - 7 - len(festivals), 1)
    dispersion = max(float(np.sum((actual[used] - mu[used]) ** 2 / mu[used]) / dof), 1.0)
    return _result(actual, keys, factors, festivals, dispersion, start, model)


def _clock(daily: F64) -> F64:
    """Operational time at the start of each day (and after the last)."""
    out: F64 = np.concatenate([[0.0], np.cumsum(daily)])
    return out


def _product(keys: list[tuple[I64, int]], factors: list[F64]) -> F64:
    out: F64 = np.prod([_at(k, f) for (k, _), f in zip(keys, factors, strict=True)], axis=0)
    return out


def _normalised(daily: F64, start: dt.date) -> F64:
    """Scaled to average 1 over the year from ``start`` (as the engine scales a season)."""
    year = daily[:YEAR] if daily.size >= YEAR else daily
    out: F64 = daily / year.mean()
    return out


def _result(
    actual: F64,
    keys: list[tuple[I64, int]],
    factors: list[F64],
    festivals: dict[str, str],
    dispersion: float,
    start: dt.date,
    model: BGNBD,
) -> SeasonFit:
    m, w, f = factors
    year = [start + dt.timedelta(days=i) for i in range(YEAR)]
    m = m / np.mean([m[d.month - 1] for d in year])  # a day-weighted year averages 1
    w = w / w.mean()
    counts = [np.bincount(k[k >= 0], weights=actual[k >= 0], minlength=n) for k, n in keys]
    names = (
        [f"month {x}" for x in MONTHS],
        [f"weekday {x}" for x in WEEKDAYS],
        [f"festival {x}" for x in festivals],
    )
    se: dict[str, float] = {}
    estimates = []
    for labels, values, count in zip(names, (m, w, f), counts, strict=True):
        for label, value, n in zip(labels, values, count, strict=True):
            # Poisson information for a log-linear factor: var(log x) = φ / events
            se[label] = float(value * math.sqrt(dispersion / n)) if n > 0 else math.nan
            estimates.append(Estimate(f"season: {label}", float(value), se[label], int(n)))
    months: dict[str, float] = {x: round(float(v), 4) for x, v in zip(MONTHS, m, strict=True)}
    weekdays: dict[str, float] = {x: round(float(v), 4) for x, v in zip(WEEKDAYS, w, strict=True)}
    fest = {x: round(float(v), 4) for x, v in zip(festivals, f, strict=True)}
    section: dict[str, Any] = {"months": months, "weekdays": weekdays}
    if fest:
        section["festivals"] = {
            name: {"dates": festivals[name], "activity": value} for name, value in fest.items()
        }
    clock = _clock(_normalised(_product(keys, list(factors)), start))
    return SeasonFit(
        months, weekdays, fest, se, dispersion, tuple(estimates), section, model, clock
    )


def parse_festivals(texts: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["singles_day=11-11:11-11", …]`` → {name: dates}; a located error for a bad one."""
    from econsim.errors import Problem, ScenarioError

    out: dict[str, str] = {}
    problems = []
    for text in texts:
        name, sep, dates = (x.strip() for x in text.partition("="))
        try:
            if not sep or not name or dates.count(":") != 1:
                raise ValueError("a festival is NAME=MM-DD:MM-DD")
            festival_range(dates)
        except ValueError as exc:
            message = str(exc)
            hint = "e.g. --festival singles_day=11-11:11-11 (both days included)"
            problems.append(Problem(f"--festival {text}", 0, 0, "", message, hint))
            continue
        if name in out:
            problems.append(Problem(f"--festival {text}", 0, 0, "", "named twice", ""))
        out[name] = dates
    if problems:
        raise ScenarioError(problems)
    return out
