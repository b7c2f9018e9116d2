"""The design advisor (issue 17): optimize finds a passing design; sensitivity ranks the knobs.

The plumbing from a sampler's unit point to a scenario (``--set`` texts applied by the same
code as ``econsim run --set``) is proven with analytic models of known answer; the search
itself on a real scenario at a small scale.
"""

from __future__ import annotations

import math
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from econsim import report
from econsim.advisor.objectives import Constraint, interval
from econsim.advisor.optimize import optimize
from econsim.advisor.sensitivity import sensitivity
from econsim.errors import ScenarioError
from econsim.protocol import Result
from econsim.scenario.load import load_scenario
from econsim.scenario.schema import Scenario
from tests.conftest import ROOT

EXPENSIVE = ROOT / "scenarios" / "coffee-too-expensive.yaml"
ITEMS = ("cup_upgrade", "free_coffee", "mug")
PRICES = [
    "design.catalog.cup_upgrade.points_price=100:1000",
    "design.catalog.free_coffee.points_price=400:4000",
    "design.catalog.mug.points_price=3000:30000",
]
SMALL = ["horizon_days=180", "population.users=1500", "population.acquisition_per_day=2"]


def ishigami(scenario: Scenario) -> dict[str, np.ndarray]:
    """Ishigami's function of three catalog costs, each mapped from [1, 3] onto [-π, π]."""
    x = [(scenario.design.catalog[i].cost - 2.0) * math.pi for i in ITEMS]
    y = math.sin(x[0]) + 7 * math.sin(x[1]) ** 2 + 0.1 * x[2] ** 4 * math.sin(x[0])
    return {"consumption_rate": np.array([y, y])}


def linear(scenario: Scenario) -> dict[str, np.ndarray]:
    """1·cup cost + 2·coffee cost; the mug's cost does nothing."""
    c = scenario.design.catalog
    y = c["cup_upgrade"].cost + 2.0 * c["free_coffee"].cost
    return {"consumption_rate": np.array([y, y])}


COSTS = [f"design.catalog.{i}.cost=1:3" for i in ITEMS]


def test_sobol_through_the_override_path_recovers_ishigami_indices() -> None:
    s = sensitivity(EXPENSIVE, COSTS, method="sobol", samples=256, seed=3, workers=1,
                    figures=("consumption_rate",), model=ishigami)  # fmt: skip
    # Ishigami (a = 7, b = 0.1): the analytic first-order and total indices
    s1 = np.array([0.3139, 0.4424, 0.0])
    st = np.array([0.5576, 0.4424, 0.2437])
    assert_allclose([i.first for i in s.indices], s1, atol=0.1)
    assert_allclose([i.total for i in s.indices], st, atol=0.1)
    assert s.ranking("consumption_rate") == [f"design.catalog.{i}.cost" for i in ITEMS]
    assert s.designs == 7 + 256 * (3 + 2)  # the tornado, then N·(d + 2)


def test_tornado_and_morris_of_a_linear_model_are_its_coefficients_times_the_range() -> None:
    s = sensitivity(EXPENSIVE, COSTS, method="morris", samples=6, seed=1, workers=1,
                    figures=("consumption_rate",), model=linear)  # fmt: skip
    # each cost spans 2, so moving it across its range moves y by 2× its coefficient
    assert_allclose([b.swing for b in s.bars], [2.0, 4.0, 0.0], atol=1e-9)
    # the design itself: cup 1, coffee 4 (outside the box: the tornado keeps it)
    assert s.baseline["consumption_rate"] == pytest.approx(1 + 2 * 4)
    assert_allclose([i.total for i in s.indices], [2.0, 4.0, 0.0], atol=1e-9)  # μ*
    assert_allclose([i.spread for i in s.indices], [0.0, 0.0, 0.0], atol=1e-9)  # additive
    assert isinstance(s, Result) and len(s.to_df()) == 3


def test_interval_is_students_t_over_replications() -> None:
    lo, hi = interval([0.40, 0.46], 0.9)
    half = stats.t.ppf(0.95, 1) * np.std([0.40, 0.46], ddof=1) / math.sqrt(2)
    assert_allclose([lo, hi], [0.43 - half, 0.43 + half])
    assert math.isnan(interval([0.5], 0.9)[0])  # one replication has no interval


def test_a_constraint_is_met_only_with_confidence_not_on_the_mean() -> None:
    share = Constraint("consumer share", "health", "consumer_share", 0.40, True)
    assert share.slack(np.array([0.41, 0.45]), 0.9) > 0  # mean 43%, lower end under 40%
    assert share.slack(np.array([0.44, 0.45, 0.44, 0.45]), 0.9) <= 0
    budget = Constraint("within budget", "budget", "budget_used", 1.0, False)
    assert budget.slack(np.array([0.90, 0.92]), 0.9) <= 0
    assert budget.slack(np.array([0.90, 1.05]), 0.9) > 0  # the upper end is over budget


def priced(scenario: Scenario) -> dict[str, np.ndarray]:
    """A programme whose consumer share falls and cost per member rises with the free
    coffee's price in points: it passes below 2,000 points, and is cheapest at 2,000."""
    price = scenario.design.catalog["free_coffee"].points_price
    share = 0.8 - price / 5000
    figures = {"consumer_share": share, "consumption_rate": 0.6, "budget_used": 0.5,
               "supply_growth": 0.01, "cost_per_active_user": 5000 / price}  # fmt: skip
    return {k: np.array([v, v]) for k, v in figures.items()}


def test_optimize_finds_the_passing_optimum_and_writes_it_as_a_scenario(tmp_path: Path) -> None:
    out = tmp_path / "study"
    o = optimize(EXPENSIVE, ["design.catalog.free_coffee.points_price=400:4000"], trials=16,
                 seed=1, workers=1, output=out, model=priced)  # fmt: skip
    best = o.best()
    assert best is not None and 1700 <= best.values[0] <= 2000
    assert all(t.values[0] <= 2000 for t in o.feasible())  # the constraint, exactly
    assert all(t.objectives[0] >= best.objectives[0] for t in o.feasible())
    written = report.write(o, out, scenario_file=EXPENSIVE)
    names = {p.relative_to(out).as_posix() for p in written}
    assert {"best.yaml", "trials.csv", "top.csv", "summary.json", "report.html",
            "charts/pareto.png", "charts/history.png"} <= names  # fmt: skip
    text = (out / "best.yaml").read_text(encoding="utf-8")
    assert "# The coffee chain of scenarios/coffee-healthy.yaml" in text  # comments kept
    assert f"design.catalog.free_coffee.points_price={best.values[0]}" in text
    again = load_scenario(out / "best.yaml")
    assert again.design.catalog["free_coffee"].points_price == best.values[0]
    assert "optimised (trial" in again.name
    assert len((out / "trials.csv").read_text(encoding="utf-8-sig").splitlines()) == 17


@pytest.mark.slow  # a study killed and resumed
def test_a_killed_study_resumes_with_every_trial_once(tmp_path: Path) -> None:
    out = tmp_path / "study"
    args = [sys.executable, "-m", "econsim", "optimize", str(EXPENSIVE),
            *(a for p in PRICES[:2] for a in ("--vary", p)), "--replications", "2",
            "--workers", "1", *(a for s in SMALL for a in ("--set", s)),
            "-o", str(out)]  # fmt: skip
    proc = subprocess.Popen([*args, "--trials", "40"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tmp_path)  # fmt: skip
    db = out / "study.db"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:  # kill it while a trial runs, after two finished
            states = _states(db)
            if states.count("COMPLETE") + states.count("FAIL") >= 2 and "RUNNING" in states:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the study never had two finished trials and one running")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    killed = _states(db)
    assert "RUNNING" in killed
    resumed = subprocess.run([*args, "--trials", str(len(killed) + 2), "--resume"],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300)  # fmt: skip
    assert resumed.returncode in (0, 3), resumed.stderr
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT number, state FROM trials ORDER BY number").fetchall()
        params = con.execute(
            "SELECT trial_id, param_name, param_value FROM trial_params ORDER BY trial_id"
        ).fetchall()
    numbers = [n for n, _ in rows]
    assert numbers == list(range(len(killed) + 2))  # each number once, none lost
    assert all(state in ("COMPLETE", "FAIL") for _, state in rows)
    designs = {}
    for trial_id, name, value in params:
        designs.setdefault(trial_id, []).append((name, value))
    assert len({tuple(d) for d in designs.values()}) == len(designs)  # no design run twice


def test_a_study_killed_while_asking_resumes(tmp_path: Path) -> None:
    """Killed between Optuna's ask and the trial's fields (issue 38): the RUNNING trial has no
    parameters, and every --resume failed with a KeyError on the field's path. It is asked its
    fields and run under its number."""
    import optuna

    out = tmp_path / "study"
    box = ["design.catalog.free_coffee.points_price=400:4000"]
    optimize(EXPENSIVE, box, trials=3, seed=1, workers=1, output=out, model=priced)
    storage = f"sqlite:///{out / 'study.db'}"
    optuna.load_study(study_name="econsim", storage=storage).ask()  # the kill: no params
    o = optimize(EXPENSIVE, box, trials=6, seed=1, workers=1, output=out, model=priced,
                 resume=True)  # fmt: skip
    assert [t.number for t in o.trials] == list(range(6))
    assert all(400 <= t.values[0] <= 4000 for t in o.trials)
    states = _states(out / "study.db")
    assert states.count("COMPLETE") + states.count("FAIL") == 6 and "RUNNING" not in states


def _states(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as con:
            return [s for (s,) in con.execute("SELECT state FROM trials")]
    except sqlite3.OperationalError:  # the study is creating its tables
        return []


def test_sensitivity_ranks_the_catalog_prices_the_same_on_two_seeds(tmp_path: Path) -> None:
    rankings = []
    for seed in (1, 2):
        s = sensitivity(EXPENSIVE, PRICES, method="morris", samples=4, seed=seed,
                        replications=2, workers=1, overrides=SMALL)  # fmt: skip
        rankings.append({f: s.ranking(f) for f in ("consumer_share", "consumption_rate")})
    assert rankings[0] == rankings[1]
    # the cheapest rewards decide who can redeem; the 30,000-point mug hardly matters
    assert rankings[0]["consumer_share"][-1] == "design.catalog.mug.points_price"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--objective", "profit"], "unknown objective 'profit'"),
        (["--replications", "1"], "at least 2"),
        (["--vary", "design.catalog.mugg.points_price=1:5"], "'mugg' is not set"),
        (["--vary", "design.catalog.mug.points_price=500:100"], "LOW (500) must be below"),
        (["--vary", "design.catalog.mug.loop=1:2"], "is not a number"),
        (["--vary", "design.expiry.months=0:12:log"], "a log range must stay above 0"),
    ],
)
def test_bad_advisor_input_is_a_located_error(
    run_cli, tmp_path: Path, extra: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    vary = [] if "--vary" in extra else ["--vary", PRICES[0]]
    done = run_cli("optimize", EXPENSIVE, *vary, *extra, "-o", tmp_path / "o")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()  # nothing written for bad input


def test_resuming_a_study_of_another_scenario_is_refused(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    common = ["--vary", PRICES[0], "--trials", "1", "--replications", "2", "--workers", "1",
              *(a for s in SMALL for a in ("--set", s)), "-o", tmp_path / "o"]  # fmt: skip
    assert run_cli("optimize", EXPENSIVE, *common).returncode in (0, 3)
    healthy = ROOT / "scenarios" / "coffee-healthy.yaml"
    done = run_cli("optimize", healthy, *common, "--resume")
    assert done.returncode == 2 and "holds a different study" in done.stderr
    again = run_cli("optimize", EXPENSIVE, *common)
    assert again.returncode == 2 and "--resume" in again.stderr  # no silent overwrite


def test_two_objectives_give_a_pareto_front_of_passing_designs() -> None:
    o = optimize(EXPENSIVE, PRICES[:2], objectives=["cost_per_active_user", "redeemer_share"],
                 trials=8, seed=2, replications=2, workers=1, overrides=SMALL)  # fmt: skip
    front = o.front()
    assert front and all(t.feasible for t in front)
    for a in front:  # nobody on the front is beaten on both objectives by a passing design
        for b in o.feasible():
            assert not (b.objectives[0] < a.objectives[0] and b.objectives[1] > a.objectives[1])
    assert isinstance(o, Result) and len(o.to_df()) == 8
    assert "Optimisation of" in o._repr_html_()


@pytest.mark.parametrize("name", ["coffee-healthy", "e-commerce", "wealth-management"])
def test_quick_overrides_equal_the_yaml_path(name: str) -> None:
    from econsim.scenario.load import dump_scenario, parse_yaml, validate_tree
    from econsim.scenario.overrides import apply_overrides
    from econsim.scenario.variants import with_overrides

    base = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    texts = ["population.users=1234", "seed=9", "design.period_days=7"]
    tree = parse_yaml(dump_scenario(base), "x")
    slow = validate_tree(tree, "x", apply_overrides(tree, texts))
    assert with_overrides(base, texts) == slow
    with pytest.raises(ScenarioError, match=r"--set population\.users=-5"):  # located
        with_overrides(base, ["population.users=-5"])
