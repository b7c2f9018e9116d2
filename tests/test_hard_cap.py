"""A hard budget cap against closed forms (issue 38).

Under a hard cap every payment — a catalog redemption, a game prize, a coupon's discount, a
campaign reward — is made only if the period's budget left covers it; one that does not is
denied, and the next is still tried. The cases below are small enough to work out by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from econsim import simulate
from econsim.engine.compiled.day_books import DENIED, PERIOD_COST, admits
from tests.builders import tiny

MEMBERS = 10


def catalog_case(k: int, period_days: int, **budget: Any) -> Any:
    """10 members who can each afford a redemption every day and ask for one every day (1,000
    points a day, propensity 1); the item costs 1 and the budget pays ``k`` a period."""
    return tiny(
        horizon_days=20,
        design={
            "period_days": period_days,
            "budget": {"method": "fixed_amount", "amount": float(k), "hard_cap": True, **budget},
            "calibration": {"point_values": "as_written"},
            "behaviours": {
                "sign_in": {"kind": "non_core", "points": 1000, "period_cap": 31, "daily_cap": 1}
            },
            "catalog": {"cup": {"points_price": 10, "cost": 1.0, "loop": "open"}},
        },
        population={
            "users": MEMBERS,
            "tiers": {"basic": {"share": 1.0, "redemption_propensity": 1.0}},
        },
    )


@pytest.mark.parametrize(("k", "period_days"), [(3, 1), (7, 5), (0.5, 1)])
def test_a_budget_that_pays_k_redemptions_a_period_pays_exactly_k(
    k: float, period_days: int
) -> None:
    r = simulate(catalog_case(k, period_days), seed=3, replications=2)
    served = r["redemptions"][:, :, 0]  # [replication, day]
    asked = MEMBERS * np.ones_like(served)
    periods = served.reshape(2, -1, period_days).sum(axis=2)
    assert (periods == int(k)).all()
    assert (r["denied"] == asked - served).all()
    assert (r["period_cost"] <= r["budget"] + 1e-9).all()


def test_a_cheaper_request_after_a_refused_one_is_still_paid() -> None:
    assert paid_in_turn([8.0, 5.0, 2.0], 10.0) == ([True, False, True], 1)
    assert paid_in_turn([3.0, 0.0, 9.0, 1.0, 0.0], 4.0) == ([True, True, False, True, True], 1)
    assert paid_in_turn([5.0, 5.0], 10.0) == ([True, True], 0)


def paid_in_turn(costs: list[float], limit: float) -> tuple[list[bool], int]:
    """Requests paid one after another from a hard cap of ``limit``, as the kernels pay
    them (``compiled.day_books.admits``), and how many were denied."""
    money, counts, paid = np.zeros(2), np.zeros(3, np.int64), []
    for cost in costs:
        ok = bool(admits(cost, limit, money, counts))
        money[PERIOD_COST] += cost if ok else 0.0
        paid.append(ok)
    return paid, int(counts[DENIED])


def coupon_case(ratio: float, discount: float) -> Any:
    """A coupon for every member every day (valid that day), every basket 20 and above the
    threshold, a daily budget of ``ratio`` × the day's sales under a hard cap, no catalog."""
    coupon = {
        "behaviour": "buy", "threshold": 10, "discount": discount, "reach": 1,
        "top_up_probability": 0, "handed_out": list(range(30)),
        "valid_days": 1,
    }  # fmt: skip
    return tiny(
        design={
            "period_days": 1,
            "budget": {"method": "fixed_ratio", "ratio": ratio, "hard_cap": True},
            "calibration": {"point_values": "as_written"},
            "behaviours": {"buy": {"kind": "core", "points": 1, "unit": 1, "period_cap": 1200}},
            "tiers": {"basic": {"core_share": 0.5, "uptake": {"sign_in": 1.0, "buy": 0.5}}},
            "mechanics": {"threshold_coupons": {"x": coupon}},
        },
        population={
            "users": 200,
            "tiers": {"basic": {"share": 1.0, "core": {
                "buy": {"frequency": 30, "amount": {"distribution": "fixed"}}}}},
        },
    )  # fmt: skip


def test_a_coupon_at_checkout_is_paid_from_the_sales_before_it() -> None:
    """A share-of-sales budget grows with each purchase through the day. With ratio × basket
    ≥ discount, the day's first buyer finds nothing realised yet and is refused; each later
    buyer's discount is covered by the purchases before theirs (k − 1 discounts against at
    least k baskets). So every day with buyers: used = buyers − 1, denied = 1."""
    r = simulate(coupon_case(ratio=0.5, discount=8.0), seed=5, replications=2)
    buyers = r["actors"][:, :, 1]  # [replication, day] distinct buyers of 'buy'
    assert (buyers > 10).all()
    assert (r["coupons_used"][:, :, 0] == buyers - 1).all()
    assert (r["denied"] == 1).all()
    assert (r["cost"].sum(axis=2) <= r["budget"] + 1e-9).all()


def test_without_a_hard_cap_every_coupon_is_paid() -> None:
    s = coupon_case(ratio=0.5, discount=8.0)
    s = s.model_copy(
        update={"design": s.design.model_copy(update={"budget": s.design.budget.model_copy(
            update={"hard_cap": False})})}
    )  # fmt: skip
    r = simulate(s, seed=5, replications=1)
    assert (r["coupons_used"][0, :, 0] == r["actors"][0, :, 1]).all()
    assert r["denied"].sum() == 0
