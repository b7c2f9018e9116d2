"""Guard a points programme in CI: copy this file into your repository's tests.

It tests scenarios/coffee-healthy.yaml; point SCENARIO at your own file. Needs econsim and
pytest (econsim brings Hypothesis and the pytest plugin that gives the ``econsim_run``
fixture). Every run simulates 2,000 members, with arrivals, a fixed budget
and stock scaled alike (``econsim.testing.CI_USERS``).
"""

from hypothesis import given, settings

import econsim
from econsim.testing import assert_verdicts, check_ledger, populations, scenarios

SCENARIO = "scenarios/coffee-healthy.yaml"
#: CI examples: few, the same on every run (derandomised), no local example store.
CI = settings(max_examples=5, deadline=None, derandomize=True, database=None)


def test_the_design_as_written_is_healthy_and_its_books_balance(econsim_run):
    run = econsim_run(SCENARIO)
    check_ledger(run)
    assert_verdicts(run, "health,budget")


@CI
@given(populations(SCENARIO, scale=0.3))
def test_healthy_for_any_population_within_30_percent_of_our_assumptions(scenario):
    run = econsim.run(scenario, replications=1, workers=1)
    check_ledger(run)
    assert_verdicts(run)


@CI
@given(scenarios(SCENARIO, vary={"design.catalog.free_coffee.points_price": (300, 600)}))
def test_any_free_coffee_price_from_300_to_600_keeps_it_healthy(scenario):
    run = econsim.run(scenario, replications=1, workers=1)
    assert_verdicts(run)
