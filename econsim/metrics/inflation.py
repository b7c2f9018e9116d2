"""Inflation: is the point losing value? Supply growth, price index, purchasing power.

- **point supply growth**: month-over-month growth of outstanding points per user (month
  ends; per user so that a growing membership alone is not read as inflation);
- **catalog price index**: Σ w·price(day) / Σ w·price(day 0), weights = catalog preference;
  a devaluation shows as a step on its day;
- **purchasing power of a point**: money the operator realised per catalog point redeemed,
  by month;
- **issuance/consumption ratio**: points issued / points consumed, by month (> 1: supply
  outruns sinks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from econsim.metrics.series import Series, by_group, last_of_group, month_index, ratio
from econsim.metrics.verdicts import Verdict
from econsim.results import Results

#: Average month-over-month growth of outstanding points that counts as inflating.
SUPPLY_GROWTH_WARNING = 0.05
TRAILING_MONTHS = 3


@dataclass(frozen=True)
class Inflation:
    price_index: Series
    supply_growth: Series
    purchasing_power: Series
    issuance_consumption_ratio: Series
    verdict: Verdict


def months_of(r: Results) -> np.ndarray:
    s = r.scenario
    return month_index(s.start_date.month, r.days, s.start_date)


def price_index(r: Results) -> Series:
    """Preference-weighted catalog price index, day 0 = 1."""
    s = r.scenario
    items = r.labels["items"]
    prices = r["prices"].astype(float)  # [rep, day, item]
    if not items:
        return Series("price_index", "index", np.arange(r.days), np.ones((r.replications, r.days)))
    w = np.array([s.population.catalog_preference.get(k, 1.0) for k in items])
    basket = prices @ w
    return Series("price_index", "index", np.arange(r.days), basket / basket[:, :1])


def inflation(r: Results) -> Inflation:
    """The inflation view of a run."""
    months = months_of(r)
    first_days = np.array([np.nonzero(months == m)[0][0] for m in range(int(months.max()) + 1)])
    per_user = ratio(r.total("outstanding").astype(float), r.total("users").astype(float))
    outstanding = last_of_group(per_user, months)
    growth = np.full_like(outstanding, np.nan)
    growth[:, 1:] = ratio(outstanding[:, 1:], outstanding[:, :-1]) - 1.0
    n_items = len(r.labels["items"])
    catalog_cost = by_group(r["cost"][:, :, :n_items].sum(axis=2), months)
    catalog_points = by_group(r["redeemed"][:, :, :n_items, :].sum(axis=(2, 3)), months)
    issued = by_group(r.total("issued"), months)
    consumed = by_group(r.total("redeemed"), months)
    supply = Series("supply_growth", "share", first_days, growth)
    recent = growth[:, -TRAILING_MONTHS:]
    trend = float(np.nanmean(recent)) if np.isfinite(recent).any() else 0.0
    verdict = _verdict(trend, supply.mean())  # each month's mean over replications
    return Inflation(
        price_index=price_index(r),
        supply_growth=supply,
        purchasing_power=Series(
            "purchasing_power", "money", first_days, ratio(catalog_cost, catalog_points)
        ),
        issuance_consumption_ratio=Series(
            "issuance_consumption_ratio", "index", first_days, ratio(issued, consumed)
        ),
        verdict=verdict,
    )


#: Months of growth the filling test fits its trend over (after the launch month).
FILLING_MONTHS = 4


def filling(growth: np.ndarray) -> bool:
    """Wallets filling, not inflating: over the last ``FILLING_MONTHS`` months of monthly
    ``growth`` (the launch month left out), the least-squares trend falls fast enough to
    bring the growth under the warning level within ``TRAILING_MONTHS`` more months. A new
    programme's members hold more points each month while they save towards their first
    rewards, and the growth slows as they reach them; points that inflate keep growing as
    fast (a flat trend), whatever a month's noise."""
    g = growth[2:][np.isfinite(growth[2:])][-FILLING_MONTHS:]
    if g.size < 3:
        return False
    slope, level = np.polyfit(np.arange(g.size, dtype=float), g, 1)
    now = level + slope * (g.size - 1)
    return bool(slope < 0 and now + slope * TRAILING_MONTHS <= SUPPLY_GROWTH_WARNING)


def _verdict(trend: float, growth: np.ndarray) -> Verdict:
    said = (f"outstanding points per user grow {trend:.1%} a month over the last "
            f"{TRAILING_MONTHS} months")  # fmt: skip
    if trend <= SUPPLY_GROWTH_WARNING:
        passed, advice = True, said
    elif filling(growth):
        shown = ", ".join(f"{g:.1%}" for g in growth[2:][-FILLING_MONTHS:])
        passed = True
        advice = (f"{said}, slowing ({shown} in the last months): wallets still filling "
                  "towards their first rewards, not inflating — judge it over a longer "
                  "horizon")  # fmt: skip
    else:
        passed = False
        advice = f"{said}: supply outruns consumption — add sinks, lower earning, or shorten expiry"
    return Verdict("points not inflating", trend, SUPPLY_GROWTH_WARNING, passed, advice,
                   kind="inflation")  # fmt: skip
