"""Coupons and daily tasks (domain §7) against closed forms.

A threshold coupon is used by a holder's first purchase that reaches its threshold, or that
falls short by at most ``reach`` and is topped up (chance q per such purchase). With K ~
Poisson(λ) purchases on the one day a coupon is valid, P(used) = 1 − E[(1 − q)^K] =
1 − e^(−λq). Statistical checks allow 4 standard errors (SE), worked out in each test.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from econsim import ScenarioError, loads_scenario, simulate
from econsim.engine.model import compile_model
from econsim.metrics import evaluate
from econsim.results import Results
from tests.builders import tiny
from tests.test_scenario_load import GOOD

USERS = 4000
AMOUNT = 20.0  # every basket: uptake 0.5 × cap 1200 / 30 purchases a period


def shop(coupon: dict[str, Any] | None = None, **mechanics: Any) -> dict[str, Any]:
    """tiny() sections: one purchase a day on average (λ = 1), every basket 20."""
    mech = dict(mechanics)
    if coupon is not None:
        mech["threshold_coupons"] = {"x": coupon}
    return {
        "design": {
            "behaviours": {"buy": {"kind": "core", "points": 1, "unit": 1, "period_cap": 1200}},
            "tiers": {"basic": {"core_share": 0.5, "uptake": {"sign_in": 1.0, "buy": 0.5}}},
            "mechanics": mech,
        },
        "population": {
            "users": USERS,
            "tiers": {"basic": {"share": 1.0, "core": {
                "buy": {"frequency": 30, "amount": {"distribution": "fixed"}}}}},
        },
    }  # fmt: skip


def coupon(**extra: Any) -> dict[str, Any]:
    return {"behaviour": "buy", "threshold": 30, "discount": 3, "reach": 15,
            "top_up_probability": 0.4, "handed_out": [0], "valid_days": 1, **extra}  # fmt: skip


def coupon_run(horizon: int = 5, **sections: Any) -> Results:
    return simulate(tiny(horizon_days=horizon, **sections))


def within(x: float, mean: float, sd: float) -> bool:
    return abs(x - mean) <= 4 * sd + 1e-9


def test_the_fixture_buys_twenty_at_rate_one() -> None:
    m = compile_model(tiny(**shop(coupon())))
    assert m.amount_mean[0, m.behaviours.index("buy")] == AMOUNT
    assert m.core_rate[0, m.behaviours.index("buy")] == 1.0


def test_a_basket_within_reach_is_topped_up_to_the_threshold() -> None:
    r = coupon_run(**shop(coupon()))
    used = int(r["coupons_used"][0].sum())
    p = 1 - math.exp(-0.4)  # λq = 1 × 0.4
    assert within(used, USERS * p, math.sqrt(USERS * p * (1 - p)))
    assert r["coupons_given"][0, 0, 0] == USERS and r["coupons_given"][0, 1:].sum() == 0
    assert r["coupon_uplift"][0].sum() == pytest.approx(used * (30 - AMOUNT))
    k = r.labels["sinks"].index("coupon:x")
    assert r["cost"][0, :, k].sum() == pytest.approx(3.0 * used)
    assert r["redeemed"][0, :, k].sum() == 0, "handed out: no points spent"


def test_the_uplift_earns_points_as_any_amount_does() -> None:
    with_coupon = coupon_run(**shop(coupon()))
    without = coupon_run(**shop(None))
    b = with_coupon.labels["sources"].index("buy")
    extra = with_coupon["issued"][0, 0, b].sum() - without["issued"][0, 0, b].sum()
    # same purchases (coupons draw from the spending stream); 1 point per unit of amount
    assert extra == pytest.approx(with_coupon["coupon_uplift"][0, 0].sum())
    c = evaluate(with_coupon).coupons.coupons[0]
    assert c.uplift_points == pytest.approx(c.uplift) and c.uplift_per_cost == pytest.approx(10 / 3)


def test_a_basket_at_the_threshold_uses_the_coupon_without_uplift() -> None:
    r = coupon_run(**shop(coupon(threshold=20, discount=2)))
    used = int(r["coupons_used"][0].sum())
    p = 1 - math.exp(-1.0)  # any purchase that day
    assert within(used, USERS * p, math.sqrt(USERS * p * (1 - p)))
    assert r["coupon_uplift"][0].sum() == 0


def test_a_basket_out_of_reach_never_uses_it() -> None:
    r = coupon_run(**shop(coupon(threshold=50, discount=5, reach=10)))
    assert r["coupons_used"][0].sum() == 0 and r["cost"][0].sum() == 0


def test_coupons_claimed_with_points_are_consumption() -> None:
    # sign_in pays 10 a day; a coupon costs 10 points, claimed the day it is affordable
    r = coupon_run(horizon=10, **shop(coupon(handed_out=[], points_price=10,
                                             claim_probability=1.0, valid_days=1)))  # fmt: skip
    k = r.labels["sinks"].index("coupon:x")
    claims = r["redemptions"][0, :, k]
    np.testing.assert_array_equal(claims, r["coupons_given"][0, :, 0])
    assert (r["redeemed"][0, :, k].sum(axis=1) == 10 * claims).all()
    # every member can pay on every day (sign-in alone earns the price): one claim a day,
    # the coupon being valid one day
    assert (claims == USERS).all()


def test_random_coupons_cost_their_value_when_used() -> None:
    surprise = {"after": "buy", "probability": 1.0, "low": 5, "high": 5, "reward": "coupon",
                "use_rate": 0.5, "valid_days": 30}  # fmt: skip
    r = coupon_run(horizon=60, **shop(None, random_rewards={"lucky": surprise}))
    assert "random:lucky" not in r.labels["sources"], "a coupon is no points"
    given = r["coupons_given"][0, :, 0]
    b = r.labels["behaviours"].index("buy")
    np.testing.assert_array_equal(given, r["actors"][0, :, b])  # every buyer wins one
    used = int(r["coupons_used"][0].sum())
    k = r.labels["sinks"].index("random:lucky")
    assert r["cost"][0, :, k].sum() == pytest.approx(5.0 * used)
    # each coupon meets the next purchase (used with 0.5) unless still held at the end
    decided_low, decided_high = given.sum() - USERS, given.sum()
    sd = math.sqrt(decided_high * 0.25)
    assert 0.5 * decided_low - 4 * sd <= used <= 0.5 * decided_high + 4 * sd


def test_daily_task_pays_when_every_listed_behaviour_is_done() -> None:
    share = {"kind": "non_core", "points": 1, "period_cap": 60, "daily_cap": 2}
    s = tiny(
        horizon_days=30,
        design={
            "behaviours": {"share": share},
            "tiers": {"basic": {"uptake": {"sign_in": 1.0, "share": 0.5}}},
            "mechanics": {"daily_tasks": {"both": {"behaviours": {"sign_in": 1, "share": 2},
                                                   "bonus": 7}}},
        },
        population={"users": USERS},
    )  # fmt: skip
    m = compile_model(s)
    p = m.slot_p[0, m.behaviours.index("share")]
    r = simulate(s)
    paid = r["issued"][0, :, r.labels["sources"].index("task:both")].sum()
    assert paid % 7 == 0
    done, n = paid // 7, USERS * 30
    assert within(done, n * p * p, math.sqrt(n * p * p * (1 - p * p)))  # both share slots


def yaml_with(mechanics: str) -> str:
    return GOOD.replace("  catalog:", "  mechanics:\n" + mechanics + "  catalog:")


BASE = "behaviour: buy, threshold: 60, discount: 6, reach: 20, top_up_probability: 0.5"


@pytest.mark.parametrize(
    ("coupon_text", "field", "message"),
    [
        (BASE.replace("threshold: 60", "threshold: 0") + ", handed_out: [0]", "threshold",
         "greater than 0"),
        (BASE.replace("discount: 6", "discount: 60") + ", handed_out: [0]", "discount",
         "is not below the threshold"),
        (BASE.replace("reach: 20", "reach: 90") + ", handed_out: [0]", "reach",
         "is above the threshold"),
        (BASE.replace("buy", "sign_in") + ", handed_out: [0]", "behaviour",
         "is not a core behaviour"),
        (BASE + ", claim_probability: 0.5", "claim_probability", "no points_price"),
        (BASE + ", handed_out: [99999]", "handed_out[0]", "outside the horizon"),
    ],
)  # fmt: skip
def test_bad_coupons_are_located_errors(coupon_text: str, field: str, message: str) -> None:
    line_text = f"      x: {{{coupon_text}}}"
    text = yaml_with(f"    threshold_coupons:\n{line_text}\n")
    line = text.splitlines().index(line_text) + 1
    with pytest.raises(ScenarioError) as e:
        loads_scenario(text, "c.yaml")
    shown = str(e.value)
    assert f"c.yaml:{line}:" in shown and f"threshold_coupons.x.{field}" in shown
    assert message in shown


def test_a_coupon_nobody_can_get_is_an_error() -> None:
    text = yaml_with(f"    threshold_coupons:\n      x: {{{BASE}}}\n")
    with pytest.raises(ScenarioError, match="no member can get this coupon"):
        loads_scenario(text, "c.yaml")


def test_a_ledger_that_uses_more_coupons_than_it_gave_is_reported() -> None:
    from econsim.engine.calendar import run_calendar
    from econsim.engine.ledger import check_invariants
    from econsim.engine.simulation import Simulation
    from econsim.errors import SimulationError

    sim = Simulation(
        compile_model(tiny(horizon_days=5, **shop(coupon()))), np.random.default_rng(0)
    )
    run_calendar(sim)
    check_invariants(sim.ledger, hard_cap=False)
    sim.ledger.coupons_used[3, 0] += int(sim.ledger.coupons_given[:4, 0].sum()) + 1
    with pytest.raises(SimulationError, match="more coupons used than given by day 3"):
        check_invariants(sim.ledger, hard_cap=False)
