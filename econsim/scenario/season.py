"""The calendar's effect on activity: one multiplier per day and behaviour (issue 23).

``population.seasonality`` gives multipliers by month, by weekday and for named festivals.
This module turns them into the day-by-day tables the engine uses and the plan compares
with, and checks what a schema cannot: festival dates that exist, in order, not
overlapping without a priority.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import get_args

import numpy as np

from econsim.arrays import F64
from econsim.scenario.population import Month, Weekday
from econsim.scenario.schema import Festival, Scenario, Seasonality

Loc = tuple[str | int, ...]
Finding = tuple[Loc, str, str]

MONTHS: tuple[Month, ...] = get_args(Month)
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)
#: The year a normalised season averages 1 over: the 365 days from ``start_date``.
YEAR = 365
_LEAP = 2024  # festival dates are checked against a leap year, so 02-29 is a valid day


def festival_range(dates: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """``'11-01:11-11'`` → ((11, 1), (11, 11)); ValueError naming what is wrong."""
    ends = []
    for part in dates.split(":"):
        month, day = (int(x) for x in part.split("-"))
        try:
            dt.date(_LEAP, month, day)
        except ValueError:
            raise ValueError(f"'{part}' is not a day of the year (MM-DD)") from None
        ends.append((month, day))
    first, last = ends
    if last < first:
        raise ValueError(f"the range ends ({dates.split(':')[1]}) before it starts")
    return first, last


def festival_days(season: Seasonality) -> dict[tuple[int, int], Festival]:
    """(month, day) → the festival that applies on that day of any year (the highest
    priority among those that hold): worked out once for the 366 days of a year, not for
    every day of the horizon (366 festivals over 100 years took 70 s, issue 38)."""
    ranges = [(festival_range(f.dates), f) for f in season.festivals.values()]
    table: dict[tuple[int, int], Festival] = {}
    day = dt.date(_LEAP, 1, 1)
    while day.year == _LEAP:
        key = (day.month, day.day)
        held = [f for (first, last), f in ranges if first <= key <= last]
        if held:
            table[key] = max(held, key=lambda f: f.priority)
        day += dt.timedelta(days=1)
    return table


def _raw(season: Seasonality, dates: list[dt.date], behaviours: tuple[str, ...]) -> F64:
    """[len(dates), B] month × weekday × festival, before normalisation."""
    month = np.array([season.months.get(MONTHS[d.month - 1], 1.0) for d in dates])
    weekday = np.array([season.weekdays.get(WEEKDAYS[d.weekday()], 1.0) for d in dates])
    out = np.repeat((month * weekday)[:, None], len(behaviours), axis=1)
    festivals = festival_days(season)
    for i, date in enumerate(dates):
        festival = festivals.get((date.month, date.day))
        if festival is not None:
            out[i] *= [festival.behaviours.get(b, festival.activity) for b in behaviours]
    return out


def _dates(start: dt.date, days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(days)]


def daily_multipliers(s: Scenario) -> F64 | None:
    """[D, B] each day's multiplier on each behaviour's rate; None without a season."""
    season = s.population.seasonality
    if season is None:
        return None
    behaviours = tuple(s.design.behaviours)
    raw = _raw(season, _dates(s.start_date, s.horizon_days), behaviours)
    if season.normalise:
        year = _raw(season, _dates(s.start_date, YEAR), behaviours).mean(axis=0)
        raw = raw / np.where(year > 0, year, 1.0)
    return raw


def redemption_multipliers(s: Scenario) -> F64 | None:
    """[D] each day's multiplier on redemption propensity (festivals only, as written)."""
    season = s.population.seasonality
    if season is None or all(f.redemption == 1.0 for f in season.festivals.values()):
        return None
    festivals = festival_days(season)
    out = []
    for date in _dates(s.start_date, s.horizon_days):
        festival = festivals.get((date.month, date.day))
        out.append(festival.redemption if festival is not None else 1.0)
    return np.array(out)


def period_factors(s: Scenario) -> F64:
    """[P, B] the mean multiplier of each period: the season in the per-period plan."""
    days = s.horizon_days
    period = np.arange(days) // s.design.period_days
    daily = daily_multipliers(s)
    if daily is None:
        return np.ones((int(period[-1]) + 1, len(s.design.behaviours)))
    counts = np.bincount(period)
    return np.stack(
        [np.bincount(period, weights=daily[:, b]) / counts for b in range(daily.shape[1])],
        axis=1,
    )


def horizon_factors(s: Scenario) -> F64:
    """[B] the mean multiplier over the horizon (1 for a full normalised year)."""
    daily = daily_multipliers(s)
    return np.ones(len(s.design.behaviours)) if daily is None else daily.mean(axis=0)


def check_seasonality(s: Scenario) -> Iterator[Finding]:
    """Festival dates that exist and are in order, known behaviours, a priority on overlaps."""
    season = s.population.seasonality
    if season is None:
        return
    loc: Loc = ("population", "seasonality", "festivals")
    ranges: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
    for name, festival in season.festivals.items():
        try:
            ranges[name] = festival_range(festival.dates)
        except ValueError as exc:
            yield (*loc, name, "dates"), str(exc), "write MM-DD:MM-DD, e.g. '11-01:11-11'"
        for b in festival.behaviours:
            if b not in s.design.behaviours:
                yield (*loc, name, "behaviours", b), f"unknown behaviour '{b}'", ""
    yield from _overlaps(season, ranges, loc)
    if season.normalise and len(ranges) == len(season.festivals):  # every range readable
        yield from _check_average(s)


def _overlaps(
    season: Seasonality, ranges: dict[str, tuple[tuple[int, int], tuple[int, int]]], loc: Loc
) -> Iterator[Finding]:
    names = list(ranges)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            (a0, a1), (b0, b1) = ranges[a], ranges[b]
            same = season.festivals[a].priority == season.festivals[b].priority
            if a0 <= b1 and b0 <= a1 and same:
                yield (
                    (*loc, b, "dates"),
                    f"festival '{b}' overlaps '{a}' and neither has the higher priority",
                    f"give one of them a higher priority (e.g. priority: 1 on '{b}')",
                )


def _check_average(s: Scenario) -> Iterator[Finding]:
    season = s.population.seasonality
    assert season is not None
    behaviours = tuple(s.design.behaviours)
    year = _raw(season, _dates(s.start_date, YEAR), behaviours).mean(axis=0)
    for b, mean in zip(behaviours, year, strict=True):
        if mean <= 0:
            yield (
                ("population", "seasonality"),
                f"the multipliers of '{b}' average 0 over the year: nothing to normalise",
                "give some months, weekdays or festivals a positive multiplier",
            )
