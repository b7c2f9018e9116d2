"""What people see agrees with one status: badge, last line, summary.json and exit code.

Also: --fail-on parsing and gating on run, sweep and compare; percentage points; breakage
with its basis; strict JSON; the point-values table.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.axes import Axes
from rich.console import Console

import econsim
from econsim.metrics import Breakage
from econsim.report.exports import strict_json
from econsim.report.html import point_values_html
from econsim.report.point_values import print_point_values
from econsim.report.wording import breakage_text, signed_share
from econsim.report.wording import fmt_figure as terminal_fmt
from tests.conftest import ROOT, econsim_here, small

COFFEE = ROOT / "scenarios" / "coffee-healthy.yaml"
EXPENSIVE = ROOT / "scenarios" / "coffee-too-expensive.yaml"
ECOMMERCE = ROOT / "scenarios" / "e-commerce.yaml"
COFFEE_SMALL = ("--set", "population.users=1500", "--set", "population.acquisition_per_day=1.5")
# four months of a growing membership: outstanding points per user still climb fast
SHORT = ("--set", "horizon_days=120")
# e-commerce's point values as written cost 2.4 times what its budget allows, at any size
ECOMMERCE_SMALL = ("--set", "population.users=2000", "--as-written")
ONE = ("--replications", "1", "--seed", "7", "--workers", "1")
# a run whose badge, terminal and summary.json are read, no chart: as a CI gate runs it
RUN_ONE = (*ONE, "--no-charts")
BADGE = re.compile(r'class="badge (\w+)"')


def _parse_strict(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"summary.json holds {name}: not strict JSON")

    return json.loads(text, parse_constant=refuse)


def _outcome(run_cli, out: Path, scenario: Path, *args: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    done = run_cli("run", scenario, "-o", out, *RUN_ONE, *args)
    assert done.returncode in (0, 3), done.stderr
    summary = _parse_strict((out / "summary.json").read_text(encoding="utf-8"))
    html = (out / "report.html").read_text(encoding="utf-8")
    badges = BADGE.findall(html)
    assert len(badges) == 1
    return {
        "code": done.returncode,
        "last": done.stdout.strip().splitlines()[-1],
        "badge": badges[0],
        "status": summary["status"],
        "summary": summary,
        "stdout": done.stdout,
    }


CASES = [
    ("healthy", COFFEE, COFFEE_SMALL, 0),
    ("healthy_with_warnings", COFFEE, (*COFFEE_SMALL, *SHORT), 0),
    ("unhealthy", ECOMMERCE, ECOMMERCE_SMALL, 3),
]


@pytest.mark.parametrize(("state", "scenario", "extra", "code"), CASES)
def test_badge_last_line_summary_and_exit_code_agree(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, state: str, scenario: Path, extra: tuple[str, ...], code: int
) -> None:
    seen = _outcome(run_cli, tmp_path / "run", scenario, "--fail-on-unhealthy", *extra)
    label = state.replace("_", " ")
    assert seen["last"] == f"overall: {label}"
    assert seen["badge"] == state and seen["status"] == state
    assert seen["code"] == code
    verdicts = seen["summary"]["verdicts"]
    failing = [v for v in verdicts if not v["passed"]]
    # no green badge above a failing row, no red one without a failing gating row
    assert (state == "healthy") == (not failing)
    assert (state == "unhealthy") == any(v["gating"] for v in failing)
    for v in verdicts:
        assert f"{v['kind']} · {'gates' if v['gating'] else 'warns'}" in seen["stdout"]


def test_fail_on_inflation_turns_warnings_into_exit_3(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ("--fail-on", "health,budget,inflation", *COFFEE_SMALL, *SHORT)
    seen = _outcome(run_cli, tmp_path / "run", COFFEE, *args)
    assert seen["code"] == 3 and seen["last"] == "overall: unhealthy"
    assert seen["badge"] == "unhealthy"
    assert seen["summary"]["gating_classes"] == ["health", "budget", "inflation"]
    assert "inflation · gates" in seen["stdout"]


def test_verdict_advice_is_a_column_when_wide_and_a_line_under_the_table_at_80(
    tmp_path: Path,
) -> None:
    args = ("run", EXPENSIVE, *RUN_ONE, *COFFEE_SMALL, *SHORT)
    narrow = econsim_here(*args, "-o", tmp_path / "narrow")
    wide = econsim_here(*args, "-o", tmp_path / "wide", columns=160)
    assert (narrow.returncode, wide.returncode) == (0, 0), narrow.stderr
    shown = narrow.stdout.splitlines()[1:]  # after the "wrote PATH" message
    assert max(map(len, shown)) <= 80 and "…" not in narrow.stdout
    assert "│ ✗ │ consumer share             │ health · gates    │" in narrow.stdout
    assert any(line.startswith("✗ consumer share: only ") for line in shown)
    row = next(line for line in wide.stdout.splitlines() if "│ consumer share" in line)
    assert row.startswith("│ ✗ │") and "│ only " in row  # its advice in its row


@pytest.mark.parametrize("command", ["run", "sweep", "compare"])
def test_bad_fail_on_exits_2_with_the_valid_names(run_cli, tmp_path: Path, command: str) -> None:  # type: ignore[no-untyped-def]
    files = [COFFEE, EXPENSIVE] if command == "compare" else [COFFEE]
    extra = ["--param", "population.users=300"] if command == "sweep" else []
    done = run_cli(command, *files, "-o", tmp_path / "x", *extra, "--fail-on", "helth")
    assert done.returncode == 2, done.stdout
    assert "health, budget, peak, inflation, plan" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x").exists()


def test_sweep_refuses_classes_its_index_does_not_record(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = run_cli(
        "sweep", COFFEE, "--param", "population.users=300", "-o", tmp_path / "x",
        "--fail-on", "health,budget,inflation",
    )  # fmt: skip
    assert done.returncode == 2 and done.says("health,budget or on budget alone")


def test_compare_exits_3_when_any_design_fails(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ("--replications", "2", "--workers", "1", *COFFEE_SMALL, "--fail-on-unhealthy")
    done = run_cli("compare", COFFEE, EXPENSIVE, "-o", tmp_path / "c", *args)
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("overall: unhealthy")
    html = (tmp_path / "c" / "report.html").read_text(encoding="utf-8")
    assert BADGE.findall(html)[1] == "unhealthy"
    assert " pp" in done.stdout and "can exceed 100%" in done.stdout


def test_sweep_exits_3_when_any_point_fails(tmp_path: Path) -> None:
    args = ("--param", "population.users=1000,2000", "--param", "design.budget.ratio=0.004,0.005",
            *ONE, "--fail-on", "budget", "--as-written")  # fmt: skip
    done = econsim_here("sweep", ECOMMERCE, "-o", tmp_path / "s", *args)
    assert done.returncode == 3, done.stderr
    assert "0 of 4 points pass every gating verdict (budget)" in done.stdout
    # an 80-column CI log: the parameters named above the table as letters, nothing cut
    assert "A = population.users\nB = design.budget.ratio" in done.stdout
    wrote, *shown = done.stdout.splitlines()  # "wrote PATH…": a message the terminal wraps
    assert wrote.startswith("wrote ") and "…" not in done.stdout
    assert max(map(len, shown)) <= 80


def test_help_says_what_gates(run_cli) -> None:  # type: ignore[no-untyped-def]
    for command in ("run", "sweep", "compare"):
        text = " ".join(run_cli(command, "--help").stdout.split())
        assert "--fail-on" in text and "--as-written" in text, command
        assert "exit" in text and "health" in text and "budget" in text, command


def test_share_differences_are_percentage_points() -> None:
    assert signed_share(0.032) == "+3.2 pp"
    assert signed_share(-0.1) == "-10.0 pp"
    assert signed_share(float("nan")) == "–"
    assert terminal_fmt(0.25, "share", signed=True) == "+25.0 pp"
    assert terminal_fmt(float("nan"), "share") == "–", "an unobserved figure is never nan%"


def _breakage(value: float, basis: str, method: str, expirable: float) -> Breakage:
    return Breakage(value, basis, method, expirable, 1.0, 10.0, np.array([value]))  # type: ignore[arg-type]


def test_breakage_is_printed_with_its_basis_never_bare() -> None:
    unobserved = breakage_text(_breakage(float("nan"), "unobserved", "", 0.0))
    assert unobserved.startswith("breakage unobserved — nothing could expire")
    estimated = breakage_text(_breakage(0.12, "estimated", "hazard to expiry", 0.1))
    assert estimated == "breakage ~12.0% (estimated: hazard to expiry)"
    observed = breakage_text(_breakage(0.0, "observed", "expired so far", 0.9))
    assert observed == "breakage 0.0% (observed: expired so far)"
    for text in (unobserved, estimated, observed):
        assert "nan" not in text.lower()


def test_strict_json_turns_nan_and_inf_into_null() -> None:
    data = {"a": float("nan"), "b": [1.0, float("inf")], "c": ({"d": -math.inf},)}
    text = json.dumps(strict_json(data), allow_nan=False)
    assert json.loads(text) == {"a": None, "b": [1.0, None], "c": [{"d": None}]}


POINT_VALUES = {
    "simulated": "calibrated",
    "behaviours": {
        "purchase": {"as_written": 1.0, "calibrated": 5.56, "simulated": 5.56},
        "review": {"as_written": 20.0, "calibrated": 111.2, "simulated": 111.0},
    },
}


def test_point_values_render_as_a_table_and_a_terminal_block() -> None:
    html = point_values_html(POINT_VALUES)
    assert "simulated: calibrated point values (as written → calibrated)" in html
    assert "<td>review</td><td>20</td><td>111.2</td><td>111</td>" in html
    console = Console(record=True, width=120)
    print_point_values({**POINT_VALUES, "simulated": "as_written"}, console)
    text = console.export_text()
    assert text.splitlines()[0].startswith("simulated: point values as written")
    assert "purchase: 1 → 5.56 (simulated 5.56)" in text


def test_as_written_simulates_the_written_values_and_says_so(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seen = {}
    for name, flag in (("calibrated", ()), ("as_written", ("--as-written",))):
        done = run_cli("run", COFFEE, "-o", tmp_path / name, *RUN_ONE, *COFFEE_SMALL, *flag)
        assert done.returncode == 0, done.stderr
        summary = _parse_strict((tmp_path / name / "summary.json").read_text(encoding="utf-8"))
        values = summary["point_values"]
        assert values["simulated"] == name
        for v in values["behaviours"].values():
            assert v["simulated"] == v[name]
        html = (tmp_path / name / "report.html").read_text(encoding="utf-8")
        assert "<h2>Point values</h2>" in html
        seen[name] = done.stdout
    assert "simulated: calibrated point values (as written → calibrated)" in seen["calibrated"]
    assert "simulated: point values as written" in seen["as_written"]


def _drawn_twice(ax: Axes) -> list[str]:
    """The labels of lines drawn on ``ax`` with the same data as an earlier line."""
    seen: list[tuple[np.ndarray, np.ndarray]] = []
    twice = []
    for line in ax.get_lines():
        x, y = (np.asarray(v, dtype=float) for v in line.get_data())
        if any(np.array_equal(x, a, equal_nan=True) and np.array_equal(y, b, equal_nan=True)
               for a, b in seen):  # fmt: skip
            twice.append(str(line.get_label()))
        seen.append((x, y))
    return twice


def test_every_chart_draws_each_series_once_and_says_what_differs() -> None:
    """A reader must be able to find every design (issue 39): four packagings that share
    their daily series were four lines under one another; now one line labelled with all
    four names, and a chart of the figures that do differ."""
    from econsim.report.charts import all_charts
    from econsim.report.explore_charts import compare_charts

    spring = small(ROOT / "scenarios" / "coffee-spring-push.yaml", 1000, "horizon_days=120")
    c = econsim.compare([spring], packaged="spring_push", replications=2, workers=1)
    charts = {**compare_charts(c), **all_charts(c.runs[0].metrics, "CNY")}
    for name, ax in charts.items():
        assert not _drawn_twice(ax), name
    consumption = [str(line.get_label()) for line in charts["consumption_rate"].get_lines()]
    assert "flat = draw = group = micro_draw" in consumption
    differs = [t.get_text() for t in charts["differences"].get_yticklabels()]
    assert "participants" in differs
