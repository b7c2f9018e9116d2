"""Whole runs: agreement with the calibration, determinism, every bundled scenario, files.

The runs that check the engine itself (calibration, every bundled horizon, determinism and
workers, a broken ledger) are here."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from econsim import Results, SimulationError, calibrate, load_scenario, simulate
from econsim.engine.calendar import run_calendar
from econsim.engine.ledger import check_invariants
from econsim.engine.model import compile_model
from econsim.engine.simulation import Simulation
from econsim.report import write
from tests.conftest import ROOT, SCENARIOS, rewriting, small

EXAMPLE = ROOT / "scenarios" / "calibration-example.yaml"


def test_agreement_with_calibration() -> None:
    """Users who behave as the design assumes issue the calibration's predicted points.

    The calibrated example, one 30-day period, 100,000 users, 4 replications. Core behaviour:
    8 occurrences a period, gamma amounts with cv 0.25 (so the period cap almost never
    binds). Tolerance 1%: flooring core points per user-day costs at most 0.7% (standard
    tier: half a point of ~37 per occurrence on half its points), and the sampling error of
    the per-user mean is below 0.3% in every tier (gold: 16,000 user-periods, per-user cv 0.36).
    """
    core = "{invest: {frequency: 8, amount: {distribution: gamma, cv: 0.25}}}"
    overrides = [
        "population.users=100000",
        "design.budget.amount=750000",  # ten times the example: same per-user economics
        *(f"population.tiers.{t}.core={core}" for t in ("standard", "silver", "gold")),
    ]
    scenario = load_scenario(EXAMPLE, overrides)
    cal = calibrate(scenario)
    calibrated = cal.calibrated_scenario(scenario)
    r = simulate(calibrated, seed=3, replications=4)
    users = r["users"][:, 0, :].sum(axis=0)  # users per tier on day 0 (no acquisition)
    per_user = r["issued"].sum(axis=(0, 1, 2)) / users
    for i, tier in enumerate(r.tiers):
        predicted = sum(cal.predicted_by_behaviour[tier].values())
        assert per_user[i] == pytest.approx(predicted, rel=0.01), tier
    by_behaviour = r["issued"].sum(axis=(0, 1))  # [source, tier]
    for j, b in enumerate(calibrated.design.behaviours):
        for i, tier in enumerate(r.tiers):
            want = cal.predicted_by_behaviour[tier][b]
            assert by_behaviour[j, i] / users[i] == pytest.approx(want, rel=0.02), (b, tier)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_bundled_scenario_runs_its_horizon(path: Path) -> None:
    scenario = small(path, 1500)
    r = simulate(scenario, replications=1)  # invariants are checked inside every run
    assert r.days == scenario.horizon_days
    flow = r.total("issued") - r.total("redeemed") - r.total("expired")
    assert (flow.cumsum(axis=1) == r.total("outstanding")).all()
    assert r.total("issued").sum() > 0
    if scenario.design.catalog:
        assert r.total("redemptions").sum() > 0


def test_same_seed_same_numbers_and_workers_agree() -> None:
    s = small(ROOT / "scenarios" / "wealth-management.yaml", 800)
    a = simulate(s, seed=5, replications=3)
    b = simulate(s, seed=5, replications=3)
    c = simulate(s, seed=5, replications=3, workers=2)
    for name in a.arrays:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        np.testing.assert_array_equal(a[name], c[name], err_msg=name)
    totals = a.total("issued").sum(axis=1)
    assert len(set(totals.tolist())) == 3, "replications must use different streams"
    other = simulate(s, seed=6, replications=1)
    assert other.total("issued").sum() != totals[0]


def test_results_save_and_load(tmp_path: Path) -> None:
    s = small(ROOT / "scenarios" / "e-commerce.yaml", 500)
    r = simulate(s, replications=2)
    for suffix in (".npz", ".parquet"):  # pyarrow: the 'data' extra, part of 'dev'
        (saved,) = write(r, tmp_path / f"run{suffix}")
        back = Results.load(saved)
        assert back.scenario == s and back.labels == r.labels
        for name in r.arrays:
            np.testing.assert_array_equal(back[name], r[name], err_msg=f"{suffix}: {name}")


def test_parquet_results_load_whole_while_being_replaced(tmp_path: Path) -> None:
    # A dashboard may load a run's file while a re-run replaces it: each load must see one
    # whole run, not one version's footer with the other's pages.
    s = small(ROOT / "scenarios" / "e-commerce.yaml", 300)
    runs = [simulate(s, seed=seed, replications=1) for seed in (1, 2)]
    (path,) = write(runs[0], tmp_path / "run.parquet")
    issued = {float(r.total("issued").sum()) for r in runs}
    turns = itertools.cycle(runs)
    with rewriting(lambda: write(next(turns), path, force=True)):
        for _ in range(60):
            assert float(Results.load(path).total("issued").sum()) in issued


def test_to_df_has_a_row_per_replication_day() -> None:
    import pandas as pd  # the 'data' extra, part of 'dev'

    r = simulate(small(ROOT / "scenarios" / "ride-hailing.yaml", 300), replications=2)
    frame = r.to_df()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 2 * r.days
    assert frame["issued|trip|gold"].sum() == r["issued"][:, :, 0, 2].sum()


def test_broken_ledger_is_reported_with_its_day() -> None:
    s = small(ROOT / "scenarios" / "content-community.yaml", 300)
    sim = Simulation(compile_model(s), np.random.default_rng(0))
    run_calendar(sim)
    check_invariants(sim.ledger, hard_cap=False)
    sim.ledger.issued[40, 0, 0] += 1
    with pytest.raises(SimulationError, match="does not balance on day 40"):
        check_invariants(sim.ledger, hard_cap=False)


def test_too_big_is_refused_before_starting() -> None:
    s = load_scenario(EXAMPLE, ["population.users=4000000000"])
    with pytest.raises(SimulationError, match=r"needs about .* GiB .* limit is"):
        simulate(s)
