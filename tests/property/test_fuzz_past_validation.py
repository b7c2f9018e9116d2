"""Fuzz past the loader (issue 22): what validates runs or is refused clearly, never crashes.

The loader fuzz (test_bad_input.py) mutates files until they fail to validate. Here the
inputs are *valid*, or look it: extreme values a real file could hold, run end to end;
``--set`` paths and values; the CLI's own options; event logs. The only acceptable outcomes
are a result that keeps the ledger's invariants, or a ScenarioError / SimulationError (a
located message for people); anything else is a bug.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import econsim
from econsim.errors import ScenarioError, SimulationError
from econsim.testing import check_ledger
from tests.conftest import ROOT

COFFEE = ROOT / "scenarios" / "coffee-healthy.yaml"
SMALL = ["population.users=150", "population.acquisition_per_day=1", "horizon_days=45"]
HUGE = [1, 2**31, 2**53, 2**62, 10**15]

#: Fields a real file holds, each with values at and past what a programme could mean.
EXTREMES: dict[str, list[object]] = {
    "design.catalog.mug.points_price": HUGE,
    "design.catalog.free_coffee.cost": [0.0, 1e-9, 1e9, 1e15],
    "design.behaviours.sign_in.period_cap": HUGE,
    "design.behaviours.purchase.period_cap.member": HUGE,
    "design.budget.ratio": [1e-9, 0.5, 1.0],
    "design.calibration.target_exchange_ratio": [1e-6, 1.0, 1e9, 1e15],
    "design.calibration.reserve_share": [0.0, 0.99],
    "design.period_days": [1, 7, 45],
    "design.expiry.months": [1, 1200],
    "population.tiers.member.redemption_propensity": [0.0, 1.0],
    "population.tiers.member.core.purchase.frequency": [1e-6, 1e3, 1e6],
    "population.users": [1, 2, 1000],
    "population.acquisition_per_day": [0.0, 50.0],
    "seed": [0, 2**63 - 1],
}

changes = st.dictionaries(
    st.sampled_from(sorted(EXTREMES)), st.integers(0, 5), min_size=1, max_size=4
).map(lambda d: [f"{k}={EXTREMES[k][i % len(EXTREMES[k])]}" for k, i in d.items()])


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(changes)
@pytest.mark.slow  # whole runs of extreme designs
def test_extreme_valid_values_run_or_are_refused_clearly(overrides: list[str]) -> None:
    try:
        run = econsim.run(COFFEE, overrides=[*SMALL, *overrides], replications=1, workers=1)
    except (ScenarioError, SimulationError) as exc:
        assert str(exc).strip()  # refused, with words
        return
    check_ledger(run.results)


path_parts = st.one_of(
    st.sampled_from(["design", "population", "catalog", "mug", "tiers", "member", "0", "-1",
                     "behaviours", "purchase", "period_cap", "x", "", " ", "é", "__class__"]),
    st.text(max_size=6),
)  # fmt: skip
set_values = st.one_of(
    st.sampled_from(["1", "-1", "0", "1e308", "nan", "inf", "true", "null", "[]", "{}", "'x'",
                     "[1, 2]", "{a: 1}", "2027-02-30", "&a 1", "*a", "!!python/none ''"]),
    st.text(max_size=8),
)  # fmt: skip


@settings(max_examples=60)
@given(st.lists(path_parts, min_size=1, max_size=5).map(".".join), set_values)
def test_any_set_is_applied_or_refused_with_a_located_message(path: str, value: str) -> None:
    text = f"{path}={value}"
    try:
        econsim.load_scenario(COFFEE, [text])
    except ScenarioError as exc:
        assert all(p.source for p in exc.problems), str(exc)


OPTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("--seed"), st.sampled_from(["-1", "0", "x", "1e3", str(2**64)])),
        st.tuples(st.just("--replications"), st.sampled_from(["0", "1", "-3", "1e30", "x"])),
        st.tuples(st.just("--workers"), st.sampled_from(["0", "1", "999999", "x"])),
        st.tuples(st.just("--fail-on"), st.sampled_from(["", "health", "x,y", ",", "HEALTH"])),
        st.tuples(st.just("--set"), st.sampled_from(["=", "a", "a=", "=1", "seed=1"])),
    ),
    max_size=3,
).map(lambda pairs: [x for pair in pairs for x in pair])


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(OPTIONS)
@pytest.mark.slow  # 25 whole runs
def test_cli_options_run_or_are_refused_without_a_traceback(options: list[str]) -> None:
    """The options are read before any engine runs, so one path (the default) is enough:
    their extremes are the test below's."""
    from econsim.cli import app

    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        args = ["run", str(COFFEE), *(a for s in SMALL for a in ("--set", s)), "--force",
                "-o", str(Path(tmp) / "out"), "--no-charts", *options]  # fmt: skip
        done = runner.invoke(app, args)
    # exit 0/3: a run; 2: bad input (click's usage errors, or a ScenarioError the real
    # entry point prints); anything else is an exception the user would see as a traceback
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        assert isinstance(done.exception, ScenarioError | SimulationError), repr(done.exception)
    else:
        assert done.exit_code in (0, 2, 3), done.output


EVENTS = ["purchase", "sign_in", "review", "redemption", "Purchase", "", "x" * 40]
DATES = ["2027-01-01", "2027-01-02", "2027-02-30", "20270105", "1970-01-01", "9999-12-31", "",
         "2027-01-03T10:00:00", "yesterday"]  # fmt: skip
AMOUNTS = ["", "0", "19.99", "-5", "1e308", "nan", "1e13", "abc", "12"]
ITEMS = ["", "mug", "cup_upgrade", "free_coffee", "nothing"]
rows = st.lists(
    st.tuples(st.sampled_from([f"u{i}" for i in range(8)] + ["", " "]),
              st.sampled_from(DATES), st.sampled_from(EVENTS), st.sampled_from(AMOUNTS),
              st.sampled_from(ITEMS)),
    min_size=0, max_size=40,
)  # fmt: skip


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows)
def test_any_event_log_is_fitted_or_refused_by_row(
    tmp_path: Path, body: list[tuple[str, ...]]
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["user_id", "date", "event", "amount", "item"])
    writer.writerows(body)
    log = tmp_path / "events.csv"
    log.write_text(buf.getvalue(), encoding="utf-8")
    for call in (
        lambda: econsim.fit(log, COFFEE, initial_days=0, season=False),
        lambda: econsim.segment(log),
    ):
        try:
            call()
        except ScenarioError as exc:
            assert all(p.source for p in exc.problems), str(exc)


@pytest.mark.parametrize("value", ["true", "false"])
def test_a_count_is_not_a_boolean(value: str) -> None:
    """`population.users: true` validated as one member (case 12)."""
    with pytest.raises(ScenarioError, match=r"population\.users"):
        econsim.load_scenario(COFFEE, [f"population.users={value}"])
