"""Extreme but valid inputs give exact results or a located refusal (issue 38).

Each case below was a wrong number, a traceback, a hang or a machine out of memory: found by
mutating scenarios, logs and options as an adversarial user would.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from econsim import ScenarioError, load_scenario, scenario_from_dict, simulate
from econsim.engine.guards import check_memory, estimate_memory
from econsim.errors import SimulationError
from econsim.scenario.amounts import capped_count
from tests.builders import BASE, merge, tiny
from tests.conftest import ROOT, econsim_cli, econsim_here

COFFEE = ROOT / "scenarios" / "coffee-healthy.yaml"


# -- counts drawn exactly at any rate ------------------------------------------------------


def test_a_busy_non_core_behaviour_draws_its_whole_count() -> None:
    """2,000 slots a day taken with chance 0.9: (1 − 0.9)^2000 underflows to 0, and the
    inversion from it gave every member 1 occurrence a day instead of ~1,800."""
    s = tiny(
        design={
            "calibration": {"point_values": "as_written"},
            "behaviours": {
                "sign_in": {"kind": "non_core", "points": 1, "period_cap": 60000, "daily_cap": 2000}
            },
            "tiers": {"basic": {"uptake": {"sign_in": 0.9}}},
        }
    )
    r = simulate(s, seed=2, replications=1)
    per_member_day = r["occurrences"][0, :, 0] / r["users"][0].sum(axis=1)
    assert per_member_day.mean() == pytest.approx(1800, rel=0.01)


def test_a_busy_core_behaviour_draws_its_whole_count() -> None:
    """30,000 purchases a period: e^−1000 underflows; 1 purchase a day came out of it."""
    s = tiny(
        design={
            "calibration": {"point_values": "as_written"},
            "behaviours": {"buy": {"kind": "core", "points": 1, "unit": 1, "period_cap": 1e9}},
            "tiers": {"basic": {"uptake": {"sign_in": 1.0, "buy": 0.5}}},
        },
        population={"users": 50, "tiers": {"basic": {"share": 1.0, "core": {
            "buy": {"frequency": 30000, "amount": {"distribution": "fixed"}}}}}},
    )  # fmt: skip
    r = simulate(s, seed=2, replications=1)
    buy = r.labels["behaviours"].index("buy")
    per_member_day = r["occurrences"][0, :, buy] / r["users"][0].sum(axis=1)
    assert per_member_day.mean() == pytest.approx(1000, rel=0.01)


def test_the_uptake_solver_takes_any_cap() -> None:
    """A daily cap of 10^12 made scipy's binomial tail NaN (it stops at 2^31 trials)."""
    assert capped_count(0.5, 3 * 10**13, 10**12) == 10**12
    assert capped_count(1e-6, 3 * 10**13, 10**8) == pytest.approx(3e7, rel=1e-6)
    s = load_scenario(COFFEE, ["design.behaviours.sign_in.daily_cap=1000000000000"])
    from econsim.engine.model import compile_model

    assert np.isfinite(compile_model(s).slot_p).all()


# -- points past what a lot or a ledger holds ------------------------------------------------


@pytest.mark.parametrize(
    "override",
    [
        "design.mechanics.random_rewards.lucky_cup.high=3000000000",
        "design.mechanics.daily_tasks.check_in.bonus=1000000000000",
    ],
)
def test_a_bonus_past_a_months_lot_is_a_located_error(override: str) -> None:
    path = ROOT / "scenarios" / "coffee-spring-push.yaml"
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, [override])
    assert "less than or equal to 2147483647" in str(err.value)
    assert override.split("=")[0] in str(err.value)


def test_a_member_earning_past_a_lot_is_a_named_error() -> None:
    """A multiplier of 10^9 on 10 points a sign-in wrapped the 32-bit lot around: "lots do
    not add up" (the ledger's 2^62 still holds every member's 10^10 a day)."""
    s = tiny(design={"campaigns": {"x": {"start_day": 2, "end_day": 5, "multiplier": 1e9}}})
    with pytest.raises(SimulationError, match="more than 2,147,483,647 points in one month"):
        simulate(s, seed=1, replications=1)


def test_the_ledger_guard_counts_campaigns_and_mechanics() -> None:
    """Every member at every cap, every campaign multiplier at once: past 2^62 is refused."""
    s = tiny(
        population={"users": 1000},
        design={
            "behaviours": {"sign_in": {"points": 1000000}},
            "campaigns": {"x": {"start_day": 0, "end_day": 29, "multiplier": 1e12}},
        },
    )
    with pytest.raises(SimulationError, match=r"past the 4\.6e"):
        simulate(s, seed=1, replications=1)


# -- the calendar, the amounts, the calibration -------------------------------------------------


def test_a_calendar_that_runs_past_9999_is_a_start_date_error() -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(ROOT / "scenarios" / "coffee-festival.yaml", ["start_date=9999-06-01",
                                                                    "horizon_days=30"])  # fmt: skip
    assert "start_date" in str(err.value) and "start on or before 9998-" in str(err.value)


def test_expiry_centuries_ahead_runs() -> None:
    from econsim import run

    expiry = ["design.expiry.policy=rolling", "design.expiry.months=1000000"]
    s = load_scenario(COFFEE, ["population.users=200", "horizon_days=40", *expiry])
    assert run(s, replications=1, workers=1).metrics.summary()["status"]


def test_an_amount_with_no_spread_is_a_fixed_amount() -> None:
    """A gamma amount of cv 1e-300 has shape 1/cv²: NaN sales, a finance error mid-run."""
    core = {"buy": {"frequency": 10, "amount": {"distribution": "gamma", "cv": 1e-300}}}
    s = tiny(
        design={
            "behaviours": {"buy": {"kind": "core", "points": 1, "unit": 1, "period_cap": 500}},
            "tiers": {"basic": {"uptake": {"sign_in": 1.0, "buy": 0.5}}},
        },
        population={"tiers": {"basic": {"share": 1.0, "core": core}}},
    )
    r = simulate(s, seed=1, replications=1)
    amounts = r["core_amount"][0].sum(axis=1)
    assert np.isfinite(amounts).all() and amounts.sum() > 0


def test_points_of_another_order_are_named_not_answered_with_lower_points() -> None:
    """Points of 1e-300 became tier multipliers of 1e297, then "lower the points"."""
    from econsim import calibrate

    s = load_scenario(COFFEE, ["design.behaviours.purchase.points=1e-300"])
    with pytest.raises(ScenarioError) as err:
        calibrate(s)
    text = " ".join(str(err.value).split())
    assert "its core behaviours (purchase) earn at most 1.5e-297 points a period" in text
    assert "lower" not in text


def test_calibrate_json_is_json_whatever_the_solver_prints() -> None:
    """HiGHS printed "HighsMipSolverData::…" on stdout, inside calibrate --json."""
    done = econsim_cli(
        "calibrate", COFFEE, "--json", "--set", "design.behaviours.sign_in.daily_cap=100000000",
        "--set", "design.behaviours.sign_in.period_cap=100000000",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conversion_coefficient"] > 0


def test_a_scenario_built_in_python_names_the_nested_field() -> None:
    data = merge(BASE, {"design": {"behaviours": {"sign_in": {"period_cap": -1}}}})
    with pytest.raises(ScenarioError, match=r"design\.behaviours\.sign_in\.period_cap"):
        scenario_from_dict(data)


# -- scenario text ---------------------------------------------------------------------------


def test_text_nested_past_any_scenario_is_refused_at_its_line(tmp_path: Path) -> None:
    """5,000 levels of brackets took the YAML parser 8–40 s to fail."""
    text = COFFEE.read_text(encoding="utf-8")
    path = tmp_path / "deep.yaml"
    path.write_text("notes: " + "[" * 5000 + "]" * 5000 + "\n" + text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"deep.yaml:1:\d+: brackets nested more than 100"):
        load_scenario(path)


def test_one_day_festivals_over_a_century_compile_by_day_of_the_year() -> None:
    """366 one-day festivals over 36,500 days: 13 million range checks, 70 s a compile."""
    import datetime as dt

    from econsim.scenario.season import festival_days

    days = [dt.date(2027, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    festivals = {f"f{i}": {"dates": f"{d:%m-%d}:{d:%m-%d}", "activity": 1 + i / 1000}
                 for i, d in enumerate(days)}  # fmt: skip
    s = load_scenario(COFFEE, ["horizon_days=36500", "population.users=100"])
    season = {"festivals": festivals}
    s = s.model_copy(update={"population": s.population.model_validate(
        {**s.population.model_dump(), "seasonality": season})})  # fmt: skip
    table = festival_days(s.population.seasonality)  # type: ignore[arg-type]
    assert len(table) == 365 and table[(3, 1)].activity == pytest.approx(1 + 59 / 1000)
    from econsim.engine.model import compile_model

    assert compile_model(s).season.shape == (36500, 3)  # type: ignore[union-attr]


# -- commands that could not finish ------------------------------------------------------------


def test_econsim_test_runs_at_the_size_it_says() -> None:
    done = econsim_here("test", COFFEE, "--vary", "population.users=100:1000000000", "--users",
                       "100", "-o", "never")  # fmt: skip
    assert done.returncode == 2 and "population's size cannot be varied" in done.stderr
    for seed in ("-1", str(2**64)):
        bad = econsim_here("test", COFFEE, "--vary", "population.uptake_scale=0.5:1", "--seed",
                          seed, "-o", "never")  # fmt: skip
        assert bad.returncode == 2 and "--seed" in bad.stderr and "Traceback" not in bad.stderr


def test_analyses_that_cannot_finish_are_refused_before_they_allocate() -> None:
    from econsim.advisor.optimize import optimize
    from econsim.advisor.sensitivity import sensitivity

    vary = ["population.uptake_scale=0.5:1"]
    with pytest.raises(ScenarioError, match="201,326,592 designs"):
        sensitivity(COFFEE, vary, samples=2**26)
    with pytest.raises(ScenarioError, match="1,000,000,000,000 trials"):
        optimize(COFFEE, vary, trials=10**12)


def test_a_vary_option_given_twice_is_refused() -> None:
    from econsim.scenario.space import parse_box

    with pytest.raises(ScenarioError, match="option ':log' is given twice"):
        parse_box(load_scenario(COFFEE), ["population.uptake_scale=0.5:1:log:log"])


# -- memory ------------------------------------------------------------------------------------


def test_each_worker_process_is_counted() -> None:
    """--workers 1024 --replications 1024 was planned at 1.9 GB."""
    s = load_scenario(COFFEE, ["population.users=1000", "horizon_days=10"])
    assert estimate_memory(s, 1024, 1024) > 1024 * 200 * 2**20
    with pytest.raises(SimulationError, match="1024 worker"):
        check_memory(s, 1024, 1024)


def test_the_memory_guard_reads_the_process_limit() -> None:
    """ulimit -v (and a container's cgroup) bound what a run may plan, not only MemAvailable."""
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30)); "
        "from econsim.engine.guards import _available_memory; print(_available_memory())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(done.stdout) < 3 * 2**30


def test_recording_a_log_that_cannot_fit_is_refused_before_simulating() -> None:
    from econsim.monitor.record import record

    with pytest.raises(SimulationError, match=r"event log .* would hold about"):
        record(ROOT / "scenarios" / "e-commerce.yaml", overrides=["population.users=1000000000"])


def test_a_ratio_and_its_logs_stay_finite() -> None:
    assert math.isfinite(capped_count(0.3, 10, 5))
