"""A design that uses every mechanic at once (the warm-up compiles every kernel with it), and
the test that it does."""

from __future__ import annotations

from typing import Any

import numpy as np

from econsim import Results, scenario_from_dict, simulate

USERS = 2000


def totals(r: Results, name: str, axis: str) -> dict[str, np.ndarray]:
    """``name[label]``: each label's total per replication, over days and other axes."""
    a = r[name]
    labels = r.labels[axis]
    at = next(k for k, n in enumerate(a.shape) if n == len(labels) and k >= 2)
    moved = np.moveaxis(a, at, -1).reshape(a.shape[0], -1, len(labels)).sum(axis=1)
    return {f"{name}[{label}]": moved[:, k] for k, label in enumerate(labels)}


#: A design that uses every mechanic at once, over three months from 1 November: sign-in
#: streak, daily task, task bundle, referral, random points and coupons, two campaigns
#: (multiplier by behaviour and tier, a bonus), a threshold coupon handed out and claimed,
#: all four packaged campaigns, a point game, a stock-limited item under a hard budget cap,
#: rule changes (price, point value, expiry), rolling one-month expiry, monthly tier reviews
#: with downgrades, the lifecycle with BG/NBD repeat buying, acquisition, months, weekdays
#: and two festivals.
EVERYTHING: dict[str, Any] = {
    "name": "every mechanic",
    "start_date": "2027-11-01",
    "horizon_days": 90,
    "seed": 1,
    "replications": 1,
    "design": {
        "period_days": 30,
        "budget": {"method": "fixed_amount", "amount": 22000, "hard_cap": True},
        "calibration": {"target_exchange_ratio": 100},
        "behaviours": {
            "sign_in": {"kind": "non_core", "points": 2, "period_cap": 30, "daily_cap": 1},
            "review": {"kind": "non_core", "points": 10, "period_cap": 6, "daily_cap": 2},
            "purchase": {
                "kind": "core",
                "points": 1,
                "unit": 1,
                "period_cap": {"member": 600, "silver": 1000, "gold": 1500},
                "tier_multipliers": {"gold": 1.5},
            },
        },
        "tiers": {
            "member": {
                "core_share": 0.7,
                "uptake": {"purchase": 0.3, "sign_in": 0.4, "review": 0.2},
            },
            "silver": {
                "entry": {"metric": "core_amount", "threshold": 200},
                "core_share": 0.8,
                "uptake": {"purchase": 0.35, "sign_in": 0.5, "review": 0.3},
            },
            "gold": {
                "entry": {"metric": "core_amount", "threshold": 400},
                "core_share": 0.85,
                "uptake": {"purchase": 0.4, "sign_in": 0.6, "review": 0.3},
            },
        },
        "tier_review": {"every_days": 30, "downgrade": True, "grace_reviews": 0},
        "catalog": {
            "cup": {"points_price": 100, "cost": 1, "loop": "closed", "use_rate": 0.8},
            "coffee": {"points_price": 300, "cost": 4, "loop": "open"},
            "mug": {"points_price": 800, "cost": 20, "loop": "open", "stock_per_period": 15},
        },
        "expiry": {"policy": "rolling", "months": 1},
        "campaigns": {
            "double": {
                "start_day": 15,
                "end_day": 29,
                "multiplier": 2.0,
                "bonus": 20,
                "behaviours": ["purchase", "sign_in"],
                "tiers": ["member", "silver"],
            },
            "welcome": {"start_day": 45, "end_day": 55, "bonus": 15},
        },
        "rule_changes": [
            {"day": 30, "catalog_price_multiplier": 1.25, "items": ["coffee"]},
            {"day": 50, "point_value_multiplier": 1.25},
            {"day": 70, "expiry": {"policy": "rolling", "months": 2}},
        ],
        "mechanics": {
            "sign_in_streak": {
                "behaviour": "sign_in",
                "bonus_by_day": [0, 1, 2, 3, 5],
                "after_schedule": "repeat_last",
            },
            "daily_tasks": {
                "buy_and_sign": {"behaviours": {"purchase": 1, "sign_in": 1}, "bonus": 5}
            },
            "task_bundles": {"reviewer": {"behaviour": "review", "count": 3, "bonus": 30}},
            "referral": {"inviter_points": 50, "invitee_points": 20},
            "random_rewards": {
                "lucky": {"after": "purchase", "probability": 0.1, "low": 1, "high": 20},
                "lucky_coupon": {
                    "after": "purchase",
                    "probability": 0.05,
                    "low": 2,
                    "high": 6,
                    "reward": "coupon",
                    "use_rate": 0.6,
                    "valid_days": 10,
                },
            },
            "threshold_coupons": {
                "spend_60": {
                    "behaviour": "purchase",
                    "threshold": 60,
                    "discount": 6,
                    "reach": 20,
                    "top_up_probability": 0.4,
                    "points_price": 80,
                    "claim_probability": 0.05,
                    "handed_out": [0, 40],
                    "valid_days": 20,
                }
            },
            "packaged_campaigns": {
                "flat_push": {
                    "start_day": 5,
                    "end_day": 30,
                    "after": "purchase",
                    "participation": 0.3,
                    "budget_per_participant": 1,
                    "packaging": "flat",
                },
                "draw_push": {
                    "start_day": 10,
                    "end_day": 45,
                    "after": "sign_in",
                    "participation": 0.2,
                    "budget_per_participant": 1,
                    "packaging": "draw",
                    "draw": {"win_probability": 0.2},
                },
                "group_push": {
                    "start_day": 25,
                    "end_day": 60,
                    "after": "purchase",
                    "participation": 0.2,
                    "budget_per_participant": 1,
                    "packaging": "group",
                    "group": {"size": 3, "leader_multiple": 2, "completion_probability": 0.6},
                },
                "micro_push": {
                    "start_day": 40,
                    "end_day": 89,
                    "after": "review",
                    "participation": 0.3,
                    "budget_per_participant": 0.5,
                    "packaging": "micro_draw",
                    "micro_draw": {"every": 20},
                },
            },
            "point_games": {"wheel": {"cost_points": 10, "win_probability": 0.1, "prize_cost": 2}},
        },
    },
    "population": {
        "users": USERS,
        "acquisition_per_day": 4,
        "referral_rate": 0.002,
        "retarget_probability": 0.05,
        "game_play_probability": {"wheel": 0.02},
        "packaging_response": {"flat": 1.0, "draw": 1.2, "group": 1.5, "micro_draw": 1.3},
        "catalog_preference": {"cup": 4, "coffee": 3, "mug": 1},
        "tiers": {
            "member": {
                "share": 0.7,
                "redemption_propensity": 0.3,
                "core": {"purchase": {"frequency": 6, "amount": {"distribution": "gamma"}}},
            },
            "silver": {
                "share": 0.2,
                "redemption_propensity": 0.35,
                "core": {"purchase": {"frequency": 10, "amount": {"cv": 0.8}}},
            },
            "gold": {
                "share": 0.1,
                "redemption_propensity": 0.4,
                "core": {
                    "purchase": {"frequency": 15, "amount": {"distribution": "gamma", "cv": 0.5}}
                },
            },
        },
        "lifecycle": {
            "enabled": True,
            "new_days": 7,
            "dormant_after_days": 12,
            "churn_hazard": 0.002,
            "reactivation_probability": 0.02,
            "activity_dormant": 0.1,
            "repeat_buying": {"rate_shape": 2.0, "dropout_a": 1.0, "dropout_b": 100.0},
        },
        "seasonality": {
            "months": {"nov": 1.2, "dec": 1.5, "jan": 0.8},
            "weekdays": {"sat": 1.3, "sun": 1.3},
            "festivals": {
                "singles_day": {"dates": "11-11:11-11", "activity": 3.0, "redemption": 2.0},
                "year_end": {
                    "dates": "12-20:12-31",
                    "behaviours": {"purchase": 2.0},
                    "redemption": 1.5,
                },
            },
        },
    },
}


def test_the_scenario_with_every_mechanic_uses_every_mechanic() -> None:
    """Every mechanic of EVERYTHING moves its figures in each replication (else the tests
    that run it would check zeros)."""
    r = simulate(scenario_from_dict(EVERYTHING), seed=20_020, replications=2)
    f = {**totals(r, "issued", "sources"), **totals(r, "redemptions", "sinks")}
    f |= totals(r, "coupons_given", "coupons") | totals(r, "coupons_used", "coupons")
    f |= totals(r, "coupon_uplift", "coupons") | totals(r, "participants", "packaged")
    f |= totals(r, "rewarded", "packaged")
    for name in ("expired", "denied", "stock_outs", "tier_up", "tier_down", "new_users"):
        f[name] = r[name].reshape(r[name].shape[0], -1).sum(axis=1)
    f |= {name: r[name][:, -1].reshape(r[name].shape[0], -1).sum(axis=1)
          for name in ("churned", "dormant")}  # fmt: skip
    f["repeat_buyers"] = r["repeat_buyers"].reshape(2, -1).sum(axis=1)
    moving = [
        *(f"issued[{source}]" for source in r.labels["sources"]),  # every mechanic that pays
        *(f"redemptions[{sink}]" for sink in ("cup", "coffee", "mug", "game:wheel")),
        *(f"coupons_given[{c}]" for c in r.labels["coupons"]),
        *(f"coupons_used[{c}]" for c in r.labels["coupons"]),
        "coupon_uplift[coupon:spend_60]",
        "redemptions[coupon:spend_60]",  # claimed with points
        *(f"participants[{p}]" for p in r.labels["packaged"]),
        *(f"rewarded[{p}]" for p in r.labels["packaged"]),
        *("expired", "denied", "stock_outs", "tier_up", "tier_down"),
        *("new_users", "churned", "dormant", "repeat_buyers"),
    ]
    assert {"streak", "referral", "campaign:double", "campaign:welcome"} <= set(r.labels["sources"])
    silent = [m for m in moving if not (f[m] > 0).all()]
    assert not silent, silent
    coffee = r["prices"][:, :, r.labels["items"].index("coffee")]
    assert (coffee[:, :30] == 300).all() and (coffee[:, 30:] == 375).all()  # the rule change
