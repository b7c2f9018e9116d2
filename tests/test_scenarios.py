"""Bundled scenarios tell the truth, and a run tests the programme the calibration describes.

Every file in scenarios/ says in its description what a run of it shows ("A run shows:
STATUS — …"); each is run here at a test-sized population (fixed budgets scaled with it)
and held to that status and to exactly the verdicts it names as failing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy.testing import assert_allclose

import econsim
from econsim.calibration import predicted_issuance
from econsim.errors import ScenarioError
from econsim.scenario import Scenario, load_scenario
from econsim.testing import scale_overrides
from tests.conftest import ROOT, SCENARIOS

USERS = 3000

#: status, and the verdicts that fail, for every bundled scenario.
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "calibration-example": ("unhealthy", {"consumption rate", "consumer share"}),
    "coffee-festival": (
        "healthy with warnings",
        {"points not inflating", "every period within budget"},
    ),
    "coffee-healthy": ("healthy", set()),
    "coffee-spring-push": ("healthy with warnings", {"every period within budget"}),
    "coffee-too-expensive": ("unhealthy", {"consumer share"}),
    "content-community": ("unhealthy", {"consumer share"}),
    "e-commerce": ("healthy with warnings", {"every period within budget"}),
    "record-store": ("unhealthy", {"consumer share", "issuance on plan"}),
    "ride-hailing": ("healthy", set()),
    "wealth-management": ("unhealthy", {"consumer share"}),
}


def test_every_bundled_scenario_has_an_expectation() -> None:
    assert {p.stem for p in SCENARIOS} == set(EXPECTED)


def shrunk(path: Path, *extra: str, users: int = USERS) -> Scenario:
    """A bundled scenario at ``users`` members (or its own, when fewer: shrunk, never grown),
    with what is counted per member — arrivals, a fixed budget, stock — scaled alike
    (``econsim.testing.at_scale``), so the test scale judges the same programme as the
    full one."""
    full = load_scenario(path)
    size = min(users, full.population.users)
    return load_scenario(path, [*scale_overrides(full, size), *extra])


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_description_states_what_a_run_shows(path: Path) -> None:
    status, _ = EXPECTED[path.stem]
    assert f"A run shows: {status} —" in load_scenario(path).description


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_run_shows_what_the_description_says(path: Path) -> None:
    status, failing = EXPECTED[path.stem]
    run = econsim.run(shrunk(path), replications=2, workers=1)
    assert run.metrics.status().label == status
    assert f"— {status}<table>" in run._repr_html_()  # the notebook view says the same
    assert {v.name for v in run.metrics.verdicts if not v.passed} == failing


@pytest.mark.parametrize("mode", ["calibrated", "as_written"])
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_planned_cost_per_user_is_the_calibrations(path: Path, mode: str) -> None:
    scenario = shrunk(path, f"design.calibration.point_values={mode}", users=300)
    run = econsim.run(scenario, replications=1, workers=1)
    cal = econsim.calibrate(scenario)
    field = "cost_per_user" if mode == "calibrated" else "cost_per_user_as_written"
    for cost in run.metrics.finance.cost_per_user:
        assert_allclose(cost.planned, getattr(cal.tier(cost.tier), field), rtol=1e-12)
    assert run.summary()["point_values"]["simulated"] == mode


def test_a_run_simulates_the_calibrated_values_unless_told_otherwise() -> None:
    path = ROOT / "scenarios" / "coffee-healthy.yaml"
    calibrated = econsim.run(shrunk(path, "horizon_days=30"), replications=1, workers=1)
    written = econsim.run(
        shrunk(path, "horizon_days=30", "design.calibration.point_values=as_written"),
        replications=1,
        workers=1,
    )
    values = calibrated.summary()["point_values"]["behaviours"]["purchase"]
    assert values["as_written"] == 1 and values["simulated"] == values["calibrated"] > 4
    assert calibrated.simulated.design.behaviours["purchase"].points == values["calibrated"]
    assert written.simulated.design.behaviours["purchase"].points == 1
    # members earn what the calibrated plan predicts, not what the written values would give
    ratio = calibrated.results.summary()["issued"] / written.results.summary()["issued"]
    assert_allclose(ratio, planned(calibrated.simulated) / planned(written.simulated), rtol=0.1)


def planned(scenario: Scenario) -> float:
    """Predicted behaviour points per period of the whole starting membership."""
    predicted = predicted_issuance(scenario)
    tiers = scenario.population.tiers
    return sum(tiers[t].share * sum(p.values()) for t, p in predicted.items())


def test_sweeping_a_point_value_that_calibration_rescales_is_an_error() -> None:
    path = ROOT / "scenarios" / "coffee-healthy.yaml"
    with pytest.raises(ScenarioError) as caught:
        econsim.sweep(path, ["design.behaviours.sign_in.points=1,2"], replications=1, workers=1)
    text = str(caught.value)
    assert "--param design.behaviours.sign_in.points" in text and "--as-written" in text
    swept = econsim.sweep(
        shrunk(path, "horizon_days=30"),
        ["design.behaviours.sign_in.points=1,3"],
        overrides=["design.calibration.point_values=as_written"],
        replications=1,
        workers=1,
    )
    issued = [row["issued_mean"] for row in swept.rows]
    assert issued[1] > issued[0]  # as written, the swept value reaches the engine


def test_cli_as_written_over_budget_exits_3_with_a_red_badge(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """e-commerce's written point values cost ~2.5x its budget: as written it must fail."""
    out = tmp_path / "as-written"
    args = ("--set", "population.users=3000", "--set", "population.acquisition_per_day=8")
    done = run_cli(
        "run",
        ROOT / "scenarios" / "e-commerce.yaml",
        "-o",
        out,
        "--replications",
        "1",
        "--as-written",
        "--fail-on-unhealthy",
        "--no-charts",
        *args,
    )
    assert done.returncode == 3, done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["point_values"]["simulated"] == "as_written"
    assert summary["status"] == "unhealthy"
    assert not next(v for v in summary["verdicts"] if v["name"] == "within budget")["passed"]
    assert 'class="badge unhealthy"' in (out / "report.html").read_text(encoding="utf-8")
    assert "overall: unhealthy" in done.stdout.splitlines()[-3:]
