"""The rules of the format on the schema types: caps, budgets, expiry, the earning rule."""

from __future__ import annotations

import numpy as np
import pytest

from econsim import ScenarioError, loads_scenario
from econsim.calibration import calibrate, predicted_issuance
from econsim.engine.model import compile_model, lot_count
from econsim.scenario.earning_rule import (
    expected_points,
    expected_quantity,
    max_points,
    points_for,
    points_per_value,
    realised_uptake,
)
from econsim.scenario.schema import (
    Behaviour,
    Budget,
    NoExpiry,
    RollingExpiry,
    YearEndExpiry,
)
from tests.test_scenario_load import GOOD


def test_cap_for_reads_one_number_or_the_tier_entry() -> None:
    flat = Behaviour(kind="non_core", points=5, period_cap=30)
    per_tier = Behaviour(kind="core", points=1, period_cap={"basic": 1000, "plus": 5000})
    assert flat.cap_for("basic") == flat.cap_for("plus") == 30
    assert per_tier.cap_for("basic") == 1000
    assert per_tier.cap_for("plus") == 5000


def test_daily_limit_spreads_the_largest_cap_over_the_period() -> None:
    assert Behaviour(kind="non_core", points=1, period_cap=31).daily_limit(30) == 2
    assert Behaviour(kind="non_core", points=1, period_cap=3).daily_limit(30) == 1
    per_tier = Behaviour(kind="non_core", points=1, period_cap={"a": 10, "b": 61})
    assert per_tier.daily_limit(30) == 3
    assert Behaviour(kind="non_core", points=1, period_cap=90, daily_cap=1).daily_limit(30) == 1
    assert Behaviour(kind="core", points=1, period_cap=1000).daily_limit(30) == 0


def test_rounding_step_defaults_by_kind() -> None:
    assert Behaviour(kind="non_core", points=1, period_cap=1).rounding_step() == 1.0
    assert Behaviour(kind="core", points=1, period_cap=1).rounding_step() == 0.01
    assert Behaviour(kind="core", points=1, period_cap=1, points_step=0.5).rounding_step() == 0.5


def test_budget_amount_for_fixed_amount_and_fixed_ratio() -> None:
    fixed = Budget(method="fixed_amount", amount=1000)
    ratio = Budget(method="fixed_ratio", ratio=0.02)
    assert fixed.amount_for(123_456.0) == 1000
    assert ratio.amount_for(50_000.0) == pytest.approx(1000.0)
    assert ratio.amount_for(0.0) == 0.0


def test_budget_prorated_shrinks_only_a_fixed_amount() -> None:
    recorded = np.array([[900.0, 900.0]])
    days = np.array([30, 10])
    fixed = Budget(method="fixed_amount", amount=900)
    ratio = Budget(method="fixed_ratio", ratio=0.01)
    np.testing.assert_allclose(fixed.prorated(recorded, days, 30), [[900.0, 300.0]])
    np.testing.assert_array_equal(ratio.prorated(recorded, days, 30), recorded)


def test_budget_missing_field_names_the_method_and_the_fix() -> None:
    assert Budget(method="fixed_amount", amount=1).missing_field() is None
    message, hint = Budget(method="fixed_ratio").missing_field() or ("", "")
    assert "fixed_ratio needs a ratio" in message and "ratio:" in hint


def test_rolling_expiry_counts_months_after_the_month_earned() -> None:
    e = RollingExpiry(policy="rolling", months=12)
    assert e.expires_by(0, start_month=1) == 12
    assert e.expires_by(5, start_month=7) == 17
    assert e.months_held() == 13


def test_end_of_year_expiry_is_december_n_years_on() -> None:
    e = YearEndExpiry(policy="end_of_year", years=1)
    # a January start: month keys 0..11 are the first year; they expire at key 23 (December)
    assert e.expires_by(0, start_month=1) == 23
    assert e.expires_by(11, start_month=1) == 23
    assert e.expires_by(12, start_month=1) == 35
    # a July start: key 0 is July of year one, key 5 its December, key 6 the next January
    assert e.expires_by(0, start_month=7) == 17
    assert e.expires_by(5, start_month=7) == 17
    assert e.expires_by(6, start_month=7) == 29
    assert e.months_held() == 24


def test_no_expiry_never_expires_and_needs_one_lot() -> None:
    e = NoExpiry()
    assert e.expires_by(10**6, start_month=1) > 10**9
    assert e.months_held() == 1


def test_expiry_yaml_is_a_tagged_union_on_policy() -> None:
    def with_expiry(expiry: str) -> str:
        return GOOD.replace("  catalog:", f"  expiry: {expiry}\n  catalog:", 1)

    assert isinstance(loads_scenario(with_expiry("{}")).design.expiry, NoExpiry)
    rolling = loads_scenario(with_expiry("{policy: rolling, months: 6}")).design.expiry
    assert isinstance(rolling, RollingExpiry) and rolling.months == 6
    year_end = loads_scenario(with_expiry("{policy: end_of_year, years: 2}")).design.expiry
    assert isinstance(year_end, YearEndExpiry) and year_end.years == 2
    with pytest.raises(ScenarioError) as info:
        loads_scenario(with_expiry("{policy: rolling}"), "s.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (16, "design.expiry.months")
    assert "required" in problem.message and "months after the month earned" in problem.hint
    with pytest.raises(ScenarioError) as info:
        loads_scenario(with_expiry("{policy: monthly}"), "s.yaml")
    (problem,) = info.value.problems
    assert problem.path == "design.expiry" and "'rolling'" in problem.message


def test_lot_count_follows_the_longest_policy_including_rule_changes() -> None:
    text = GOOD.replace(
        "  catalog:",
        "  expiry: {policy: rolling, months: 2}\n"
        "  rule_changes:\n    - day: 10\n      expiry: {policy: rolling, months: 5}\n  catalog:",
        1,
    )
    assert lot_count(loads_scenario(text)) == 6


def test_earning_rule_by_hand() -> None:
    # 5 points per 10 spent, tier multiplier 2, cap 1000 a period, uptake 0.3
    assert expected_quantity(1000.0, 0.3) == pytest.approx(300.0)
    assert max_points(5.0, 1000.0, 10.0, 2.0) == pytest.approx(1000.0)
    assert expected_points(5.0, 1000.0, 10.0, 2.0, 0.3) == pytest.approx(300.0)
    assert points_per_value(1000.0, 10.0, 2.0, 0.3) * 5.0 == pytest.approx(300.0)
    assert points_for(250.0, 10.0, 5.0, 2.0) == pytest.approx(250.0)
    np.testing.assert_allclose(realised_uptake(np.array([0.0, 5.0, 50.0]), 10.0), [0, 0.5, 1])


def test_calibration_and_engine_read_the_same_cap_and_uptake() -> None:
    s = loads_scenario(GOOD)
    model = compile_model(s)
    planned = predicted_issuance(s)
    for i, t in enumerate(model.tiers):
        for j, name in enumerate(model.behaviours):
            b = s.design.behaviours[name]
            assert model.cap[i, j] == b.cap_for(t)
            uptake = s.design.tiers[t].uptake[name]
            by_hand = b.points * b.cap_for(t) / b.unit * uptake
            assert planned[t][name] == pytest.approx(by_hand)
    cal = calibrate(s)
    assert cal.budget == s.design.budget.amount_for(0.0) == 1000
