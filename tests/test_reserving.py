"""Breakage as finance books it: issuance triangles from a run's and a log's books, the URR
by chain-ladder (Cape Cod) and redemption curves chosen out of sample, checked against a
hand-worked triangle and against the ultimate a long simulation shows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import econsim
from econsim.engine.ledger import check_invariants
from econsim.engine.model import compile_model
from econsim.engine.run import simulate_events
from econsim.errors import SimulationError
from econsim.history.event_writer import write_events
from econsim.monitor.actual_books import actual_results
from econsim.monitor.log import read_live_log
from econsim.reserving import ChainLadder, Triangle, estimate_urr
from econsim.reserving import chain_ladder as chain_ladder_module
from econsim.reserving.chain_ladder import ChainLadderMissingError
from econsim.reserving.triangle import NEVER_AGE
from tests.conftest import ROOT
from tests.test_snapshot import CASES, SEED, programme, simulated

#: The guide's hand-worked triangle (docs/guide-finance.md, "Breakage and the URR"):
#: cumulative points redeemed of four monthly cohorts of 1,000 points each.
HAND = np.array(
    [
        [400.0, 600.0, 680.0, 700.0],
        [440.0, 672.0, 760.0, np.nan],
        [480.0, 700.0, np.nan, np.nan],
        [520.0, np.nan, np.nan, np.nan],
    ]
)


def hand_triangle(last_age: int = 3) -> Triangle:
    """``HAND`` with evaluations by month-end; points expire after age ``last_age``."""
    redeemed = np.full((4, 4), np.nan)
    for c in range(4):
        redeemed[c, c:] = HAND[c, : 4 - c]
    return Triangle(
        cohorts=("2027-01", "2027-02", "2027-03", "2027-04"),
        evaluations=("2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"),
        issued=np.full(4, 1000.0),
        redeemed=redeemed,
        expired=np.where(np.isnan(redeemed), np.nan, 0.0),
        last_age=np.full(4, last_age, np.int64),
        complete=4,
        tier="all tiers",
    )


def test_the_chain_ladder_agrees_with_the_hand_worked_triangle() -> None:
    """Volume-weighted factors and the Cape Cod ultimate worked by hand (no tail: the
    points expire at age 3, which the triangle reaches)."""
    f0 = (600 + 672 + 700) / (400 + 440 + 480)
    f1 = (680 + 760) / (600 + 672)
    f2 = 700 / 680
    cdf = np.array([f2, f1 * f2, f0 * f1 * f2])  # from ages 2, 1, 0 to the last
    latest = np.array([700.0, 760.0, 700.0, 520.0])
    to_come = np.r_[1.0, cdf]  # cohort c is at age 3 - c
    urr_prior = latest.sum() / (1000 * (1 / to_come)).sum()  # Cape Cod: used-up exposure
    ultimate = latest + 1000 * urr_prior * (1 - 1 / to_come)
    fitted = ChainLadder().fit(hand_triangle())
    assert_allclose(fitted.factors[:3], [f0, f1, f2], rtol=1e-12)
    assert fitted.urr == pytest.approx(ultimate.sum() / 4000, rel=1e-9)
    assert fitted.beyond == 0.0  # no tail past the expiry age
    assert 0 < fitted.se < 0.05


def test_the_cape_cod_is_the_chainladder_packages() -> None:
    """The Cape Cod written out on the factors equals chainladder's ``CapeCod`` with points
    issued as exposure — on the hand triangle and on a run's, with a tail."""
    import warnings

    import pandas as pd

    cl = chain_ladder_module._chainladder()
    run = econsim.run(ROOT / "scenarios" / "record-store.yaml",
                      overrides=["population.users=400", "horizon_days=300"],
                      replications=1, workers=1)  # fmt: skip
    for tri in (hand_triangle(), run.metrics.breakage_memo.triangle.upto(9)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            developed = cl.Development().fit_transform(chain_ladder_module._cl_triangle(cl, tri))
            if tri.last_age.max() >= tri.ages:
                developed = cl.TailCurve(curve=chain_ladder_module.TAIL).fit_transform(developed)
            origin = pd.period_range(tri.cohorts[0], periods=tri.ages, freq="M")
            frame = pd.DataFrame({"origin": origin.to_timestamp(), "issued": tri.issued,
                                  "valuation": origin[-1].to_timestamp()})  # fmt: skip
            exposure = cl.Triangle(frame, origin="origin", development="valuation",
                                   columns=["issued"], cumulative=True)  # fmt: skip
            theirs = cl.CapeCod().fit(developed, sample_weight=exposure).ultimate_.values
        ours = chain_ladder_module.cape_cod(tri, np.asarray(developed.ldf_.values).ravel())
        assert_allclose(ours, np.nan_to_num(np.asarray(theirs, float).ravel()), rtol=1e-9)


def test_the_factors_and_the_tail_are_the_chainladder_packages() -> None:
    """The volume-weighted factors and the inverse-power tail, written out in numpy, equal
    chainladder's ``Development`` and ``TailCurve(curve="inverse_power")`` — on the hand
    triangle, on young and older books of a no-expiry run (zeros, a tail) and of one with
    rolling expiry; and so does the URR the two give."""
    import warnings

    cl = chain_ladder_module._chainladder()
    triangles = [hand_triangle(), hand_triangle(last_age=NEVER_AGE)]
    for name, months in (("record-store", (3, 6, 9)), ("coffee-healthy", (4, 8))):
        run = econsim.run(ROOT / "scenarios" / f"{name}.yaml",
                          overrides=["population.users=400", "horizon_days=300"],
                          replications=1, workers=1)  # fmt: skip
        whole = run.metrics.breakage_memo.triangle
        triangles += [whole.upto(m) for m in months]
    for tri in triangles:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            developed = cl.Development().fit_transform(chain_ladder_module._cl_triangle(cl, tri))
            factors = np.asarray(developed.ldf_.values, float).ravel()
            tailed = cl.TailCurve(curve=chain_ladder_module.TAIL).fit_transform(developed)
        ours = chain_ladder_module.volume_factors(tri)
        assert_allclose(ours, factors, rtol=1e-12, equal_nan=True)
        theirs = np.asarray(tailed.ldf_.values, float).ravel()
        assert_allclose(chain_ladder_module.inverse_power_tail(ours), theirs, rtol=1e-9,
                        equal_nan=True)  # fmt: skip
        tail = float(np.asarray(tailed.tail_.values).ravel()[0])
        if tri.last_age.max() >= tri.ages and np.isfinite(tail):
            assert ChainLadder().fit(tri, errors=False).tail == pytest.approx(tail, rel=1e-9)


def test_the_guides_worked_example_prints_what_the_test_computes() -> None:
    """The guide shows the same triangle and URR (its python block runs in test_docs)."""
    guide = (ROOT / "docs" / "guide-finance.md").read_text(encoding="utf-8")
    urr = ChainLadder().fit(hand_triangle()).urr
    assert f"{urr:.4f}" in guide


@pytest.mark.parametrize("name", CASES)
def test_a_logs_cohorts_are_the_simulations_own(name: str, tmp_path: Path) -> None:
    """Which month's points each redemption and expiry drew on, rebuilt from a recorded
    log, equals what the engine booked: every expiry policy, tier moves, BG/NBD."""
    s = programme(name)
    log = tmp_path / "log.csv"
    write_events(log, simulate_events(s, seed=SEED, ledger=True))
    model = compile_model(s)
    books = actual_results(read_live_log(log, model, None, points=model), model)
    own = simulated(s).ledger
    for field in ("cohort_redeemed", "cohort_expired"):
        np.testing.assert_array_equal(books[field][0], getattr(own, field), err_msg=field)


def rf_totals(run: econsim.Run) -> dict[str, float]:
    rf = run.metrics.books.roll_forward.mean(run.metrics.books.roll_forward.points)
    issued = sum(rf[g].sum() for g in ("core behaviours", "non-core behaviours", "campaigns",
                                       "mechanics"))  # fmt: skip
    return {"issued": issued, "redeemed": rf["redeemed"].sum(), "expired": rf["expired"].sum()}


def test_the_triangle_adds_up_to_the_roll_forward() -> None:
    run = econsim.run(
        ROOT / "scenarios" / "coffee-healthy.yaml",
        overrides=["population.users=600", "design.expiry={policy: rolling, months: 2}"],
        replications=2,
        workers=1,
    )
    tri, totals = run.metrics.breakage_memo.triangle, rf_totals(run)
    assert tri.issued.sum() == pytest.approx(totals["issued"], rel=1e-12)
    assert tri.latest().sum() == pytest.approx(totals["redeemed"], rel=1e-12)
    assert tri.expired[:, -1].sum() == pytest.approx(totals["expired"], rel=1e-12)
    assert totals["expired"] > 0


def test_the_ledger_refuses_a_redemption_from_no_month() -> None:
    s = programme("coffee-healthy")
    sim = simulated(s)
    check_invariants(sim.ledger, hard_cap=False)
    day = int(np.flatnonzero(sim.ledger.redeemed.sum(axis=(1, 2)))[0])
    sim.ledger.cohort_redeemed[day, 0, 0] -= 1
    with pytest.raises(SimulationError, match=f"points redeemed on day {day}"):
        check_invariants(sim.ledger, hard_cap=False)


def no_expiry_books(days: int) -> Triangle:
    """The record store (no expiry, BG/NBD buyers) at 2,000 members, none joining later."""
    run = econsim.run(
        ROOT / "scenarios" / "record-store.yaml",
        overrides=["population.users=2000", f"horizon_days={days}",
                   "population.acquisition_per_day=0"],
        replications=1, workers=1, seed=11,
    )  # fmt: skip
    return run.metrics.breakage_memo.triangle


@pytest.mark.slow  # eight simulated years
def test_the_urr_from_24_months_is_within_3_points_and_6_months_cover_it() -> None:
    """The truth: what the first months' points have redeemed after eight years. From 24
    months of books the chosen URR is within 3 points of it; from 6, its interval covers
    it."""
    full = no_expiry_books(2922)
    for months, check in ((24, "close"), (6, "covered")):
        truth = full.redeemed[:months, -1].sum() / full.issued[:months].sum()
        e = estimate_urr(full.upto(months))
        assert e.chosen, e.reason
        if check == "close":
            assert e.urr == pytest.approx(truth, abs=0.03), e.rows()
        else:
            low, high = e.interval
            assert low <= truth <= high, (truth, e.rows())


def test_thin_books_give_a_reason_not_a_number() -> None:
    tri = hand_triangle()
    assert "at least 3" in estimate_urr(tri.upto(2)).reason
    assert estimate_urr(tri.upto(2)).chosen == ""
    unspent = Triangle(
        tri.cohorts, tri.evaluations, tri.issued, np.where(np.isnan(tri.redeemed), np.nan, 0),
        tri.expired, tri.last_age, 4, tri.tier,
    )  # fmt: skip
    assert "nothing has been redeemed" in estimate_urr(unspent).reason or "no points redeemed" in (
        estimate_urr(unspent).reason
    )
    holed = Triangle(
        tri.cohorts, tri.evaluations, np.array([1000.0, 0.0, 1000.0, 1000.0]),
        tri.redeemed * np.array([1, 0, 1, 1])[:, None], tri.expired, tri.last_age, 4, tri.tier,
    )  # fmt: skip
    assert "hole" in estimate_urr(holed).reason and "2027-02" in estimate_urr(holed).reason


def test_without_chainladder_the_curves_give_the_urr_and_say_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing() -> None:
        raise ChainLadderMissingError("the chain-ladder estimate needs the chainladder package")

    monkeypatch.setattr(chain_ladder_module, "_chainladder", missing)
    monkeypatch.setattr(chain_ladder_module, "_installed", lambda: False)
    e = estimate_urr(hand_triangle(last_age=NEVER_AGE))
    assert e.chosen in ("exponential curve", "power curve")
    ladder = next(c for c in e.candidates if c.method.startswith("chain-ladder"))
    assert np.isnan(ladder.urr) and "chainladder" in ladder.note


def test_one_urr_per_run_in_every_view(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """The terminal, summary.json, the workbook and the report name one URR; the deferred
    revenue books it (issue 36: it booked 1.0 beside a 5.1% breakage estimate)."""
    from openpyxl import load_workbook

    out = tmp_path / "run"
    done = run_cli("run", ROOT / "scenarios" / "record-store.yaml", "-o", out, "--set",
                   "population.users=600", "--replications", "2", "--workers", "1",
                   "--no-charts")  # fmt: skip
    assert done.returncode in (0, 3), done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    memo = summary["breakage_memo"]
    urr = memo["urr"]
    assert memo["method"] and summary["finance"]["breakage"] == pytest.approx(1 - urr)
    # the memo's books at the URR are the run's own: its liability and its revenue
    at = next(row for row in memo["sensitivity"] if row["shift"] == 0)
    liability = summary["finance"]["liability_at_estimated_redemption"]
    assert at["liability"] == pytest.approx(liability, rel=1e-12)
    assert at["liability"] == pytest.approx(summary["finance"]["liability_final"], rel=1e-12)
    recognised = summary["books"]["deferred_revenue"]["recognised"]
    assert at["recognised"] == pytest.approx(recognised, rel=1e-12)
    assert f"breakage ~{1 - urr:.1%}" in done.stdout.replace("\n", " ")
    book = load_workbook(out / "finance.xlsx")
    shares = [row[4] for row in book["deferred revenue"].iter_rows(min_row=2, values_only=True)]
    assert shares and all(x == pytest.approx(urr) for x in shares)
    labels: dict[str, object] = {}
    for row in book["breakage memo"].iter_rows(values_only=True):
        labels.setdefault(str(row[0]), row[1])  # the first: the methods table repeats "method"
    assert labels["ultimate redemption rate (URR)"] == pytest.approx(urr)
    assert labels["method"] == memo["method"]
    assert book["breakage triangle"].max_row > 3
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"URR <strong>{urr:.1%}</strong>" in html
