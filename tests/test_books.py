"""Finance's books of a run: finance.xlsx, finance/*.csv, the report's finance section."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from openpyxl import load_workbook

import econsim
from econsim.metrics.books import books
from econsim.report.workbook import SHEETS
from econsim.scenario.schema import NoExpiry
from tests.conftest import ROOT, small

ECOMMERCE = ROOT / "scenarios" / "e-commerce.yaml"


@pytest.fixture(scope="module")
def run() -> econsim.Run:
    return econsim.run(small(ECOMMERCE, 800), replications=2, workers=1)


@pytest.fixture(scope="module")
def written(run: econsim.Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("books") / "run"
    econsim.report.write(run, folder)
    return folder


def test_every_run_writes_the_workbook_and_its_csvs(written: Path) -> None:
    book = load_workbook(written / "finance.xlsx")
    assert tuple(book.sheetnames) == SHEETS
    assert book["roll-forward"].freeze_panes == "B2" and book["summary"].freeze_panes == "A2"
    for name in SHEETS:
        raw = (written / "finance" / f"{name.replace(' ', '-')}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert "Finance: liability roll-forward" in (written / "report.html").read_text()
    assert (written / "charts" / "aging.png").stat().st_size > 1000


def test_the_workbook_roll_forward_closes_into_the_next_opening(written: Path) -> None:
    sheet = load_workbook(written / "finance.xlsx")["roll-forward"]
    header = [c.value for c in sheet[1]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    opening, closing = header.index("opening (points)"), header.index("closing (points)")
    for before, after in itertools.pairwise(rows):
        assert before[closing] == after[opening]
    money_open, money_close = header.index("opening (money)"), header.index("closing (money)")
    for before, after in itertools.pairwise(rows):
        assert before[money_close] == pytest.approx(after[money_open])
    assert sheet["B2"].number_format == "#,##0"


def test_aging_adds_up_to_the_outstanding_points_of_each_tier(run: econsim.Run) -> None:
    r = run.results
    b = run.metrics.books
    for i, tier in enumerate(r.tiers):
        assert_allclose(b.aging[tier].sum(), r["outstanding"][:, -1, i].mean())
    assert len(b.aging_labels) == 6 and b.aging_labels[-1] == "never"


def test_no_expiry_puts_every_point_in_never(tmp_path: Path) -> None:
    s = small(ROOT / "scenarios" / "coffee-healthy.yaml", 300, "horizon_days=60")
    s = s.model_copy(update={"design": s.design.model_copy(update={"expiry": NoExpiry()})})
    b = econsim.run(s, replications=1, workers=1).metrics.books
    for values in b.aging.values():
        assert values[:-1].sum() == 0


def test_the_run_books_revenue_on_its_own_ledger(run: econsim.Run) -> None:
    d = run.metrics.books.deferred
    assert_allclose(d.allocated.cumsum(), d.recognised.cumsum() + d.liability)
    s = run.scenario
    assert_allclose(d.value_per_point, 1 / s.design.calibration.target_exchange_ratio)
    assert d.allocated.sum() > 0 and (d.liability >= -1e-9).all()


def test_accounting_fields_set_the_value_and_what_counts_as_a_purchase() -> None:
    base = small(ROOT / "scenarios" / "coffee-healthy.yaml", 300, "horizon_days=90")
    priced = econsim.run(base, overrides=["design.accounting.value_per_point=0.05"],
                         replications=1, workers=1).metrics.books  # fmt: skip
    assert_allclose(priced.deferred.value_per_point, 0.05)
    bonus = econsim.run(base, overrides=["design.accounting.core_is_purchase=false"],
                        replications=1, workers=1).metrics.books  # fmt: skip
    assert bonus.deferred.allocated.sum() == 0 and bonus.provision[-1] > 0


def test_cost_per_member_per_tier_per_period_against_the_plan(run: econsim.Run) -> None:
    b = run.metrics.books
    periods = len(b.roll_forward.starts)
    assert set(b.cost_per_tier) == set(run.results.tiers)
    assert all(v.shape == (periods,) for v in b.cost_per_tier.values())
    assert b.planned == {c.tier: c.planned for c in run.metrics.finance.cost_per_user}


def test_the_growth_coefficient_and_its_projection(run: econsim.Run) -> None:
    g = run.metrics.books.growth
    assert math.isfinite(g.elasticity) and g.periods >= 3
    assert_allclose(g.projected["2x"], g.cost_last * 2**g.elasticity)
    assert_allclose(g.projected["5x"], g.cost_last * 5**g.elasticity)


def test_a_fixed_population_has_no_growth_to_fit() -> None:
    s = small(ROOT / "scenarios" / "coffee-healthy.yaml", 300, "population.acquisition_per_day=0",
              "population.lifecycle.churn_hazard=0")  # fmt: skip
    run = econsim.run(s, replications=1, workers=1)
    g = books(run.results, dict.fromkeys(run.results.tiers, 1.0)).growth
    assert math.isnan(g.elasticity) and "members changed too little" in g.note
    assert g.projected == {}
    assert np.isfinite(g.cost_last)
