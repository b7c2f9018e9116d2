"""Growth of the membership (issue 19, item 4): the new/old member ratio, the repurchase
rate and the AARRR funnel, in closed form; cohort metrics a horizon cannot show."""

from __future__ import annotations

import math

import numpy as np
import pytest

from econsim import ScenarioError, loads_scenario, simulate
from econsim.engine.model import compile_model
from econsim.metrics import evaluate
from tests.builders import tiny
from tests.test_coupons import USERS, shop
from tests.test_scenario_load import GOOD


def test_repurchase_rate_of_poisson_buyers() -> None:
    # one purchase a day on average (λ = 1) for 3 days: N ~ Poisson(3) purchases
    r = simulate(tiny(horizon_days=3, **shop(None)))
    rate = evaluate(r).growth.repurchase_rate.final()
    p1, p2 = 1 - math.exp(-3), 1 - 4 * math.exp(-3)
    buyers = USERS * p1
    assert abs(rate - p2 / p1) <= 4 * math.sqrt(p2 / p1 * (1 - p2 / p1) / buyers)
    assert r["buyers"][0].sum() == pytest.approx(buyers, abs=4 * math.sqrt(buyers))
    assert r["repeat_buyers"][0, 0].sum() > 0, "two purchases on day 0 repeat on day 0"


def test_funnel_when_every_member_signs_in_every_day() -> None:
    s = tiny(horizon_days=40, population={"acquisition_per_day": 10})
    r = simulate(s)
    g = evaluate(r).growth
    new = r["new_users"][0].copy()
    new[0] = 0
    funnel = r["funnel"][0]
    np.testing.assert_array_equal(funnel[:, 0], new)  # acquisition: joined from day 1
    np.testing.assert_array_equal(funnel[:, 1], new)  # everyone acts on the day they join
    np.testing.assert_array_equal(r["active_new"][0], new)
    # retained: active 30 days after joining — the cohorts of days 1 … 9, on days 31 … 39
    np.testing.assert_array_equal(funnel[31:, 2], new[1:10])
    assert funnel[:31, 2].sum() == 0 and funnel[:, 3:].sum() == 0  # no purchase, no referral
    assert g.conversion["activation"] == 1.0
    # no purchase to make, no friend to bring: those stages have no conversion, not 0%
    assert math.isnan(g.conversion["revenue"]) and math.isnan(g.conversion["referral"])
    assert g.summary()["funnel"]["referral"]["conversion"] is None
    assert g.conversion["retention"] == pytest.approx(new[1:10].sum() / new.sum())
    # new/old ratio: the day's new members over everyone there before (all active; day 0's
    # arrivals are launch members, not new ones)
    joined = r["new_users"][0]
    before = 100 + np.cumsum(joined) - joined
    np.testing.assert_allclose(g.new_old_ratio.values[0, 1:], new[1:] / before[1:])


def test_referral_is_a_new_member_who_brings_a_friend_later() -> None:
    s = tiny(
        horizon_days=30,
        design={"mechanics": {"referral": {"inviter_points": 5, "invitee_points": 5}}},
        population={"referral_rate": 0.05},
    )
    r = simulate(s)
    funnel = r["funnel"][0].sum(axis=0)
    assert 0 < funnel[4] <= funnel[0], "invitees who later invite, never more than joined"


def test_retention_days_the_scenario_asks_for_are_counted() -> None:
    s = tiny(horizon_days=20, operating={"retention_days": [5, 2], "retained_after_days": 10},
             population={"acquisition_per_day": 5})  # fmt: skip
    assert compile_model(s).retention_days == (2, 5)
    r = simulate(s)
    assert r.labels["retention"] == ("day 2", "day 5")
    summary = evaluate(r).summary()
    assert set(summary["retention"]) >= {"day_2", "day_5"}
    assert summary["growth"]["retained_after_days"] == 10


def operating_yaml(horizon: int, operating: str) -> str:
    return f"horizon_days: {horizon}\n" + GOOD + operating


@pytest.mark.parametrize(
    ("operating", "field", "message"),
    [
        ("operating:\n  retention_days: [1, 30]\n", "operating.retention_days[1]",
         "day-30 retention needs a horizon of at least 32 days"),
        ("operating:\n  retained_after_days: 30\n", "operating.retained_after_days",
         "needs a horizon of at least 32 days"),
    ],
)  # fmt: skip
def test_a_cohort_metric_on_too_short_a_horizon_is_a_located_error(
    operating: str, field: str, message: str
) -> None:
    text = operating_yaml(20, operating)
    key = operating.splitlines()[1].strip()
    line = text.splitlines().index(f"  {key}") + 1
    with pytest.raises(ScenarioError) as e:
        loads_scenario(text, "ops.yaml")
    shown = str(e.value)
    assert f"ops.yaml:{line}:" in shown and field in shown and message in shown
    assert "ask for days up to 18" in shown or "at most 18" in shown


def test_unasked_cohort_days_past_the_horizon_are_undefined_not_errors() -> None:
    s = loads_scenario(operating_yaml(20, ""), "ops.yaml")
    summary = evaluate(simulate(s)).summary()
    assert summary["retention"]["day_30"] is None  # null in JSON, never a number


def test_a_funnel_that_widens_is_reported() -> None:
    from econsim.engine.calendar import run_calendar
    from econsim.engine.ledger import check_invariants
    from econsim.engine.simulation import Simulation
    from econsim.errors import SimulationError

    sim = Simulation(compile_model(tiny(population={"acquisition_per_day": 3})),
                     np.random.default_rng(0))  # fmt: skip
    run_calendar(sim)
    check_invariants(sim.ledger, hard_cap=False)
    sim.ledger.funnel[4, 1] += int(sim.ledger.funnel[:5, 0].sum()) + 1
    with pytest.raises(SimulationError, match="the funnel widens by day 4"):
        check_invariants(sim.ledger, hard_cap=False)
