"""DAU, WAU, MAU and stickiness (issue 19, item 4, first part): closed forms for members who
act by a known daily chance, and the figures in daily.csv, summary.json and the report."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from econsim import simulate
from econsim.engine.model import compile_model
from econsim.metrics import activity, retention
from tests.builders import tiny


def test_members_who_act_every_day_are_all_daily_weekly_and_monthly_active() -> None:
    r = simulate(tiny())  # 100 members sign in every day
    a = activity(r)
    for s in (a.dau, a.wau, a.mau):
        assert (s.values == 100).all()
    assert_allclose(a.stickiness.values, 1.0)


def test_a_daily_chance_gives_the_binomial_wau_mau_and_stickiness() -> None:
    """Each member signs in on a day with chance p, independently: E[DAU] = N p,
    E[WAU] = N (1 − (1 − p)^7), E[MAU] = N (1 − (1 − p)^30) once the windows are full."""
    s = tiny(horizon_days=60, population={"users": 4000},
             design={"tiers": {"basic": {"uptake": {"sign_in": 0.3}}}})  # fmt: skip
    p = float(compile_model(s).slot_p[0, 0])
    assert 0.2 < p < 0.4
    n, r = 4000, simulate(s, seed=3, replications=2)
    a = activity(r)
    dau, wau, mau = (x.values[:, 30:].mean() for x in (a.dau, a.wau, a.mau))
    se = np.sqrt(n * p * (1 - p) / (2 * 30))  # 60 member-days averaged, loosely correlated
    assert_allclose(dau, n * p, atol=5 * se)
    assert_allclose(wau, n * (1 - (1 - p) ** 7), rtol=0.01)
    assert_allclose(mau, n * (1 - (1 - p) ** 30), rtol=0.005)
    assert_allclose(a.stickiness.values[:, 40:].mean(), p / (1 - (1 - p) ** 30), rtol=0.01)
    # the windows are distinct members: never above the members, never below the day's
    assert (a.dau.values <= a.wau.values).all() and (a.wau.values <= a.mau.values).all()


def test_no_one_active_has_no_stickiness() -> None:
    a = activity(simulate(tiny(design={"tiers": {"basic": {"uptake": {"sign_in": 0.0}}}})))
    assert (a.mau.values == 0).all() and np.isnan(a.stickiness.values).all()
    assert a.summary()["stickiness"] is None  # null in JSON, never a number


def test_a_ledger_with_more_weekly_than_monthly_active_members_is_reported() -> None:
    from econsim.engine.calendar import run_calendar
    from econsim.engine.ledger import check_invariants
    from econsim.engine.simulation import Simulation
    from econsim.errors import SimulationError

    sim = Simulation(compile_model(tiny()), np.random.default_rng(0))
    run_calendar(sim)
    check_invariants(sim.ledger, hard_cap=False)
    sim.ledger.wau[12, 0] = sim.ledger.mau[12, 0] + 1
    with pytest.raises(SimulationError, match="active members out of order on day 12"):
        check_invariants(sim.ledger, hard_cap=False)


def test_day_k_retention_of_members_who_act_by_a_daily_chance_is_that_chance() -> None:
    """New members sign in on any day with chance p, independently of when they joined:
    of each cohort, a share p is active on day k, for every k; the launch population is no
    cohort (its 500 members would all count on day 1 otherwise)."""
    s = tiny(horizon_days=90, population={"users": 500, "acquisition_per_day": 60},
             design={"tiers": {"basic": {"uptake": {"sign_in": 0.03}}}})  # fmt: skip
    p = float(compile_model(s).slot_p[0, 0])
    assert 0.02 < p < 0.05
    r = simulate(s, seed=5, replications=2)
    kept = retention(r)
    for k, share in kept.days.items():
        cohorts = 60 * (90 - k - 1) * 2  # members whose day k is inside the horizon
        se = np.sqrt(p * (1 - p) / cohorts)
        assert_allclose(share, p, atol=4 * se), k
    # a month's cohort is active in the next (a full month of daily chances) with 1 − (1 − p)^n
    n_days = 28  # February 2027, the cohort of January in its first month after joining
    cohort = 60 * 30 * 2  # January's new members from day 1, both replications
    se = np.sqrt(0.6 * 0.4 / cohort)
    assert_allclose(kept.triangle[0, 1], 1 - (1 - p) ** n_days, atol=4 * se)
    assert np.isnan(kept.triangle[1, 2])  # beyond the horizon: no value, never a 0


def test_members_who_act_every_day_are_all_retained_and_day_30_needs_31_days() -> None:
    s = tiny(population={"acquisition_per_day": 5})  # every member signs in every day
    kept = retention(simulate(s))
    assert kept.days[1] == kept.days[7] == 1.0
    assert np.isnan(kept.days[30]) and kept.summary()["day_30"] is None  # 30 days: no day 30
    assert_allclose(kept.triangle[0, 0], 1.0)
