"""A replication stopped at a day, checkpointed and restored goes on exactly as if it had
never stopped: the test that the simulation's state is complete (issue 35)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from econsim import scenario_from_dict
from econsim.engine.calendar import run_calendar
from econsim.engine.model import compile_model
from econsim.engine.recorder import LedgerRecorder
from econsim.engine.simulation import Simulation
from econsim.scenario.variants import with_overrides
from tests.conftest import ROOT
from tests.test_everything import EVERYTHING

#: Every mechanic (from 1 November: month ends on days 29 and 60, budget periods from 30
#: and 60), and a bundled design with festivals and a season.
CASES = {
    "everything": lambda: with_overrides(scenario_from_dict(EVERYTHING), ["population.users=500"]),
    "coffee-festival": lambda: with_overrides(
        ROOT / "scenarios" / "coffee-festival.yaml",
        ["population.users=800", "start_date=2027-11-01", "horizon_days=61"],
    ),
}


def simulation(name: str, recorded: bool = False) -> Simulation:
    model = compile_model(CASES[name]())
    rng = np.random.default_rng(np.random.SeedSequence(5).spawn(1)[0])
    return Simulation(model, rng, LedgerRecorder() if recorded else None)


def assert_same(a: Simulation, b: Simulation) -> None:
    for name, values in a.ledger.arrays().items():
        assert_array_equal(values, b.ledger.arrays()[name], err_msg=name)
    n = a.state.n
    assert b.state.n == n
    for field in ("balance", "tier", "life", "lots", "last_redeem", "review_metric"):
        assert_array_equal(getattr(a.state, field)[..., :n], getattr(b.state, field)[..., :n])


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("stop", [29, 30, 45])  # on a month's end, a period's start, between
def test_a_resumed_run_is_the_uninterrupted_run(name: str, stop: int) -> None:
    whole = simulation(name)
    run_calendar(whole)
    part = simulation(name)
    run_calendar(part, stop=stop)
    assert part.days_done == stop and part.ledger.issued[stop:].sum() == 0
    again = Simulation.restore(part.checkpoint())
    run_calendar(again)
    assert_same(whole, again)


def test_a_recorded_run_resumes_its_log_too() -> None:
    whole = simulation("everything", recorded=True)
    run_calendar(whole)
    part = simulation("everything", recorded=True)
    run_calendar(part, stop=40)
    again = Simulation.restore(part.checkpoint())
    run_calendar(again)
    assert isinstance(whole.recorder, LedgerRecorder) and isinstance(again.recorder, LedgerRecorder)
    logs = whole.recorder.columns(whole.model), again.recorder.columns(again.model)
    for column, values in logs[0].items():
        assert_array_equal(values, logs[1][column], err_msg=column)


def test_a_checkpoint_is_only_read_as_a_simulation() -> None:
    import pickle

    with pytest.raises(TypeError, match="not a checkpoint of a simulation: dict"):
        Simulation.restore(pickle.dumps({"day": 3}))
