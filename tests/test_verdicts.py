"""One verdict model: classes, three-level status, --fail-on, advice grouping, breakage basis."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from econsim import Scenario, load_scenario, simulate
from econsim.metrics import (
    FailOnError,
    Status,
    Verdict,
    evaluate,
    parse_fail_on,
    status,
)
from econsim.metrics.advice import issuance_findings
from econsim.metrics.breakage import redeemed_by
from econsim.metrics.health import IssuanceCheck
from tests.builders import tiny
from tests.conftest import ROOT


def verdict(kind: str, passed: bool) -> Verdict:
    return Verdict(f"{kind} check", 1.0, 1.0, passed, "", kind=kind)  # type: ignore[arg-type]


ALL_PASS = [verdict(k, True) for k in ("health", "budget", "inflation", "plan")]


@pytest.mark.parametrize(
    ("failing", "fail_on", "expected"),
    [
        ((), {"health", "budget"}, Status.HEALTHY),
        (("health",), {"health", "budget"}, Status.UNHEALTHY),
        (("budget",), {"health", "budget"}, Status.UNHEALTHY),
        (("inflation",), {"health", "budget"}, Status.WARNINGS),
        (("inflation", "plan"), {"health", "budget"}, Status.WARNINGS),
        (("inflation",), {"health", "budget", "inflation"}, Status.UNHEALTHY),
        (("budget",), {"health"}, Status.WARNINGS),
        (("plan",), {"plan"}, Status.UNHEALTHY),
    ],
)
def test_status_follows_the_gating_classes(
    failing: tuple[str, ...], fail_on: set[str], expected: Status
) -> None:
    verdicts = [verdict(v.kind, v.kind not in failing) for v in ALL_PASS]
    assert status(verdicts, fail_on) is expected  # type: ignore[arg-type]


def test_default_gates_health_and_budget() -> None:
    assert status([verdict("budget", False)]) is Status.UNHEALTHY
    assert status([verdict("inflation", False)]) is Status.WARNINGS
    assert Status.WARNINGS.label == "healthy with warnings"
    assert verdict("budget", True).gating and not verdict("plan", True).gating


def test_fail_on_parser_accepts_classes_and_names_the_valid_ones() -> None:
    assert parse_fail_on("health,budget,inflation") == {"health", "budget", "inflation"}
    assert parse_fail_on(" Plan ") == {"plan"}
    with pytest.raises(FailOnError, match=r"unknown verdict class 'finance'.*valid: health, "):
        parse_fail_on("health,finance")
    with pytest.raises(FailOnError, match="at least one"):
        parse_fail_on(" , ")


def test_over_budget_is_unhealthy_by_default_and_summary_agrees() -> None:
    # e-commerce's fixed budget is sized for its full membership, but its cost per user is
    # 2.4 times what the budget allows, so a smaller run is over budget as well
    s = load_scenario(
        ROOT / "scenarios" / "e-commerce.yaml", ["population.users=2000", "replications=1"]
    )
    m = evaluate(simulate(s))
    assert not m.verdict("within budget").passed
    assert m.status() is Status.UNHEALTHY and not m.healthy
    assert m.status({"health"}) is not Status.UNHEALTHY
    summary = json.loads(json.dumps(m.summary()))
    assert summary["status"] == "unhealthy" and summary["healthy"] is False
    assert summary["gating_classes"] == ["health", "budget"]
    budget = next(v for v in summary["verdicts"] if v["name"] == "within budget")
    assert budget["kind"] == "budget" and budget["gating"] is True
    assert m.summary({"inflation"})["status"] != "unhealthy"


def test_verdicts_are_addressed_by_name() -> None:
    m = evaluate(simulate(tiny()))
    assert m.verdict("consumer share").kind == "health"
    assert m.verdict("points not inflating").kind == "inflation"
    with pytest.raises(KeyError, match="'consumer share'"):
        m.verdict("consumers")


CHECKS = (
    IssuanceCheck("member", "sign_in", 100.0, 70.0),
    IssuanceCheck("gold", "sign_in", 100.0, 68.0),
    IssuanceCheck("member", "review", 100.0, 75.0),
    IssuanceCheck("gold", "review", 100.0, 95.0),  # within tolerance
    IssuanceCheck("gold", "share", 100.0, 140.0),
)


def test_advice_is_one_line_per_direction_naming_every_cell() -> None:
    below, above = sorted(issuance_findings(CHECKS, 0.1), key=lambda a: "below" in a)[::-1]
    assert below.count("earning is too hard") == 1
    assert "'sign_in' in gold (-32%), member (-30%); 'review' in member (-25%)" in below
    assert "'review' in gold" not in below
    assert above == (
        "issuance of 'share' in tier 'gold' is 40% above prediction: earning is too easy — "
        "raise its threshold or cap"
    )


def test_fitted_population_is_told_to_recalibrate_not_redesign() -> None:
    (below, above) = issuance_findings(CHECKS, 0.1, origin="fitted")[::-1]
    for line in (below, above):
        assert "re-calibrate with the fitted uptake" in line and "threshold" not in line
    assert "the plan's uptake is off for 'sign_in' in gold (-32%), member (-30%)" in below
    assert "earn less" in below and "earn more" in above


def test_pessimistic_population_gets_one_issuance_line() -> None:
    s = load_scenario(
        ROOT / "scenarios" / "coffee-healthy.yaml",
        ["population.users=300", "replications=1", "population.uptake_scale=0.7"],
    )
    advice = evaluate(simulate(s)).verdict("issuance on plan").advice
    assert advice.count("earning is too hard") == 1
    for behaviour in ("sign_in", "purchase", "review"):
        assert advice.count(f"'{behaviour}' in ") == 1
    assert advice.count("member (") == 3 and advice.count("gold (") == 3


def test_consumption_advice_gives_the_computed_shortfall() -> None:
    expensive = {"gift": {"points_price": 5000, "cost": 2.0, "loop": "open"}}
    r = simulate(tiny(design={"catalog": expensive}))
    # nothing consumed: 40% of 100 users × 300 points must still be consumed
    advice = evaluate(r).verdict("consumption rate").advice
    assert "another 12,000 points (120 per user)" in advice


def expiring(horizon_days: int, months: int, propensity: float, **extra: object) -> Scenario:
    return tiny(
        horizon_days=horizon_days,
        replications=2,
        design={
            "catalog": {"gift": {"points_price": 300, "cost": 2.0, "loop": "open"}},
            "expiry": {"policy": "rolling", "months": months},
        },
        population={
            "users": 300,
            "tiers": {"basic": {"share": 1.0, "redemption_propensity": propensity}},
        },
        **extra,
    )


@pytest.mark.parametrize(("months", "propensity"), [(2, 0.01), (3, 0.02)])
def test_breakage_estimated_on_a_short_run_matches_a_long_run(
    months: int, propensity: float
) -> None:
    # 90 days: a third of the points (2-month expiry) or none (3-month) could expire, so
    # breakage is estimated; two years see eight or more expiry cycles, so it is observed.
    # The estimate must land within 8 percentage points of what the long run observes.
    short = evaluate(simulate(expiring(90, months, propensity))).finance.simulated_breakage
    long_run = evaluate(simulate(expiring(720, months, propensity))).finance
    long = long_run.simulated_breakage
    assert short.basis == "estimated" and short.method == "hazard to expiry"
    assert short.expirable_share < 0.5 and long.expirable_share > 0.8
    assert long.basis == "observed" and long.value > 0.3
    assert short.value == pytest.approx(long.value, abs=0.08)
    assert 0 < short.redemption_share < 1 and short.liability > 0
    # two years of books: the issuance triangle's URR (the run's one breakage) agrees with
    # what expired
    assert long_run.breakage_estimate.method.startswith("URR by ")
    assert long_run.breakage == pytest.approx(long.value, abs=0.02)


def test_breakage_without_expiry_is_estimated_from_the_flow_or_unobserved() -> None:
    gift = {"gift": {"points_price": 300, "cost": 2.0, "loop": "open"}}
    spenders = {"tiers": {"basic": {"share": 1.0, "redemption_propensity": 1.0}}}
    flow = evaluate(simulate(tiny(horizon_days=90, design={"catalog": gift}, population=spenders)))
    b = flow.finance.simulated_breakage
    assert (b.basis, b.method, b.expirable_share) == ("estimated", "redemption flow", 0.0)
    # every 300 points earned are redeemed: the recent flow spends all that is issued
    assert b.value == pytest.approx(0.0, abs=0.05)
    expensive = {"gift": {"points_price": 5000, "cost": 2.0, "loop": "open"}}
    none = evaluate(simulate(tiny(design={"catalog": expensive}))).finance
    assert none.breakage_estimate.basis == "unobserved"
    assert none.breakage != none.breakage  # NaN, never a bare 0%
    summary = json.loads(json.dumps(evaluate(simulate(tiny())).summary()))
    assert summary["finance"]["breakage_basis"] == "unobserved"
    assert summary["finance"]["breakage"] is None
    assert summary["health"]["consumption_rate_30d_can_exceed_1"] is True
    assert summary["redemptions"] == {"denied": 0.0, "stock_outs": 0.0}


def test_churn_competes_with_redemption_before_expiry() -> None:
    days = np.array([0.0, 10.0, 100.0])
    assert_allclose(redeemed_by(days, 0.05, 0.0), 1 - 0.95**days)
    with_churn = redeemed_by(days, 0.05, 0.01)
    assert (with_churn <= redeemed_by(days, 0.05, 0.0)).all()
    # in the long run churn takes c / (h + c) of the points
    assert_allclose(redeemed_by(np.array([10_000.0]), 0.05, 0.01), [0.05 / 0.06])
    assert_allclose(redeemed_by(days, 0.0, 0.0), 0.0)


def test_a_share_just_below_its_threshold_never_reads_as_the_threshold() -> None:
    """Issue 39: a consumer share of 39.9% failing a 40% threshold read "only 40% of point
    holders … (threshold 40%)". The advice shows as many decimals as tell them apart."""
    from econsim.metrics.advice import consumption_advice, shares_apart

    assert shares_apart(0.399, 0.40) == ("39.9%", "40.0%")
    assert shares_apart(0.39996, 0.40) == ("39.996%", "40.000%")
    assert shares_apart(0.25, 0.40) == ("25%", "40%")
    said = consumption_advice(0.3994, 0.40, 1000.0, 10.0)
    assert said.startswith("only 39.9% of issued points are consumed (threshold 40.0%)")


def test_source_shares_in_the_terminal_add_up_to_100() -> None:
    """Issue 39: the terminal's source shares added up to 101%."""
    from econsim.report.terminal import whole_percents

    assert whole_percents([0.335, 0.335, 0.33]) == [34, 33, 33]
    assert sum(whole_percents([0.785, 0.176, 0.039])) == 100
    assert whole_percents([0.5, 0.5]) == [50, 50]
    assert whole_percents([]) == []


def test_a_figure_that_rounds_to_zero_is_never_shown_negative() -> None:
    """Issue 39: a deviation of −0.00004 read "-0.0%"."""
    from econsim.report.wording import fmt_figure, signed_share

    assert fmt_figure(-0.00004, "share") == "0.0%"
    assert signed_share(-0.0004) == "+0.0 pp"
    assert fmt_figure(-0.0006, "share") == "-0.1%"  # a real fall still shows
