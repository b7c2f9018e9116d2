"""Comparisons: same seeds for every design, paired differences with intervals, one report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from numpy.testing import assert_allclose

import econsim
from econsim.explore.compare import paired_difference
from econsim.metrics.figures import key_figures
from tests.conftest import ROOT

HEALTHY = ROOT / "scenarios" / "coffee-healthy.yaml"
EXPENSIVE = ROOT / "scenarios" / "coffee-too-expensive.yaml"
SMALL = ("population.users=500", "population.acquisition_per_day=0.5", "horizon_days=90")


def test_paired_difference_against_the_t_interval() -> None:
    base = np.array([1.0, 2.0, 3.0, 4.0])
    other = np.array([2.0, 4.0, 6.0, 8.0])  # differences 1, 2, 3, 4
    mean, low, high = paired_difference(base, other)
    half = 3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2  # t(0.975, 3) · s / √4
    assert_allclose([mean, low, high], [2.5, 2.5 - half, 2.5 + half], rtol=1e-12)
    one = paired_difference(np.array([1.0]), np.array([3.0]))
    assert one[0] == 2.0 and math.isnan(one[1]) and math.isnan(one[2])


def test_expensive_catalog_consumes_less_on_the_same_seeds() -> None:
    c = econsim.compare([HEALTHY, EXPENSIVE], overrides=SMALL, replications=4, workers=1)
    assert c.labels == ("Coffee chain — healthy catalog", "Coffee chain — catalog too expensive")
    diffs = {d.figure: d for d in c.differences()}
    rate = diffs["consumption_rate"]
    assert rate.difference < 0 and rate.significant and rate.high < 0
    assert diffs["consumer_share"].difference < 0
    # behaviour is the same in both designs: same seeds, same points issued
    assert diffs["issued"].difference == 0.0
    # the baseline's figures are exactly those of a run on the same seed
    alone = econsim.run(HEALTHY, overrides=SMALL, replications=4, workers=1)
    expected = key_figures(alone.results, alone.metrics)
    assert_allclose(c.figures(0)["consumption_rate"], expected["consumption_rate"], rtol=0)
    assert c.runs[0].healthy and not c.runs[1].healthy
    table = c.to_df()
    assert table.loc["consumption_rate", f"{c.labels[1]} − {c.labels[0]}"] == rate.difference


def test_cli_compare_writes_its_report(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cmp"
    small = [a for s in SMALL for a in ("--set", s)]
    done = run_cli("compare", HEALTHY, EXPENSIVE, "--replications", "3", "-o", out, *small)
    assert done.returncode == 0, done.stderr
    assert "catalog too expensive: unhealthy" in done.stdout
    summary = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert summary["replications"] == 3 and len(summary["designs"]) == 2
    assert summary["verdicts"][summary["designs"][0]]["healthy"] is True
    text = (out / "compare.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "catalog too expensive" in html and "data:image/png;base64," in html
    for chart in ("consumption_rate", "consumer_share", "liability", "price_index"):
        assert (out / "charts" / f"{chart}.svg").exists()
    again = run_cli("compare", HEALTHY, EXPENSIVE, "-o", out, *small)
    assert again.returncode == 2 and "--force" in again.stderr
    one = run_cli("compare", HEALTHY, "-o", tmp_path / "one")
    assert one.returncode == 2 and "at least two" in one.stderr
