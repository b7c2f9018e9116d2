"""Seasons and festivals: the calendar's multipliers, in the engine, the plan and the views."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from numpy.testing import assert_allclose

import econsim
from econsim.calibration import predicted_issuance
from econsim.errors import ScenarioError
from econsim.metrics import Status
from econsim.scenario import loads_scenario
from econsim.scenario.season import daily_multipliers, period_factors, redemption_multipliers
from tests.builders import tiny
from tests.conftest import ROOT, small

FESTIVAL = ROOT / "scenarios" / "coffee-festival.yaml"

PURCHASE = {
    "behaviours": {
        "purchase": {"kind": "core", "points": 1, "unit": 1, "period_cap": 100_000},
    },
    "tiers": {"basic": {"core_share": 0.5, "uptake": {"sign_in": 0.2, "purchase": 0.5}}},
}


def seasonal(season: dict[str, object], **extra: object) -> econsim.Scenario:
    """Tiny with a sign-in (a chance per day) and a purchase (Poisson, 6 a period)."""
    population = {
        "users": 2000,
        "tiers": {"basic": {"share": 1.0, "core": {"purchase": {"frequency": 6}}}},
        "seasonality": season,
    }
    return tiny(design=PURCHASE, population=population, start_date="2027-01-01", **extra)


def test_a_normalised_season_averages_one_over_the_year() -> None:
    s = seasonal({"months": {"dec": 2.0}}, horizon_days=365)
    daily = daily_multipliers(s)
    assert daily is not None
    mean = (334 + 31 * 2.0) / 365  # December doubled, every other month 1
    assert_allclose(daily[0], [1 / mean, 1 / mean])  # 1 January
    assert_allclose(daily[-1], [2 / mean, 2 / mean])  # 31 December
    assert_allclose(daily.mean(axis=0), [1.0, 1.0])


def test_month_weekday_and_festival_multiply_and_the_higher_priority_wins() -> None:
    season = {
        "months": {"nov": 1.5},
        "weekdays": {"thu": 2.0},
        "festivals": {
            "singles_day": {"dates": "11-11:11-11", "activity": 4.0, "priority": 1},
            "november": {"dates": "11-01:11-30", "behaviours": {"purchase": 3.0}},
        },
        "normalise": False,
    }
    s = seasonal(season, horizon_days=365)
    daily = daily_multipliers(s)
    assert daily is not None
    nov11 = (dt.date(2027, 11, 11) - s.start_date).days  # a Thursday
    assert_allclose(daily[nov11], [1.5 * 2.0 * 4.0, 1.5 * 2.0 * 4.0])  # priority 1 wins
    nov12 = nov11 + 1  # a Friday in the November festival: purchase ×3, sign-in as written
    assert_allclose(daily[nov12], [1.5, 1.5 * 3.0])
    assert redemption_multipliers(s) is None  # no festival moves redemption


def test_the_engine_follows_the_written_multipliers() -> None:
    """January ×0.5, February ×1.5: daily sign-ins and purchases triple from one to the other."""
    s = seasonal({"months": {"jan": 0.5, "feb": 1.5}, "normalise": False}, horizon_days=59)
    occ = econsim.simulate(s, seed=3)["occurrences"][0]  # [day, behaviour]
    jan, feb = occ[:31].mean(axis=0), occ[31:59].mean(axis=0)
    sign_in_p = 0.2 * 31 / 30 / 1  # uptake of a 31-per-period cap, one slot a day
    assert_allclose(jan, [2000 * sign_in_p * 0.5, 2000 * 6 / 30 * 0.5], rtol=0.05)
    assert_allclose(feb / jan, [3.0, 3.0], rtol=0.06)


def test_a_festival_that_draws_redemptions_raises_them_on_its_days() -> None:
    base = small(FESTIVAL, 2000, "horizon_days=365")
    calm = base.model_copy(
        update={
            "population": base.population.model_copy(
                update={"seasonality": None, "tiers": base.population.tiers}
            )
        }
    )
    assert redemption_multipliers(calm) is None
    rm = redemption_multipliers(base)
    assert rm is not None and rm.max() == 2.0 and rm[0] == 1.0


def test_the_plan_includes_the_season_of_the_simulated_days() -> None:
    """Ninety days from 1 November under a December peak: the plan is the busy quarter's."""
    s = small(ROOT / "scenarios" / "coffee-healthy.yaml", 2000, "start_date=2027-11-01",
              "horizon_days=90", "population.seasonality.months.dec=1.8")  # fmt: skip
    run = econsim.run(s, replications=2, workers=1)
    season = period_factors(s)
    assert season.max() > 1.3  # December's period
    calibrated = predicted_issuance(run.simulated)  # the yearly average
    for c in run.metrics.health.issuance:
        b = list(s.design.behaviours).index(c.behaviour)
        factor = daily_multipliers(s)[:, b].mean()  # type: ignore[index]
        assert_allclose(c.predicted, calibrated[c.tier][c.behaviour] * factor, rtol=1e-9)
    assert run.metrics.verdict("issuance on plan").passed


def test_a_peak_period_over_its_budget_warns_and_can_gate() -> None:
    # a fixed budget and the mug's stock scaled with the population (20,000 → 3,000)
    s = small(FESTIVAL, 3000, "design.budget.amount=14250", "design.catalog.mug.stock_per_period=9")
    run = econsim.run(s, replications=2, workers=1)
    peak = run.metrics.verdict("every period within budget")
    assert peak.kind == "peak" and not peak.passed and peak.value > 1.0
    assert run.metrics.finance.verdict.passed  # the year is within budget
    assert run.metrics.status() is Status.WARNINGS
    assert run.metrics.status({"health", "budget", "peak"}) is Status.UNHEALTHY
    busiest = run.metrics.peaks.busiest
    assert busiest.start.month in (11, 12) and busiest.season > 1.3
    assert busiest.stock_outs > 0  # mugs run out in the rush


def test_a_hard_cap_holds_a_cut_short_period_to_its_pro_rated_budget() -> None:
    s = small(ROOT / "scenarios" / "ride-hailing.yaml", 3000, "design.budget.amount=60000")
    run = econsim.run(s, replications=1, workers=1)
    last = run.metrics.peaks.periods[-1]
    assert last.budget == pytest.approx(60000 * 5 / 7)  # 180 days = 25 weeks and 5 days
    assert last.cost <= last.budget + 1e-6


def test_the_cli_report_and_summary_show_the_peak(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fest"
    res = run_cli("run", FESTIVAL, "-o", out, "--set", "population.users=2000",
                  "--set", "design.budget.amount=9500", "--replications", "1", "--workers", "1",
                  "--fail-on", "health,budget,peak", "--no-charts")  # fmt: skip
    assert res.returncode == 3, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "unhealthy" and summary["peaks"]["periods_over_budget"] >= 1
    report = (out / "report.html").read_text()
    assert "<h2>Peak periods (CNY)</h2>" in report
    # one busiest period, one burn and one consumption rate in every view (issue 39): the
    # terminal, the report, summary.json and the workbook
    busiest = summary["peaks"]["busiest_period"]
    said = f"{busiest['period']} from {busiest['start']}"
    burn = f"{busiest['burn']:.1%}"
    assert f"busiest period (largest share of its budget): {said}" in res.stdout
    assert f"({burn})" in res.stdout
    assert f"period {busiest['period']} (from {busiest['start']})" in report
    peak = next(v for v in summary["verdicts"] if v["name"] == "every period within budget")
    assert peak["value"] == busiest["burn"]
    part = summary["peaks"]["part_period"]  # 365 days: 12 periods of 30 days and 5 days
    assert part["period"] == 13 and part["days"] == 5 and busiest["period"] != 13
    assert "13 (part: 5 of 30 days)" in report
    sheet = openpyxl.load_workbook(out / "finance.xlsx")["summary"]
    cells = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert cells["busiest period (largest share of its budget)"] == said
    assert cells["busiest period's burn (cost / its budget)"] == pytest.approx(busiest["burn"])
    rate = next(v for v in summary["verdicts"] if v["name"] == "consumption rate")["value"]
    assert cells["consumption rate"] == pytest.approx(rate)
    assert f"{rate:.1%}" in res.stdout and f"{rate:.1%}" in report


BAD = """
name: bad season
design:
  period_days: 30
  budget: {method: fixed_amount, amount: 1000}
  calibration: {target_exchange_ratio: 100}
  behaviours:
    sign_in: {kind: non_core, points: 10, period_cap: 30, daily_cap: 1}
  tiers:
    basic: {core_share: 0.5, uptake: {sign_in: 0.5}}
population:
  users: 100
  tiers:
    basic: {share: 1.0}
  seasonality:
SEASON
"""


@pytest.mark.parametrize(
    ("season", "line", "message"),
    [
        ("    months: {dec: -1}", 16, "greater than or equal to 0"),
        ("    months: {dec: .nan}", 16, "finite number"),
        ("    months: {dez: 1.5}", 16, "dez"),
        ("    festivals:\n      x: {dates: '12-31:12-20'}", 17, "ends (12-20) before it starts"),
        ("    festivals:\n      x: {dates: '02-30:03-01'}", 17, "'02-30' is not a day"),
        ("    festivals:\n      x: {dates: 'soon'}", 17, "should match pattern"),
        (
            "    festivals:\n      a: {dates: '11-01:11-11'}\n      b: {dates: '11-10:11-12'}",
            18,
            "'b' overlaps 'a'",
        ),
        (
            "    festivals:\n      a: {dates: '11-01:11-11', behaviours: {sign_up: 2}}",
            17,
            "unknown behaviour 'sign_up'",
        ),
    ],
)
def test_bad_seasons_are_located_errors(season: str, line: int, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        loads_scenario(BAD.replace("SEASON", season), "bad.yaml")
    text = str(info.value)
    assert message in text, text
    assert any(p.line == line for p in info.value.problems), text


def test_fit_refuses_a_bad_festival_with_a_located_message(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "events.csv"
    log.write_text("user,date,event,amount\nu1,2027-01-01,purchase,10\n")
    res = run_cli("fit", log, "--design", ROOT / "scenarios" / "record-store.yaml",
                  "--festival", "sale=07-08:07-01", "-o", tmp_path / "f.yaml")  # fmt: skip
    assert res.returncode == 2
    assert "--festival sale=07-08:07-01: the range ends (07-01) before it starts" in res.stderr
    assert "Traceback" not in res.stderr
