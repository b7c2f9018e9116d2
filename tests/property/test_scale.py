"""Doubling the population doubles expected issuance (acquisition scaled with it)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from econsim import simulate
from tests.conftest import ROOT, small


@pytest.mark.parametrize("name", ["wealth-management", "coffee-healthy", "ride-hailing"])
def test_doubling_the_population_doubles_issuance(name: str) -> None:
    """Tolerance: 4 standard errors of the difference, from the replications' spread."""
    path = ROOT / "scenarios" / f"{name}.yaml"
    reps = 6
    one, two = (
        simulate(small(path, users), seed=seed, replications=reps).total("issued").sum(axis=1)
        for users, seed in ((1000, 1), (2000, 2))
    )
    diff = two.mean() - 2 * one.mean()
    se = math.sqrt(two.var(ddof=1) / reps + 4 * one.var(ddof=1) / reps)
    assert abs(diff) < 4 * se + 1e-9 * two.mean(), (two.mean(), 2 * one.mean(), se)
    assert np.all(two > 0)
