"""Arbitrary valid scenarios across every feature, small enough to simulate fast.

``any_scenarios()`` draws tiers, behaviours (core and non-core), a catalog, budget (fixed
or ratio, hard cap or not), expiry, campaigns, rule changes, every mechanic, the lifecycle
(with BG/NBD repeat buying and an acquisition window) and seasons, with 10–150 users over
5–75 days: what econsim's own property tests run on, and what a test of a tool built on
econsim can use. Strategies around *one* programme are in ``econsim.testing.strategies``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from econsim.scenario.load import scenario_from_dict
from econsim.scenario.schema import Scenario

share = st.floats(0.0, 1.0, allow_nan=False).map(lambda x: round(x, 3))
prob = st.floats(0.0, 1.0).map(lambda x: round(x, 3))


@st.composite
def tier_shares(draw: st.DrawFn, n: int) -> list[float]:
    weights = [draw(st.integers(1, 10)) for _ in range(n)]
    total = sum(weights)
    shares = [w / total for w in weights[:-1]]
    return [*shares, 1.0 - sum(shares)]


@st.composite
def behaviours(draw: st.DrawFn, tiers: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 4))):
        core = i > 0 and draw(st.booleans())
        if core:
            cap: Any = {t: draw(st.integers(100, 5000)) for t in tiers}
            out[f"b{i}"] = {
                "kind": "core",
                "points": draw(st.integers(1, 5)),
                "unit": draw(st.sampled_from([1, 10, 100])),
                "period_cap": cap,
            }
        else:
            cap = draw(st.integers(1, 60))
            out[f"b{i}"] = {
                "kind": "non_core",
                "points": draw(st.integers(1, 30)),
                "period_cap": cap,
                "daily_cap": draw(st.integers(1, 4)),
            }
        if draw(st.booleans()):
            out[f"b{i}"]["tier_multipliers"] = {
                t: draw(st.sampled_from([1, 1.2, 1.5])) for t in tiers
            }
    return out


@st.composite
def catalog(draw: st.DrawFn) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 3))):
        loop = draw(st.sampled_from(["open", "closed"]))
        item: dict[str, Any] = {
            "points_price": draw(st.integers(1, 400)),
            "cost": draw(st.integers(1, 20)),
            "loop": loop,
        }
        if loop == "closed":
            item["use_rate"] = draw(prob)
        if draw(st.booleans()):
            item["stock_per_period"] = draw(st.integers(1, 20))
        items[f"item{i}"] = item
    return items


def expiry() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({"policy": "none"}),
        st.integers(1, 3).map(lambda m: {"policy": "rolling", "months": m}),
        st.just({"policy": "end_of_year", "years": 1}),
    )


@st.composite
def seasonality(draw: st.DrawFn, behaviour_names: list[str]) -> dict[str, Any]:
    """Months, weekdays and up to two festivals (never overlapping: one in June, one in
    December), normalised or as written; multipliers include 0 (a closed day)."""
    mult = st.sampled_from([0.0, 0.5, 1.0, 1.5, 3.0])
    out: dict[str, Any] = {
        "months": draw(st.dictionaries(st.sampled_from(["jan", "feb", "jun", "nov", "dec"]), mult)),
        "weekdays": draw(st.dictionaries(st.sampled_from(["mon", "sat", "sun"]), mult)),
        "normalise": draw(st.booleans()),
    }
    festivals = {}
    if draw(st.booleans()):
        festivals["summer"] = {"dates": "06-10:06-20", "activity": draw(mult)}
    if draw(st.booleans()):
        festivals["year_end"] = {
            "dates": "12-20:12-31",
            "behaviours": {draw(st.sampled_from(behaviour_names)): draw(mult)},
            "redemption": draw(st.sampled_from([0.5, 1.0, 4.0])),
        }
    out["festivals"] = festivals
    if out["normalise"]:  # a year whose every day is 0 has nothing to normalise
        out["months"]["mar"] = 1.0
    return out


@st.composite
def packaged_campaign(
    draw: st.DrawFn, horizon: int = 365, behaviours: tuple[str, ...] = ("b0",)
) -> dict[str, Any]:
    """A packaged campaign (design.mechanics.packaged_campaigns entry) of any packaging."""
    start = draw(st.integers(0, horizon - 1))
    return {
        "start_day": start,
        "end_day": draw(st.integers(start, horizon - 1)),
        "after": draw(st.sampled_from(list(behaviours))),
        "participation": draw(prob),
        "budget_per_participant": draw(st.sampled_from([0.5, 5, 20, 1000])),
        "packaging": draw(st.sampled_from(["flat", "draw", "group", "micro_draw"])),
        "draw": {"win_probability": draw(st.sampled_from([0.001, 0.05, 0.5, 1.0]))},
        "group": {
            "size": draw(st.integers(2, 10)),
            "leader_multiple": draw(st.sampled_from([1.0, 2.0, 7.5])),
            "completion_probability": draw(st.sampled_from([0.1, 0.6, 1.0])),
        },
        "micro_draw": {"every": draw(st.sampled_from([2, 7, 100]))},
    }


@st.composite
def threshold_coupon(draw: st.DrawFn, horizon: int, behaviour: str) -> dict[str, Any]:
    """A threshold coupon on a core behaviour, claimed with points and/or handed out."""
    threshold = draw(st.sampled_from([5, 60, 199]))
    sold = draw(st.booleans())
    out: dict[str, Any] = {
        "behaviour": behaviour,
        "threshold": threshold,
        "discount": threshold * draw(st.sampled_from([0.05, 0.2, 0.5])),
        "reach": threshold * draw(st.sampled_from([0.1, 0.5, 1.0])),
        "top_up_probability": draw(prob),
        "valid_days": draw(st.integers(1, 40)),
        "handed_out": draw(st.lists(st.integers(0, horizon - 1), max_size=2, unique=True)),
    }
    if sold or not out["handed_out"]:
        out["points_price"] = draw(st.integers(1, 200))
        out["claim_probability"] = draw(st.sampled_from([0.05, 0.5]))
    return out


@st.composite
def scenario_data(draw: st.DrawFn) -> dict[str, Any]:
    n_tiers = draw(st.integers(1, 3))
    tiers = [f"t{i}" for i in range(n_tiers)]
    horizon = draw(st.integers(5, 75))
    bs = draw(behaviours(tiers))
    design_tiers = _design_tiers(draw, tiers, list(bs))
    items = draw(catalog())
    hard_cap = draw(st.booleans())
    budget = draw(
        st.one_of(
            st.integers(10, 5000).map(lambda a: {"method": "fixed_amount", "amount": a}),
            st.floats(0.001, 0.2).map(lambda r: {"method": "fixed_ratio", "ratio": round(r, 3)}),
        )
    )
    budget["hard_cap"] = hard_cap
    campaigns = _campaigns(draw, horizon, list(bs), tiers)
    rule_changes = _rule_changes(draw, horizon, bool(items))
    mechanics = _mechanics(draw, horizon, bs)
    population = _population(draw, horizon, tiers, bs, mechanics)
    operating: dict[str, Any] = {}
    if horizon >= 3 and draw(st.booleans()):  # cohort days the horizon can show
        days = st.integers(1, horizon - 2)
        operating["retention_days"] = draw(st.lists(days, min_size=1, max_size=4, unique=True))
        operating["retained_after_days"] = draw(days)
    return {
        "name": "generated",
        "operating": operating,
        "start_date": draw(st.sampled_from(["2027-01-01", "2027-11-20", "2028-02-15"])),
        "horizon_days": horizon,
        "seed": draw(st.integers(0, 2**32 - 1)),
        "replications": 1,
        "design": {
            "period_days": draw(st.sampled_from([7, 30])),
            "budget": budget,
            "calibration": {
                "target_exchange_ratio": draw(st.sampled_from([10, 100, 150])),
                "reserve_share": draw(st.sampled_from([0.0, 0.2])),
                "adjust": draw(st.sampled_from(["core", "non_core"])),
            },
            "behaviours": bs,
            "tiers": design_tiers,
            "tier_review": {
                "every_days": draw(st.sampled_from([7, 30])),
                "downgrade": draw(st.booleans()),
                "grace_reviews": draw(st.integers(0, 2)),
            },
            "catalog": items,
            "expiry": draw(expiry()),
            "campaigns": campaigns,
            "rule_changes": rule_changes,
            "mechanics": mechanics,
        },
        "population": population,
    }


def _design_tiers(draw: st.DrawFn, tiers: list[str], bs: list[str]) -> dict[str, Any]:
    """The tiers' core shares and uptake, and entry rules unless the tiers are fixed layers."""
    metric = draw(st.sampled_from(["core_amount", "points_earned"]))
    layers = draw(st.booleans())  # fixed layers: no entry rules, no reviews
    return {
        t: {
            "core_share": draw(st.floats(0.05, 0.95).map(lambda x: round(x, 2))),
            "uptake": {b: draw(prob) for b in bs},
            **({"entry": {"metric": metric, "threshold": 50.0 * i}} if i and not layers else {}),
        }
        for i, t in enumerate(tiers)
    }


def _campaigns(draw: st.DrawFn, horizon: int, bs: list[str], tiers: list[str]) -> dict[str, Any]:
    """Up to two campaigns: a multiplier and a bonus on some behaviours and tiers."""
    campaigns = {}
    for i in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, horizon - 1))
        campaigns[f"c{i}"] = {
            "start_day": start,
            "end_day": draw(st.integers(start, horizon - 1)),
            "multiplier": draw(st.sampled_from([1.5, 2.0, 3.0])),
            "bonus": draw(st.integers(0, 50)),
            "behaviours": draw(st.lists(st.sampled_from(bs), max_size=2, unique=True)),
            "tiers": draw(st.lists(st.sampled_from(tiers), max_size=2, unique=True)),
        }
    return campaigns


def _rule_changes(draw: st.DrawFn, horizon: int, catalog: bool) -> list[dict[str, Any]]:
    """Up to two rule changes: point values, catalog prices (with a catalog), expiry."""
    rule_changes = []
    for _ in range(draw(st.integers(0, 2))):
        change: dict[str, Any] = {
            "day": draw(st.integers(0, horizon - 1)),
            "point_value_multiplier": draw(st.sampled_from([0.5, 1.25])),
        }
        if catalog:
            change["catalog_price_multiplier"] = draw(st.sampled_from([0.8, 1.25, 2.0]))
        if draw(st.booleans()):
            change["expiry"] = draw(expiry())
        rule_changes.append(change)
    return rule_changes


def _mechanics(draw: st.DrawFn, horizon: int, bs: dict[str, Any]) -> dict[str, Any]:
    """Any of the incentive mechanics (domain §7), each on behaviours the design has."""
    non_core = [b for b, spec in bs.items() if spec["kind"] == "non_core"]
    core = [b for b, spec in bs.items() if spec["kind"] == "core"]
    mechanics: dict[str, Any] = {}
    if draw(st.booleans()) and non_core:
        mechanics["sign_in_streak"] = {
            "behaviour": draw(st.sampled_from(non_core)),
            "bonus_by_day": draw(st.lists(st.integers(0, 20), min_size=1, max_size=7)),
            "after_schedule": draw(st.sampled_from(["restart", "repeat_last"])),
        }
    if draw(st.booleans()):
        mechanics["task_bundles"] = {
            "bundle": {
                "behaviour": draw(st.sampled_from(list(bs))),
                "count": draw(st.integers(1, 10)),
                "bonus": draw(st.integers(1, 100)),
            }
        }
    if draw(st.booleans()):
        mechanics["referral"] = {
            "inviter_points": draw(st.integers(0, 100)),
            "invitee_points": draw(st.integers(0, 100)),
        }
    if draw(st.booleans()):
        mechanics["random_rewards"] = {"surprise": _random_reward(draw, core, list(bs))}
    if draw(st.booleans()):
        listed = draw(st.lists(st.sampled_from(list(bs)), min_size=1, max_size=2, unique=True))
        mechanics["daily_tasks"] = {
            "today": {
                "behaviours": {b: draw(st.integers(1, 2)) for b in listed},
                "bonus": draw(st.integers(1, 30)),
            }
        }
    if len(core) > 0 and draw(st.booleans()):
        mechanics["threshold_coupons"] = {
            "spend_x": draw(threshold_coupon(horizon, draw(st.sampled_from(core))))
        }
    if draw(st.booleans()):
        mechanics["packaged_campaigns"] = {"push": draw(packaged_campaign(horizon, tuple(bs)))}
    if draw(st.booleans()):
        wheel = {
            "cost_points": draw(st.integers(1, 50)),
            "win_probability": draw(prob),
            "prize_cost": draw(st.integers(1, 10)),
        }
        mechanics["point_games"] = {"wheel": wheel}
    return mechanics


def _random_reward(draw: st.DrawFn, core: list[str], bs: list[str]) -> dict[str, Any]:
    """A random reward after a core behaviour (any, without one): points, or a coupon."""
    low = draw(st.integers(0, 10))
    coupon = bool(core) and draw(st.booleans())
    return {
        "after": draw(st.sampled_from(core or list(bs))),
        "probability": draw(prob),
        "low": low,
        "high": draw(st.integers(max(low, 1), 60)),
        **(
            {
                "reward": "coupon",
                "use_rate": draw(prob),
                "valid_days": draw(st.integers(1, 30)),
            }
            if coupon
            else {}
        ),
    }


def _population(
    draw: st.DrawFn, horizon: int, tiers: list[str], bs: dict[str, Any], mechanics: dict[str, Any]
) -> dict[str, Any]:
    """The population: tier shares and activity, and what the mechanics and lifecycle need."""
    core = [b for b, spec in bs.items() if spec["kind"] == "core"]
    shares = draw(tier_shares(len(tiers)))
    population: dict[str, Any] = {
        "users": draw(st.integers(10, 150)),
        "acquisition_per_day": draw(st.sampled_from([0, 0.5, 2])),
        "uptake_scale": draw(st.sampled_from([0.7, 1.0, 1.3])),
        "retarget_probability": draw(prob),
        "tiers": {
            t: {
                "share": s,
                "redemption_propensity": draw(prob),
                "core": {
                    b: {
                        "frequency": draw(st.sampled_from([1, 4, 40])),
                        "amount": {
                            "distribution": draw(
                                st.sampled_from(["lognormal", "gamma", "exponential", "fixed"])
                            ),
                            "cv": draw(st.sampled_from([0.0, 0.5, 1.5])),
                        },
                    }
                    for b in core
                },
            }
            for t, s in zip(tiers, shares, strict=True)
        },
    }
    if "packaged_campaigns" in mechanics and draw(st.booleans()):
        population["packaging_response"] = {
            k: draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
            for k in draw(st.lists(st.sampled_from(["flat", "draw", "group", "micro_draw"])))
        }
    if "referral" in mechanics:
        population["referral_rate"] = draw(st.sampled_from([0.0, 0.01, 0.05]))
    if "point_games" in mechanics:
        population["game_play_probability"] = {"wheel": draw(prob)}
    if draw(st.booleans()):
        population["lifecycle"] = {
            "enabled": True,
            "new_days": draw(st.integers(0, 10)),
            "dormant_after_days": draw(st.integers(1, 20)),
            "churn_hazard": draw(st.sampled_from([0, 0.01, 0.1])),
            "reactivation_probability": draw(prob),
            "activity_dormant": draw(st.sampled_from([0, 0.1, 1])),
        }
        if draw(st.booleans()):
            population["lifecycle"]["repeat_buying"] = {
                "rate_shape": draw(st.sampled_from([0.2, 1.0, 5.0])),
                "dropout_a": draw(st.sampled_from([0.5, 1.0, 3.0])),
                "dropout_b": draw(st.sampled_from([0.5, 2.0, 10.0])),
            }
    if draw(st.booleans()):
        population["seasonality"] = draw(seasonality(list(bs)))
    if population["acquisition_per_day"] and draw(st.booleans()):
        population["acquisition_days"] = draw(st.integers(1, horizon))
    return population


def any_scenarios() -> st.SearchStrategy[Scenario]:
    """Valid scenarios across every feature."""
    return scenario_data().map(scenario_from_dict)
