"""Calibration identities over generated designs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from numpy.testing import assert_allclose

from econsim import Scenario, calibrate
from econsim.errors import ScenarioError
from econsim.testing.generated import any_scenarios

#: Generated designs that calibration refuses (a core share no point values reach, nothing
#: predicted) are left out by ``assume``: about half of them, so Hypothesis must not count
#: that as a badly filtered strategy.
CALIBRATABLE = settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


def calibrated(s: Scenario):  # type: ignore[no-untyped-def]
    try:
        return calibrate(s)
    except ScenarioError:
        assume(False)  # a core share that the design's behaviours cannot reach: reported
        raise


def with_budget(s: Scenario, factor: float) -> Scenario:
    b = s.design.budget
    update = {"amount": b.amount * factor} if b.amount else {"ratio": min(1.0, b.ratio * factor)}  # type: ignore[operator]
    design = s.design.model_copy(update={"budget": b.model_copy(update=update)})
    return s.model_copy(update={"design": design})


@CALIBRATABLE
@given(any_scenarios())
@pytest.mark.slow  # 25 calibrations (two MILPs each)
def test_identities(s: Scenario) -> None:
    cal = calibrated(s)
    assume(cal.total_predicted_points > 0)
    assert_allclose(
        cal.conversion_coefficient * cal.exchange_ratio_before, cal.target_exchange_ratio, rtol=1e-9
    )
    assert_allclose(sum(t.users * t.cost_per_user for t in cal.tiers), cal.usable_budget, rtol=1e-9)


@CALIBRATABLE
@given(any_scenarios())
@pytest.mark.slow  # 25 pairs of calibrations
def test_ratio_before_is_monotone_in_budget(s: Scenario) -> None:
    assume(s.design.budget.method == "fixed_amount")
    cal = calibrated(s)
    assume(cal.total_predicted_points > 0)
    more = calibrate(with_budget(s, 2.0))
    assert more.exchange_ratio_before < cal.exchange_ratio_before
    assert_allclose(more.exchange_ratio_before, cal.exchange_ratio_before / 2, rtol=1e-9)


@CALIBRATABLE
@given(any_scenarios())
@pytest.mark.slow  # 25 calibrations
def test_integer_adjustment_stays_in_range(s: Scenario) -> None:
    cal = calibrated(s)
    assume(cal.total_predicted_points > 0)
    for b in cal.behaviours:
        assert b.low - 1e-9 <= b.points_after <= b.high + 1e-9
        step = s.design.behaviours[b.name].points_step or (0.01 if b.kind == "core" else 1.0)
        assert np.isclose(b.points_after / step, round(b.points_after / step))
        if b.name not in " ".join(cal.warnings):  # not widened: within the rounding range
            spread = s.design.calibration.rounding_range
            assert (
                b.points_exact * (1 - spread) - step
                <= b.points_after
                <= b.points_exact * (1 + spread) + step
            )
