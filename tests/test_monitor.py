"""``econsim monitor`` (issue 18): the books of a recorded log are the simulation's own, a
drifted programme leaves the plan's band within days, an unchanged one does not, and the
command gates like ``econsim run``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from econsim.engine.model import compile_model
from econsim.engine.run import simulate, simulate_events
from econsim.history.event_writer import write_events
from econsim.monitor.actual_books import actual_results
from econsim.monitor.log import read_live_log
from econsim.monitor.monitor import Monitoring, monitor
from econsim.protocol import Result
from econsim.scenario.variants import with_overrides
from tests.conftest import ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SMALL = ["population.users=100", "population.acquisition_per_day=0.5"]
# what a log records exactly; the rest is named in docs/monitoring.md (churn, dormancy by
# chance, day-0 arrivals, amounts in cents)
EXACT = ("issued", "redeemed", "redemptions", "expired", "outstanding", "transferred",
         "tier_up", "tier_down", "holders", "redeemers", "consumers_30d", "reach_30d",
         "ever_redeemed", "active", "wau", "mau", "retained", "cohort_active", "occurrences",
         "actors", "prices", "aging", "coupons_used", "rewarded", "active_new", "buyers",
         "repeat_buyers", "funnel")  # fmt: skip


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_books_of_a_recorded_log_are_the_simulations_own(path: Path, tmp_path: Path) -> None:
    """Round trip: every bundled scenario, its log written as CSV and read back."""
    scenario = with_overrides(path, SMALL)
    log = tmp_path / "log.csv"
    write_events(log, simulate_events(scenario, seed=5, ledger=True))
    truth = simulate(scenario, seed=5, replications=1)
    last = scenario.start_date + dt.timedelta(days=scenario.horizon_days - 1)
    live = read_live_log(log, compile_model(scenario), last)
    assert live.rows_used == live.rows_read and live.rejected == ()
    actual = actual_results(live, compile_model(scenario))
    for name in EXACT:
        assert_array_equal(actual[name], truth[name], err_msg=name)
    for name in ("cost", "cost_by_tier", "period_cost"):
        assert_allclose(actual[name], truth[name], rtol=1e-9, atol=1e-6, err_msg=name)
    # amounts are written in cents
    assert_allclose(actual["core_amount"], truth["core_amount"], atol=0.01 * live.rows_used)


@pytest.mark.slow  # a plan band and a forecast a scenario
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_whole_review_runs_on_every_bundled_log(path: Path, tmp_path: Path) -> None:
    """Verdicts, band and a forecast from the fitted population, on each bundled log."""
    scenario = with_overrides(path, SMALL)
    log = tmp_path / "log.csv"
    write_events(log, simulate_events(scenario, seed=5, ledger=True))
    last = scenario.start_date + dt.timedelta(days=scenario.horizon_days - 1)
    live = read_live_log(log, compile_model(scenario), last)
    m = monitor(log, scenario, as_of=last, seed=6, replications=5, periods=1, workers=1)
    assert m.actual.results.days == live.days and m.forecast is not None
    assert len(m.band.watches) == 7 and json.dumps(m.summary(), default=str)


OVER = ["population.users=2000", "horizon_days=120"]


DEARER = "design.rule_changes=[{day: 60, catalog_price_multiplier: 10}]"


#: The plan's seed, and the logs': a live programme's export is independent of the plan's
#: simulations, so the logs are recorded with seeds the plan never uses.
PLAN_SEED, LOG_SEED = 11, 2027


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The coffee programme as designed, and with every price ×10 from day 60."""
    from econsim.monitor.record import record

    folder = tmp_path_factory.mktemp("logs")
    out = {}
    for name, extra in (("designed", []), ("dearer", [DEARER])):
        out[name] = folder / f"{name}.csv"
        write_events(out[name], record(ROOT / "scenarios" / "coffee-healthy.yaml",
                                       overrides=[*OVER, *extra], seed=LOG_SEED))  # fmt: skip
    return out


def _monitor(log: Path, **options: object) -> Monitoring:
    """As documented: the default replications, run length and false-alarm rate."""
    return monitor(log, ROOT / "scenarios" / "coffee-healthy.yaml", overrides=OVER,
                   seed=PLAN_SEED, workers=1, **options)  # type: ignore[arg-type]  # fmt: skip


def test_an_unchanged_programme_stays_inside_the_plans_band(logs: dict[str, Path]) -> None:
    m = _monitor(logs["designed"], periods=0)
    assert m.band.left == [], [(w.name, w.left_date) for w in m.band.left]
    assert m.band.rate == pytest.approx(0.05)  # 39 plan runs: the 2nd highest of 40 scores
    assert m.status().value != "unhealthy"  # its health and budget verdicts pass


#: The drift test's bound (issue 35): the catalog turns 10× dearer on day 60; the log shows
#: it on a consumption figure within this many days.
DRIFT_DAYS = 7
CONSUMPTION = ("consumer share", "consumption rate (30 days)", "redemptions (7 days)")


def test_a_catalog_ten_times_dearer_leaves_the_band_within_days(logs: dict[str, Path]) -> None:
    m = _monitor(logs["dearer"], periods=0)
    left = {w.name: w for w in m.band.left}
    assert all(w.left is not None and w.left >= 60 for w in left.values()), "not before it"
    change = m.band.watches[0].start + dt.timedelta(days=60)
    shown = [w.known_date(m.band.persist) for n, w in left.items() if n in CONSUMPTION]
    assert shown and min(shown) <= change + dt.timedelta(days=DRIFT_DAYS), left  # type: ignore[operator]
    assert left["redemptions (7 days)"].direction == "below"
    assert "points issued (7 days)" not in left  # earning did not change


@pytest.mark.slow  # the plan, the forecast and a what-if simulated
def test_the_forecast_compares_the_design_with_a_what_if(logs: dict[str, Path]) -> None:
    m = _monitor(logs["designed"], periods=2, replications=12,
                 what_if=["design.catalog.free_coffee.points_price=4000"])  # fmt: skip
    assert m.forecast is not None
    design, dearer = m.forecast.paths
    assert (design.label, dearer.overrides) == (
        "design",
        ("design.catalog.free_coffee.points_price=4000",),
    )
    end = m.forecast.days - 1
    assert m.forecast.days == 120 + 2 * 30
    # a free coffee ten times dearer: less of what is issued is spent
    assert (
        dearer.at("consumption rate (30 days)", end)[1]
        < design.at("consumption rate (30 days)", end)[1]
    )
    assert any("less than a year" in c for c in m.forecast.cautions)


def test_monitoring_is_a_result_like_every_other(logs: dict[str, Path]) -> None:
    m = _monitor(logs["designed"], periods=0)
    assert isinstance(m, Result)
    frame = m.to_df()
    assert set(frame.columns) == {"date", "figure", "actual", "p5", "p50", "p95"}
    assert len(frame) == 7 * 120
    summary = m.summary()
    assert summary["log"]["rows_read"] == summary["log"]["rows_used"]
    assert summary["as_of"] == "2027-04-30" and "band" in summary
    # the breakage memo of the actual books: its triangle adds up to their roll-forward
    from tests.test_reserving import rf_totals

    tri, totals = m.actual.metrics.breakage_memo.triangle, rf_totals(m.actual)
    assert tri.issued.sum() == pytest.approx(totals["issued"], rel=1e-12)
    assert tri.latest().sum() == pytest.approx(totals["redeemed"], rel=1e-12)
    assert summary["breakage_memo"]["window"].startswith("issuance cohorts 2027-01 to 2027-04")


def test_the_command_gates_and_its_report_agrees_with_its_summary(
    run_cli, logs: dict[str, Path], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    design = ROOT / "scenarios" / "coffee-healthy.yaml"
    # a nightly gate: its exit code, summary and report are read, no chart
    args = ["--design", design, *[a for o in OVER for a in ("--set", o)], "--seed", "11",
            "--periods", "0", "--workers", "1", "--fail-on-unhealthy", "--no-charts"]  # fmt: skip
    done = run_cli("monitor", logs["dearer"], *args, "-o", tmp_path / "dearer")
    assert done.returncode == 3, done.stderr
    assert "left the plan's band" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "overall: unhealthy"
    summary = json.loads((tmp_path / "dearer" / "summary.json").read_text(encoding="utf-8"))
    html = (tmp_path / "dearer" / "report.html").read_text(encoding="utf-8")
    assert summary["status"] == "unhealthy" and 'class="badge unhealthy"' in html
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "dearer" / "finance.xlsx", read_only=True)
    assert {"breakage memo", "breakage triangle"} <= set(book.sheetnames)
    assert "Breakage memo: the ultimate redemption rate" in html
    assert "written with <code>--no-charts</code>" in html and "<img" not in html
    assert not (tmp_path / "dearer" / "charts").exists()
    done = run_cli("monitor", logs["designed"], *args, "--fail-on-alarm", "-o",
                   tmp_path / "designed")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "inside the plan's band" in done.stdout


def test_fail_on_alarm_gates_a_drift_the_verdicts_pass(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Members 30% less active from 1 March: still healthy, so --fail-on-unhealthy passes;
    the alarm sounds, and --fail-on-alarm exits 3."""
    from econsim.monitor.record import record

    slump = ("population.seasonality={normalise: false, festivals: {slump: {dates: "
             "'03-01:12-31', activity: 0.7}}}")  # fmt: skip
    log = tmp_path / "slump.parquet"
    write_events(log, record(ROOT / "scenarios" / "coffee-healthy.yaml",
                             overrides=[*OVER, slump], seed=LOG_SEED))  # fmt: skip
    args = ["--design", ROOT / "scenarios" / "coffee-healthy.yaml",
            *[a for o in OVER for a in ("--set", o)], "--seed", str(PLAN_SEED), "--periods",
            "0", "--workers", "1", "--fail-on-unhealthy", "--no-charts"]  # fmt: skip
    healthy = run_cli("monitor", log, *args, "-o", tmp_path / "verdicts")
    assert healthy.returncode == 0, healthy.stdout
    assert "left the plan's band" in healthy.stdout
    gated = run_cli("monitor", log, *args, "--fail-on-alarm", "-o", tmp_path / "alarm")
    assert gated.returncode == 3 and "exit 3: the alarm sounded" in gated.stdout


def test_a_bad_row_fails_the_command_at_its_line(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "log.csv"
    log.write_text("user_id,date,event,item,points\na,2027-01-01,redemption,mugg,10\n",
                   encoding="utf-8")  # fmt: skip
    done = run_cli("monitor", log, "--design", ROOT / "scenarios" / "coffee-healthy.yaml",
                   "-o", tmp_path / "out")  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{log}:2:4:" in done.stderr and "unknown item 'mugg'" in done.stderr
    assert not (tmp_path / "out").exists()


def test_record_writes_parquet_that_monitor_reads_as_csv(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario = ROOT / "scenarios" / "coffee-healthy.yaml"
    small = [a for o in ("population.users=200", "horizon_days=40") for a in ("--set", o)]
    for name in ("log.csv", "log.parquet"):
        done = run_cli("record", scenario, *small, "--seed", "3", "-o", tmp_path / name)
        assert done.returncode == 0, done.stderr
    model = compile_model(with_overrides(scenario, ["population.users=200", "horizon_days=40"]))
    a = read_live_log(tmp_path / "log.csv", model)
    b = read_live_log(tmp_path / "log.parquet", model)
    assert a.rows_read == b.rows_read > 0
    assert_array_equal(a.points, b.points)
    assert_array_equal(a.tier, b.tier)
    assert np.array_equal(a.cost, b.cost, equal_nan=True)


def test_the_books_by_period_add_up_to_the_ledger(logs: dict[str, Path]) -> None:
    """periods.csv: each period's flows sum to the ledger's; tiers sum to all."""
    m = _monitor(logs["designed"], periods=0)
    rows = m.periods()
    r = m.actual.results
    assert [row["period"] for row in rows if row["tier"] == "all"] == [1, 2, 3, 4]
    everyone = [row for row in rows if row["tier"] == "all"]
    assert sum(row["issued"] for row in everyone) == r.total("issued").sum()
    assert sum(row["consumed"] for row in everyone) == r.total("redeemed").sum()
    assert everyone[-1]["outstanding"] == r.total("outstanding")[0, -1]
    for p in range(1, 5):
        tiers = [row for row in rows if row["period"] == p and row["tier"] != "all"]
        total = next(row for row in everyone if row["period"] == p)
        assert sum(row["issued"] for row in tiers) == total["issued"]
        assert sum(row["redeemers"] for row in tiers) >= total["redeemers"] > 0


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2027-02-30", "'2027-02-30' is not a date"),
        ("2026-12-01", "before the design's start_date"),
    ],
)
def test_a_bad_as_of_is_named(run_cli, tmp_path: Path, as_of: str, message: str) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "log.csv"
    log.write_text("user_id,date,event,points\na,2027-01-01,sign_in,2\n", encoding="utf-8")
    done = run_cli("monitor", log, "--design", ROOT / "scenarios" / "coffee-healthy.yaml",
                   "--as-of", as_of, "-o", tmp_path / "out")  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--as-of" in done.stderr and message in done.stderr


def test_the_books_follow_rule_changes_of_expiry_prices_and_point_values(tmp_path: Path) -> None:
    """Aging under the expiry in force (rolling 12 months, then 3), catalog prices and
    point values changed mid-run: the books of the log still equal the ledger."""
    changes = ("design.rule_changes=[{day: 40, expiry: {policy: rolling, months: 3}}, "
               "{day: 70, catalog_price_multiplier: 1.5, point_value_multiplier: 2}]")  # fmt: skip
    scenario = with_overrides(ROOT / "scenarios" / "coffee-healthy.yaml",
                              [*SMALL, "horizon_days=200", changes])  # fmt: skip
    log = tmp_path / "log.csv"
    write_events(log, simulate_events(scenario, seed=2, ledger=True))
    truth = simulate(scenario, seed=2, replications=1)
    assert truth.total("expired").sum() > 0  # the short expiry bit within the horizon
    live = read_live_log(log, compile_model(scenario))
    actual = actual_results(live, compile_model(scenario))
    for name in ("aging", "prices", "issued", "expired", "outstanding"):
        assert_array_equal(actual[name], truth[name], err_msg=name)


def test_a_log_of_joins_is_judged_without_a_forecast(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Members who only joined: books, verdicts and band stand; the forecast says why not."""
    log = tmp_path / "joins.csv"
    log.write_text("user_id,date,event\na,2027-01-01,join\nb,2027-01-02,join\n", "utf-8")
    m = monitor(log, ROOT / "scenarios" / "coffee-healthy.yaml", overrides=SMALL, seed=1,
                replications=5, periods=1, workers=1)  # fmt: skip
    assert m.forecast is None
    assert m.cautions == (
        "no alarm: 5 replications cannot hold a 5% false-alarm rate; use at least 19",
        "no forecast: the log has no behaviour rows to fit the population to",
    )
    assert m.summary()["monitor_cautions"] == list(m.cautions)
    share = next(v for v in m.actual.metrics.verdicts if v.name == "consumer share")
    assert "no member held points" in share.advice  # not "only nan%"
    out = run_cli("monitor", str(log), "--design", str(ROOT / "scenarios" / "coffee-healthy.yaml"),
                  *(f"--set={s}" for s in SMALL), "--replications", "5", "--periods", "1",
                  "-o", str(tmp_path / "out"))  # fmt: skip
    assert "caution: no forecast: the log has no behaviour rows" in out.stdout
    assert "the plan's band: not judged (5 replications" in out.stdout  # not "inside"
    assert "inside the plan's band" not in out.stdout
    assert "nan" not in out.stdout
    assert "no forecast" in (tmp_path / "out" / "report.html").read_text("utf-8")


def test_a_fitted_drop_out_rate_near_zero_keeps_its_value() -> None:
    from econsim.history.fit import significant

    assert significant(3.2e-8) == 3.2e-8 and significant(1234.56789) == 1234.57
