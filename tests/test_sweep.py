"""Sweeps: parameters and grids, common random numbers, streaming to disk, kill and resume."""

from __future__ import annotations

import itertools
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from numpy.testing import assert_allclose

import econsim
from econsim.errors import ScenarioError
from econsim.explore.grid import Parameter, grid
from econsim.explore.store import read_table, write_table
from econsim.metrics.figures import NAMES, key_figures
from econsim.metrics.series import finite_mean
from tests.conftest import ROOT, rewriting

COFFEE = ROOT / "scenarios" / "coffee-healthy.yaml"
#: A test-sized coffee chain: 300 members over 60 days.
SMALL = ("population.users=300", "population.acquisition_per_day=0.3", "horizon_days=60")
CUP = "design.catalog.cup_upgrade.points_price"
COFFEE_PRICE = "design.catalog.free_coffee.points_price"


def test_range_and_list_parameters() -> None:
    price = Parameter.parse(f"{CUP}=100:500:5")
    assert price.values == (100, 200, 300, 400, 500)
    assert all(type(v) is int for v in price.values)
    share = Parameter.parse("population.tiers.gold.share=0.05,0.08,0.1")
    assert share.values == (0.05, 0.08, 0.1)
    assert Parameter.parse(f"{CUP}=100:200:3").values == (100, 150, 200)
    assert Parameter.parse("design.budget.ratio=0.01:0.02:3").values == (0.01, 0.015, 0.02)


def test_full_grid_and_zip() -> None:
    a = Parameter.parse(f"{CUP}=100,200")
    b = Parameter.parse(f"{COFFEE_PRICE}=400,800,1200")
    assert [p.values for p in grid([a, b])] == [
        (100, 400), (100, 800), (100, 1200), (200, 400), (200, 800), (200, 1200),
    ]  # fmt: skip
    c = Parameter.parse(f"{COFFEE_PRICE}=400,800")
    assert [p.values for p in grid([a, c], paired=True)] == [(100, 400), (200, 800)]
    with pytest.raises(ScenarioError, match="--zip needs lists of equal length"):
        grid([a, b], paired=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("design.catalog.cup_upgrade.points_prise=1:2:2", "no scenario field"),
        (f"{CUP}=100:200", "a range is START:STOP:COUNT"),
        (f"{CUP}=100:200:0", "COUNT '0'"),
        (f"{CUP}=abc:200:2", "'abc' is not a number"),
        (f"{CUP}", "a parameter is PATH="),
    ],
)
def test_bad_parameters_name_the_option(text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as info:
        Parameter.parse(text)
    assert "--param" in str(info.value)


def test_every_point_is_validated_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        econsim.sweep(COFFEE, ["population.tiers.gold.share=0.15,1.5"], output=tmp_path / "s")
    text = str(info.value)
    assert "coffee-healthy.yaml" in text and "population.tiers.gold.share=1.5" in text
    assert not (tmp_path / "s").exists()


def test_a_point_is_the_run_of_its_scenario_on_the_common_seed() -> None:
    s = econsim.sweep(COFFEE, [f"{CUP}=100,300"], overrides=SMALL, replications=3, workers=1)
    alone = econsim.run(COFFEE, overrides=[*SMALL, f"{CUP}=300"], replications=3, workers=1)
    figures = key_figures(alone.results, alone.metrics)
    row = s.rows[1]
    for name in NAMES:
        assert_allclose(row[f"{name}_mean"], finite_mean(figures[name]), rtol=1e-12)
    assert row["healthy"] == alone.healthy


def test_common_random_numbers_across_points() -> None:
    # with point values as written, the budget ratio changes what the operator may spend,
    # not what users do: with common random numbers every point issues exactly the same points
    written = (*SMALL, "design.calibration.point_values=as_written")
    ratios = ["design.budget.ratio=0.02:0.04:3"]
    s = econsim.sweep(COFFEE, ratios, overrides=written, replications=3, workers=1)
    issued = s.column("issued_mean")
    assert issued[0] == issued[1] == issued[2]
    used = s.column("budget_used_mean")
    assert used[0] > used[1] > used[2]  # same cost, growing budget
    # calibrated (the default), a larger budget buys more points per member
    calibrated = econsim.sweep(COFFEE, ratios, overrides=SMALL, replications=3, workers=1)
    more = calibrated.column("issued_mean")
    assert more[0] < more[1] < more[2]


def test_cheaper_catalog_consumes_more() -> None:
    s = econsim.sweep(COFFEE, [f"{CUP}=100,1000"], overrides=SMALL, replications=4, workers=1)
    low, high = s.column("consumption_rate_mean")
    assert low > high
    assert s.good() == [row for row in s.rows if row["healthy"] and row["within_budget"]]


def _sweep_cli(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "econsim", "sweep", str(COFFEE),
        "--param", f"{CUP}=100:500:5", "--param", f"{COFFEE_PRICE}=400:2000:5",
        "--replications", "4", "--workers", "2", "-o", str(out),
        *(a for s in SMALL for a in ("--set", s)), *extra,
    ]  # fmt: skip


def _nan_as_none(table: dict[str, list[object]]) -> dict[str, list[object]]:
    """NaN (a figure a design has not: no packaged campaign) is never equal to itself."""
    return {
        k: [None if isinstance(v, float) and math.isnan(v) else v for v in col]
        for k, col in table.items()
    }


def _index(folder: Path) -> dict[str, list[object]]:
    return read_table(next(folder.glob("index.*")))


@pytest.mark.slow
def test_5x5_sweep_resumes_after_kill_with_the_same_index(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    whole = subprocess.run(
        _sweep_cli(tmp_path / "whole"), capture_output=True, text=True, env=env, timeout=900
    )
    assert whole.returncode == 0, whole.stderr
    assert "of 25 points pass every gating verdict (health, budget)" in whole.stdout

    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        _sweep_cli(killed), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            index = list(killed.glob("index.*"))
            if index and 3 <= len(read_table(index[0])["point"]) < 20:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-way
        proc.wait()
    finished = _index(killed)["point"]
    assert 3 <= len(finished) < 25

    again = subprocess.run(
        _sweep_cli(killed, "--resume"), capture_output=True, text=True, env=env, timeout=900
    )
    assert again.returncode == 0, again.stderr
    resumed, expected = _index(killed), _index(tmp_path / "whole")
    assert resumed["point"] == list(range(25))  # none lost, none twice
    assert _nan_as_none(resumed) == _nan_as_none(expected)
    assert len(list((killed / "points").glob("p*"))) == 25
    assert (killed / "report.html").exists()
    assert (killed / "charts" / "consumption_rate.png").exists()


def test_index_can_be_read_while_the_sweep_rewrites_it(tmp_path: Path) -> None:
    # Watching a running sweep from a notebook reads the index while each finished point
    # replaces it; every read must see one whole version, never one's footer with another's
    # pages.
    path = tmp_path / "index.parquet"
    write_table(path, {"point": [0]})
    sizes = itertools.cycle(range(1, 41))

    def rewrite() -> None:
        n = next(sizes)
        write_table(path, {"point": list(range(n)), "value": [0.5] * n})

    with rewriting(rewrite):
        for _ in range(400):
            points = read_table(path)["point"]
            assert points == list(range(len(points)))


def test_resume_refuses_a_different_sweep(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "s"
    args = ["sweep", COFFEE, "--param", f"{CUP}=100,200", "--replications", "2", "-o", out]
    small = [a for s in SMALL for a in ("--set", s)]
    assert run_cli(*args, *small, "--workers", "1").returncode == 0
    again = run_cli(*args, *small, "--workers", "1")
    assert again.returncode == 2 and "--resume" in again.stderr
    other = run_cli(*args, *small, "--seed", "5", "--resume")
    assert other.returncode == 2 and "different sweep" in other.stderr
    assert "Traceback" not in other.stderr
    bad = run_cli("sweep", COFFEE, "--param", "design.nope=1,2", "-o", tmp_path / "t")
    assert bad.returncode == 2 and "no scenario field 'design.nope'" in bad.stderr
