"""IFRS 15 / ASC 606 deferred revenue of points earned with purchases, against hand figures."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

import econsim
from econsim.metrics.deferred_revenue import FinanceInputError, marketing_provision


def test_the_worked_example_of_the_finance_guide() -> None:
    """docs/guide-finance.md §5: three quarters, the estimate raised from 80% to 90%."""
    s = econsim.deferred_revenue([9000] * 3, [1250] * 3, 1.0, [0.8, 0.8, 0.9], [250, 750, 1025])
    assert_allclose(s.allocated, [900, 900, 1000])
    assert_allclose(s.recognised, [225, 675, 780])
    assert_allclose(s.catch_up, [0, 0, -210], atol=1e-9)
    assert_allclose(s.liability, [675, 900, 1120])
    # the books close: allocated = recognised + liability at every close
    assert_allclose(s.allocated.cumsum(), s.recognised.cumsum() + s.liability)


def test_a_lower_estimate_brings_revenue_forward_as_a_catch_up() -> None:
    """Expected redemptions fall from 80% to 50% in period 2: breakage recognised at once.

    Period 1: 2,000 points × 0.5 × 0.8 = 800 SSP against 3,200 of sales: 3,200 × 800 / 4,000
    = 640 allocated; 400 of 1,600 expected redeemed: 160 recognised. Period 2: SSP 2,000 ×
    0.5 × 0.5 = 500, 3,200 × 500 / 3,700 = 432.43 allocated (1,072.43 in all); 800 of 2,000
    expected (4,000 × 0.5) redeemed: 428.97 cumulative; at the old 80%, 800 of 3,200:
    268.11; catch-up 160.86.
    """
    s = econsim.deferred_revenue([3200, 3200], [2000, 2000], 0.5, [0.8, 0.5], [400, 400])
    total = 640 + 3200 * 500 / 3700
    assert_allclose(s.allocated, [640, 3200 * 500 / 3700])
    assert_allclose(s.recognised.cumsum(), [160, total * 800 / 2000])
    assert_allclose(s.catch_up[1], total * 800 / 2000 - total * 800 / 3200)
    assert s.catch_up[1] > 0


def test_everything_is_recognised_once_the_expected_redemptions_are_made() -> None:
    s = econsim.deferred_revenue([1000, 0], [100, 0], 2.0, 0.5, [50, 30])
    assert_allclose(s.liability[-1], 0.0, atol=1e-9)
    assert_allclose(s.recognised.sum(), s.allocated.sum())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value_per_point": 0}, "value_per_point: period 1 is 0; a point must be worth more"),
        ({"value_per_point": -1}, "value_per_point: period 1 is -1"),
        ({"redemption_share": 1.2}, "redemption_share: period 1 is 1.2; the expected share"),
        ({"redemption_share": 0}, "must be in (0, 1]"),
        ({"points": [100, 0]}, "points: period 2 is 0; sales without points"),
        ({"redeemed": [10]}, "redeemed: 1 periods, but sales has 2: the periods do not line up"),
        ({"redeemed": [150, 100]}, "redeemed: period 1 is 150; more points redeemed"),
        ({"sales": [1000, float("nan")]}, "sales: period 2 is not a finite number"),
    ],
)
def test_bad_inputs_name_the_field_and_period(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"sales": [1000, 1000], "points": [100, 100],
                               "value_per_point": 1.0, "redemption_share": 0.8,
                               "redeemed": [10, 10]}  # fmt: skip
    with pytest.raises(FinanceInputError) as info:
        econsim.deferred_revenue(**{**args, **kwargs})  # type: ignore[arg-type]
    assert message in str(info.value)


def test_points_without_a_sale_are_a_marketing_provision() -> None:
    """1,000 sign-in points a period, 60% expected redeemed, 0.01 each, 200 redeemed a period:
    the provision is (600 − 200) × 0.01 = 4 after one period, (1,200 − 400) × 0.01 = 8 after two."""
    assert_allclose(marketing_provision([1000, 1000], 0.01, 0.6, [200, 200]), [4.0, 8.0])


def test_the_schedule_is_a_result_like_every_other() -> None:
    s = econsim.deferred_revenue([9000] * 3, [1250] * 3, 1.0, [0.8, 0.8, 0.9], [250, 750, 1025],
                                 periods=["Q1", "Q2", "Q3"])  # fmt: skip
    assert s.summary()["liability_at_close"] == pytest.approx(1120)
    assert list(s.to_df().index) == ["Q1", "Q2", "Q3"]
    assert "Deferred revenue" in s._repr_html_()
