"""Health, inflation and finance definitions on runs whose numbers can be worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from econsim import simulate
from econsim.metrics import evaluate, finance, health, inflation
from econsim.metrics.health import IssuanceCheck, issuance_advice
from tests.builders import tiny

GIFT = {"gift": {"points_price": 300, "cost": 2.0, "loop": "open"}}
SPENDERS = {"tiers": {"basic": {"share": 1.0, "redemption_propensity": 1.0}}}


def test_consumption_rate_and_consumer_share_by_hand() -> None:
    # 10 points a day; a 300-point gift redeemed on days 29 and 59 by every user
    r = simulate(tiny(horizon_days=60, design={"catalog": GIFT}, population=SPENDERS))
    h = health(r)
    rate = h.consumption_rate.values[0]
    assert rate[28] == 0
    assert_allclose(rate[29], 300 / 300)
    assert_allclose(rate[59], 600 / 600)
    rate_30d = h.consumption_rate_30d.values[0]
    assert rate_30d[28] == 0  # window days 0–28: nothing consumed yet
    assert_allclose(rate_30d[45], 300 / 300)  # window days 16–45 holds day 29
    share = h.consumer_share.values[0]
    assert share[28] == 0 and share[29] == 1.0 and share[58] == 1.0  # redeemed ≤ 30 days ago
    assert h.verdicts[0].passed and h.verdicts[1].passed


def test_unredeemed_points_are_unhealthy_with_advice() -> None:
    expensive = {"gift": {"points_price": 5000, "cost": 2.0, "loop": "open"}}
    h = health(simulate(tiny(design={"catalog": expensive}, population=SPENDERS)))
    assert not h.healthy
    assert "add consumption channels" in h.verdicts[0].advice
    assert "add cheaper items" in h.verdicts[1].advice


def test_issuance_advice_follows_the_domain_rules() -> None:
    assert issuance_advice(IssuanceCheck("gold", "share", 100.0, 135.0), 0.1) == (
        "issuance of 'share' in tier 'gold' is 35% above prediction: earning is too easy — "
        "raise its threshold or cap"
    )
    low = issuance_advice(IssuanceCheck("gold", "share", 100.0, 70.0), 0.1)
    assert low is not None and "too hard" in low and "add earning channels" in low
    assert issuance_advice(IssuanceCheck("gold", "share", 100.0, 105.0), 0.1) is None


def test_predicted_vs_actual_issuance_per_user_period() -> None:
    # uptake 1 of a 31-per-period cap at 10 points: predicted 310 per user per period, but the
    # daily cap of 1 lets a user earn only 30 in a 30-day period: 3.2% below prediction
    h = health(simulate(tiny()))
    check = h.issuance[0]
    assert_allclose(check.predicted, 310)
    assert_allclose(check.actual, 300)
    assert h.verdicts[2].passed  # within the 10% tolerance


def test_price_index_steps_on_devaluation_day() -> None:
    catalog = {
        "a": {"points_price": 100, "cost": 1.0, "loop": "open"},
        "b": {"points_price": 300, "cost": 3.0, "loop": "open"},
    }
    s = tiny(
        design={
            "catalog": catalog,
            "rule_changes": [{"day": 12, "catalog_price_multiplier": 1.5, "items": ["a"]}],
        },
        population={"catalog_preference": {"a": 3, "b": 1}},
    )
    index = inflation(simulate(s)).price_index.values[0]
    assert (index[:12] == 1.0).all()
    # basket 3·100 + 1·300 = 600 → 3·150 + 300 = 750
    assert_allclose(index[12:], 750 / 600)


def test_finance_budget_burn_liability_breakage() -> None:
    s = tiny(
        horizon_days=90,
        design={
            "catalog": GIFT,
            "budget": {"method": "fixed_amount", "amount": 1000},
            "expiry": {"policy": "rolling", "months": 1},
        },
        population=SPENDERS,
    )
    r = simulate(s)
    f = finance(r)
    # redemptions on days 29 and 60 (see the engine's FIFO test), 100 users × 2.0 each
    assert_allclose(f.cost_per_period.values[0], [200.0, 0.0, 200.0])
    assert_allclose(f.budget_per_period.values[0], [1000, 1000, 1000])
    assert_allclose(f.burn.values[0], [0.2, 0.0, 0.2])
    assert f.verdict.passed and f.total_cost == 400
    assert_allclose(f.cost_per_point, 2.0 / 300)
    consumed, expired = 600 * 100, 10 * 100
    share = consumed / (consumed + expired)
    assert_allclose(f.redemption_share, share)
    assert_allclose(f.liability.values[0, -1], 290 * 100 * (2.0 / 300) * share)
    issued = 900 * 100
    assert_allclose(f.breakage, (expired + 290 * 100 * (1 - share)) / issued)
    tier = f.cost_per_user[0]
    assert_allclose(tier.realised, 400 / (100 * 90 / 30))
    assert_allclose(tier.planned, 310 / 100)  # predicted points / target exchange ratio


def test_fixed_ratio_budget_follows_core_amount() -> None:
    s = tiny(
        design={
            "behaviours": {"buy": {"kind": "core", "points": 1, "unit": 10, "period_cap": 10_000}},
            "tiers": {"basic": {"core_share": 0.5, "uptake": {"sign_in": 1.0, "buy": 0.1}}},
            "budget": {"method": "fixed_ratio", "ratio": 0.02},
        },
        population={"users": 500},
    )
    r = simulate(s)
    f = finance(r)
    core = r["core_amount"][0].sum()
    assert_allclose(f.budget_per_period.values[0, 0], 0.02 * core)


def test_summary_is_complete_and_json_ready() -> None:
    import json

    m = evaluate(simulate(tiny(design={"catalog": GIFT}, population=SPENDERS), replications=2))
    text = json.dumps(m.summary())
    for key in (
        "consumption_rate",
        "consumer_share",
        "price_index_final",
        "liability_final",
        "breakage",
        "cost_per_user",
        "verdicts",
    ):
        assert key in text
    lo, med, hi = m.health.consumption_rate.band()
    ok = ~np.isnan(med)
    assert np.all(lo[ok] <= med[ok]) and np.all(med[ok] <= hi[ok])
    assert m.health.consumption_rate.to_df().shape == (2 * 30, 3)


def test_series_final_is_nan_when_undefined() -> None:
    h = health(
        simulate(tiny(design={"behaviours": {"sign_in": {"points": 10}}}, population={"users": 5}))
    )
    assert h.consumption_rate.final() == pytest.approx(0.0)


def test_filling_wallets_are_told_from_inflating_points() -> None:
    """Issue 39: designs at 180 days were called inflating while their members' wallets were
    still filling towards their first rewards (growth slowing each month). Growth that falls
    fast enough to be under 5% within three months is filling; flat or rising is not."""
    from econsim.metrics.inflation import filling

    nan = float("nan")
    assert filling(np.array([nan, 0.25, 0.17, 0.12, 0.108, 0.08]))  # slowing
    assert not filling(np.array([nan, 0.25, 0.10, 0.11, 0.095, 0.105]))  # flat with noise
    assert not filling(np.array([nan, 0.25, 0.06, 0.07, 0.08, 0.09]))  # speeding up
    assert not filling(np.array([nan, 0.25, 0.20, 0.19, 0.18, 0.17]))  # too slowly to tell
    assert not filling(np.array([nan, 0.5, 0.2]))  # too few months after the launch
