"""The liability roll-forward of a run, line by line (docs/guide-finance.md, docs/invariants.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from numpy.testing import assert_allclose

import econsim
from econsim.metrics.rollforward import SOURCES, roll_forward, source_group
from econsim.testing import check_roll_forward
from tests.conftest import ROOT, small


@pytest.fixture(scope="module")
def run() -> econsim.Run:
    """e-commerce: core and non-core behaviours, a campaign and mechanics all issue points."""
    return econsim.run(
        small(ROOT / "scenarios" / "e-commerce.yaml", 800), replications=2, workers=1
    )


def test_every_source_lands_on_its_line(run: econsim.Run) -> None:
    r = run.results
    rf = roll_forward(r)
    for group in SOURCES:
        assert rf.points[group].sum() > 0, group  # the scenario issues from every kind
    assert_allclose(sum(rf.points[g] for g in SOURCES).sum(axis=1), r.total("issued").sum(axis=1))
    core = {n for n, b in r.scenario.design.behaviours.items() if b.kind == "core"}
    assert source_group("campaign:double_11", core) == "campaigns"
    assert source_group("bundle:five_trips", core) == "mechanics"
    assert source_group("streak", core) == "mechanics"


def test_points_and_money_close_and_open_exactly(run: econsim.Run) -> None:
    check_roll_forward(run)
    m = run.metrics.books.roll_forward.money
    broken = replace(run.results, arrays={**run.results.arrays})
    broken.arrays["expired"] = broken.arrays["expired"].copy()
    broken.arrays["expired"][0, 45, 0] += 5  # day 45: the second period of replication 0
    with pytest.raises(AssertionError, match="replication 0: points do not roll forward in "
                       "the period starting on day 30"):  # fmt: skip
        check_roll_forward(broken)
    # at the horizon the estimate is the finance view's: the last close is its liability
    assert_allclose(m["closing"][:, -1], run.metrics.finance.liability.values[:, -1], rtol=1e-9)


def test_the_roll_forward_is_a_result(run: econsim.Run) -> None:
    rf = roll_forward(run.results)
    frame = rf.to_df()
    assert list(frame.columns[:2]) == ["opening (points)", "core behaviours (points)"]
    assert frame.index[0] == run.scenario.start_date and "roll-forward" in rf._repr_html_()
    assert len(rf.summary()["periods"]) == frame.shape[0]
