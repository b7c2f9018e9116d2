"""A Scenario compiled to the lookup tables the kernels index by tier and behaviour.

Nothing here is random and nothing changes during a run except what rule changes
change (prices, point values, expiry), which live in the engine's mutable ``Rules``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.arrays import F64, I64
from econsim.scenario.amounts import DEFAULT_FREQUENCY, core_means, slot_probabilities
from econsim.scenario.schema import Expiry, RepeatBuying, RuleChange, Scenario
from econsim.scenario.season import daily_multipliers, redemption_multipliers

NEW, ACTIVE, DORMANT, CHURNED = 0, 1, 2, 3  # lifecycle states, the index of ``activity``
N_STATES = CHURNED + 1
DIST_CODES = {"lognormal": 0, "gamma": 1, "exponential": 2, "fixed": 3}
#: A core amount's coefficient of variation below which it is drawn as a fixed amount.
MIN_CV = 1e-6


@dataclass
class Rules:
    """The parts of the design a rule change can alter during a run."""

    points: F64  # [B] base points per occurrence / per unit
    prices: I64  # [K] points price of each catalog item
    expiry: Expiry

    def change(self, model: Model, rc: RuleChange) -> None:
        """Apply ``rc`` (the engine on its day; the monitor's schedule below)."""
        if rc.catalog_price_multiplier is not None:
            which = [model.items.index(i) for i in rc.items] or list(range(len(model.items)))
            new = np.round(self.prices[which] * rc.catalog_price_multiplier)
            self.prices[which] = np.maximum(new, 1).astype(np.int64)
        if rc.point_value_multiplier is not None:
            which = [model.behaviours.index(b) for b in rc.behaviours] or list(
                range(len(model.behaviours))
            )
            self.points[which] *= rc.point_value_multiplier
        if rc.expiry is not None:
            self.expiry = rc.expiry


@dataclass(frozen=True)
class Schedule:
    """The rules in force on each day: the design's, then each rule change from its day."""

    points: F64  # [D, B]
    prices: I64  # [D, K]
    expiry: tuple[Expiry, ...]  # [D]


@dataclass(frozen=True)
class Model:
    """Scenario → arrays. ``T`` tiers, ``B`` behaviours, ``K`` catalog items, ``G`` games."""

    scenario: Scenario
    tiers: tuple[str, ...]
    behaviours: tuple[str, ...]
    items: tuple[str, ...]
    games: tuple[str, ...]
    sources: tuple[str, ...]  # behaviours, then mechanics and campaigns
    sinks: tuple[str, ...]  # catalog items, point games, then coupons and packaged campaigns
    coupons: tuple[str, ...]  # threshold coupons (coupon:NAME), then random coupons (random:NAME)
    packaged: tuple[str, ...]  # packaged campaigns
    is_core: NDArray[np.bool_]
    kind_row: I64  # [B] a behaviour's row in State.count (non-core) or State.amount (core)
    unit: F64
    cap: F64  # [T, B] per-period cap (occurrences or amount)
    daily_cap: I64  # [B] non-core daily cap
    tier_mult: F64  # [T, B]
    uptake: F64  # [T, B] actual uptake (population)
    slot_p: F64  # [T, B] non-core: chance per daily slot
    core_rate: F64  # [T, B] core: occurrences per day
    amount_mean: F64  # [T, B] core: mean amount per occurrence
    amount_cv: F64  # [T, B]
    amount_dist: I64  # [T, B] DIST_CODES
    item_cost: F64
    item_closed: NDArray[np.bool_]
    item_use_rate: F64
    item_stock: I64  # -1 = unlimited
    item_pref: F64  # normalised weights
    game_cost_points: I64
    game_win_p: F64
    game_prize_cost: F64
    game_play_p: F64
    propensity: F64  # [T]
    activity: F64  # [N_STATES] rate multiplier by lifecycle state
    tier_thresholds: F64  # [T]
    tier_metric_is_core: bool
    fixed_tiers: bool  # no entry rules above the lowest: layers, never reviewed
    tier_share: F64  # [T] population shares, normalised: day-0 users (and layers) by share
    lot_count: int
    repeat_buying: RepeatBuying | None  # per-user pace and drop-out, when lifecycle is on
    first_core: int  # the core behaviour of a first purchase (-1: none)
    month_key: I64  # [D] month index of each day
    month_end: NDArray[np.bool_]  # [D]
    year_end: NDArray[np.bool_]  # [D]
    season: F64 | None  # [D, B] the calendar's multiplier on each rate (None: flat)
    season_redeem: F64 | None  # [D] festivals' multiplier on redemption propensity
    retention_days: tuple[int, ...] = (1, 3, 7, 30)  # day-k retention counted
    retained_after: int = 30  # the AARRR funnel's retention stage, days after joining

    @property
    def horizon(self) -> int:
        return self.scenario.horizon_days

    def initial_rules(self) -> Rules:
        d = self.scenario.design
        return Rules(
            points=np.array([d.behaviours[b].points for b in self.behaviours], dtype=float),
            prices=np.array([d.catalog[k].points_price for k in self.items], dtype=np.int64),
            expiry=d.expiry,
        )

    def source(self, name: str) -> int:
        return self.sources.index(name)

    def sink(self, name: str) -> int:
        return self.sinks.index(name)

    def schedule(self, days: int) -> Schedule:
        """The rules in force on days ``0 … days-1``. Changes on one day apply in the
        order written, as the engine's calendar runs them."""
        rules = self.initial_rules()
        changes = sorted(self.scenario.design.rule_changes, key=lambda rc: rc.day)
        points = np.empty((days, rules.points.size))
        prices = np.empty((days, rules.prices.size), np.int64)
        expiry: list[Expiry] = []
        d0 = 0
        for rc in [*changes, None]:
            d1 = days if rc is None else min(rc.day, days)
            points[d0:d1], prices[d0:d1] = rules.points, rules.prices
            expiry += [rules.expiry] * max(d1 - d0, 0)
            d0 = max(d0, d1)
            if rc is not None:
                rules.change(self, rc)
        return Schedule(points, prices, tuple(expiry))


def _calendar(start: dt.date, days: int) -> tuple[I64, NDArray[np.bool_], NDArray[np.bool_]]:
    dates = [start + dt.timedelta(days=i) for i in range(days + 1)]
    keys = np.array([(x.year - start.year) * 12 + x.month - start.month for x in dates])
    month_end = keys[1:] != keys[:-1]
    year_end = np.array([dates[i].year != dates[i + 1].year for i in range(days)])
    return keys[:-1].astype(np.int64), month_end, year_end


def months_held(scenario: Scenario) -> int:
    """The most monthly lots a member can hold under any expiry rule of the scenario."""
    policies = [scenario.design.expiry] + [
        rc.expiry for rc in scenario.design.rule_changes if rc.expiry is not None
    ]
    return max(e.months_held() for e in policies)


def lot_count(scenario: Scenario) -> int:
    """Monthly expiry lots a user needs: enough to hold every month not yet expired of
    the run's (a run from a snapshot holds older months too: ``engine.snapshot``)."""
    horizon_months = scenario.horizon_days // 28 + 2
    held = months_held(scenario)
    # each month's points in a lot of their own, so that a redemption knows the month it
    # draws on (breakage triangles): with nothing expiring, every month of the run
    return horizon_months if held == 1 else min(held, horizon_months)


def _sources(s: Scenario) -> tuple[str, ...]:
    m = s.design.mechanics
    names = list(s.design.behaviours)
    if m.sign_in_streak is not None:
        names.append("streak")
    names += [f"task:{n}" for n in m.daily_tasks]
    names += [f"bundle:{n}" for n in m.task_bundles]
    if m.referral is not None:
        names.append("referral")
    names += [f"random:{n}" for n, r in m.random_rewards.items() if r.reward == "points"]
    names += [f"campaign:{n}" for n in s.design.campaigns]
    return tuple(names)


def _uptake(s: Scenario, tiers: tuple[str, ...], behaviours: tuple[str, ...]) -> F64:
    """[T, B] actual uptake (``Scenario.actual_uptake``)."""
    return np.array([[s.actual_uptake(t, b) for b in behaviours] for t in tiers])


def _core_tables(
    s: Scenario, tiers: tuple[str, ...], behaviours: tuple[str, ...], uptake: F64, cap: F64
) -> dict[str, Any]:
    """Core behaviours: occurrences per day and the amount distribution per occurrence."""
    d, p = s.design, s.population
    is_core = np.array([d.behaviours[b].kind == "core" for b in behaviours])
    freq = np.array(
        [
            [
                p.tiers[t].core[b].frequency if b in p.tiers[t].core else DEFAULT_FREQUENCY
                for b in behaviours
            ]
            for t in tiers
        ]
    )
    # the default population's capped core amount realises the uptake (issue 24)
    stated = np.array([[b in p.tiers[t].core for b in behaviours] for t in tiers])
    amount_mean = core_means(uptake, cap, freq, is_core, ~stated)
    shape = [[p.tiers[t].core.get(b) for b in behaviours] for t in tiers]
    cv = np.array([[c.amount.cv if c else 1.0 for c in row] for row in shape])
    dist = np.array([[DIST_CODES[c.amount.distribution] if c else 0 for c in row] for row in shape])
    # a spread below a millionth of the mean is a fixed amount: a gamma of shape 1/cv² past
    # double precision drew NaN amounts (issue 38: cv 1e-300)
    spread = (dist == DIST_CODES["lognormal"]) | (dist == DIST_CODES["gamma"])
    dist[spread & (cv < MIN_CV)] = DIST_CODES["fixed"]
    return {
        # a core behaviour nobody takes up (uptake 0) has no occurrences, not zero-amount ones
        "core_rate": np.where(is_core[None, :] & (amount_mean > 0), freq / d.period_days, 0.0),
        "amount_mean": amount_mean,
        "amount_cv": cv,
        "amount_dist": dist,
    }


def _sink_tables(s: Scenario) -> dict[str, Any]:
    """Catalog items and point games: what a redemption or a play costs and returns."""
    d, p = s.design, s.population
    items = tuple(d.catalog)
    pref = np.array([p.catalog_preference.get(k, 1.0) for k in items], dtype=float)
    mech = d.mechanics
    games = tuple(mech.point_games)
    gm = [mech.point_games[g] for g in games]
    coupons = tuple(f"coupon:{n}" for n in mech.threshold_coupons) + tuple(
        f"random:{n}" for n, r in mech.random_rewards.items() if r.reward == "coupon"
    )
    packaged = tuple(mech.packaged_campaigns)
    return {
        "items": items,
        "games": games,
        "coupons": coupons,
        "packaged": packaged,
        "sinks": items
        + tuple(f"game:{g}" for g in games)
        + coupons
        + tuple(f"packaged:{c}" for c in packaged),
        "item_cost": np.array([d.catalog[k].cost for k in items]),
        "item_closed": np.array([d.catalog[k].loop == "closed" for k in items], dtype=bool),
        "item_use_rate": np.array([d.catalog[k].use_rate for k in items]),
        "item_stock": np.array(
            [d.catalog[k].stock_per_period or -1 for k in items], dtype=np.int64
        ),
        "item_pref": pref / pref.sum() if pref.sum() > 0 else pref,
        "game_cost_points": np.array([g.cost_points for g in gm], dtype=np.int64),
        "game_win_p": np.array([g.win_probability for g in gm]),
        "game_prize_cost": np.array([g.prize_cost for g in gm]),
        "game_play_p": np.array([p.game_play_probability[g] for g in games]),
    }


def _tier_tables(s: Scenario, tiers: tuple[str, ...]) -> dict[str, Any]:
    """Tier entry rules, shares and redemption propensity."""
    d, p = s.design, s.population
    entries = [d.tiers[t].entry for t in tiers]
    shares = np.array([p.tiers[t].share for t in tiers])
    return {
        "propensity": np.array([p.tiers[t].redemption_propensity for t in tiers]),
        "tier_thresholds": np.array([e.threshold if e else 0.0 for e in entries]),
        "tier_metric_is_core": next(
            (e.metric == "core_amount" for e in entries if e is not None), True
        ),
        "fixed_tiers": len(tiers) > 1 and all(e is None for e in entries[1:]),
        # shares sum to 1 within validation's tolerance
        "tier_share": shares / shares.sum(),
    }


def _activity(s: Scenario) -> F64:
    """[N_STATES] rate multiplier by lifecycle state (churned users do nothing)."""
    lc = s.population.lifecycle
    if not lc.enabled:
        return np.array([1.0, 1.0, 1.0, 0.0])
    return np.array([lc.activity_new, 1.0, lc.activity_dormant, 0.0])


def kind_rows(is_core: NDArray[np.bool_]) -> I64:
    """Each behaviour's row among its kind: the state counts non-core occurrences and sums
    core amounts, each only for the behaviours of its kind."""
    rows: I64 = np.where(is_core, np.cumsum(is_core) - 1, np.cumsum(~is_core) - 1)
    return rows.astype(np.int64)


def compile_model(s: Scenario) -> Model:
    """Compile a validated scenario into the engine's lookup tables."""
    d = s.design
    tiers, behaviours = tuple(d.tiers), tuple(d.behaviours)
    bs = [d.behaviours[b] for b in behaviours]
    is_core = np.array([b.kind == "core" for b in bs])
    cap = np.array([[b.cap_for(t) for b in bs] for t in tiers], dtype=float)
    uptake = _uptake(s, tiers, behaviours)
    daily_cap = np.array([b.daily_limit(d.period_days) for b in bs], dtype=np.int64)
    # non-core counts cut at the period cap still realise the uptake (issue 24)
    slot_p = slot_probabilities(uptake, cap, np.maximum(daily_cap, 1), d.period_days, is_core)
    month_key, month_end, year_end = _calendar(s.start_date, s.horizon_days)
    lc = s.population.lifecycle
    return Model(
        scenario=s,
        tiers=tiers,
        behaviours=behaviours,
        sources=_sources(s),
        is_core=is_core,
        kind_row=kind_rows(is_core),
        unit=np.array([b.unit for b in bs]),
        cap=cap,
        daily_cap=daily_cap,
        tier_mult=np.array([[b.tier_multipliers.get(t, 1.0) for b in bs] for t in tiers]),
        uptake=uptake,
        slot_p=slot_p,
        **_core_tables(s, tiers, behaviours, uptake, cap),
        **_sink_tables(s),
        **_tier_tables(s, tiers),
        activity=_activity(s),
        lot_count=lot_count(s),
        repeat_buying=lc.repeat_buying if lc.enabled else None,
        first_core=int(np.argmax(is_core)) if is_core.any() else -1,
        month_key=month_key,
        month_end=month_end,
        year_end=year_end,
        season=daily_multipliers(s),
        season_redeem=redemption_multipliers(s),
        retention_days=s.operating.retention(),
        retained_after=s.operating.retained_after(),
    )
