"""Issue 24: the default population's capped core amount realises the design's uptake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from econsim import Scenario, ScenarioError, load_scenario, scenario_from_dict, simulate
from econsim.calibration import predicted_issuance
from econsim.scenario.amounts import capped_share, pre_cap_mean, reachable_uptake
from tests.builders import BASE, merge

CAP = 1000.0


def _poisson(n: np.ndarray, f: float) -> np.ndarray:
    from scipy import stats  # only this helper needs it

    out: np.ndarray = stats.poisson.pmf(n, f)
    return out


def test_fixed_amounts_match_the_poisson_closed_form() -> None:
    # amounts of half the cap: one occurrence fills half of it, two or more fill it all
    f = 3.0
    p0, p1 = np.exp(-f), f * np.exp(-f)
    assert_allclose(capped_share(0.5, f, "fixed", 0.0), 0.5 * p1 + (1 - p0 - p1), rtol=1e-12)
    assert_allclose(reachable_uptake(f, "fixed", 0.0), 1 - p0, rtol=1e-12)
    m = pre_cap_mean(0.5 * p1 + (1 - p0 - p1), CAP, f, "fixed", 0.0)
    assert_allclose(m, 0.5 * CAP, rtol=1e-8)


def test_a_tiny_cv_far_below_the_cap_is_the_uncapped_mean() -> None:
    for dist in ("gamma", "lognormal", "fixed"):
        # lognormal: the fixed sample's mean is 1 only to within its sample error
        assert_allclose(pre_cap_mean(0.1, CAP, 4.0, dist, 1e-3), 0.1 * CAP / 4.0, rtol=1e-5)


def test_exponential_sums_match_the_erlang_closed_form() -> None:
    # S_n of exponential amounts is Erlang(n) and E[min(S_n, 1)] is the integral of its
    # survival function over [0, 1]: quadrature here, independently of the solver's formula
    from scipy import integrate, stats

    f, mean = 4.0, 0.2
    n = np.arange(1, 60)
    per_n = [integrate.quad(lambda x, k=k: stats.gamma.sf(x, k, scale=mean), 0, 1)[0] for k in n]
    assert_allclose(capped_share(mean, f, "exponential", 1.0), _poisson(n, f) @ per_n, rtol=1e-9)


@pytest.mark.parametrize("dist", ["lognormal", "gamma"])
@pytest.mark.parametrize("cv", [0.3, 1.0, 1.5])
@pytest.mark.parametrize("uptake", [0.2, 0.5, 0.8])
def test_solved_mean_realises_the_uptake_in_an_independent_simulation(
    dist: str, cv: float, uptake: float
) -> None:
    f = 4.0
    m = pre_cap_mean(uptake, CAP, f, dist, cv)
    rng = np.random.default_rng(np.random.SeedSequence(24))
    users = 200_000
    counts = rng.poisson(f, users)
    if dist == "lognormal":
        s2 = np.log1p(cv * cv)
        amounts = rng.lognormal(np.log(m) - s2 / 2, np.sqrt(s2), counts.sum())
    else:
        amounts = rng.gamma(1 / cv**2, m * cv**2, counts.sum())
    owner = np.repeat(np.arange(users), counts)
    capped = np.minimum(np.bincount(owner, weights=amounts, minlength=users), CAP) / CAP
    error = capped.std() / np.sqrt(users)
    assert abs(capped.mean() - uptake) < 4 * error + 0.001  # + the solver's sample error


UPTAKES = {"t1": 0.1, "t2": 0.3, "t3": 0.5, "t4": 0.7, "t5": 0.9}


def _one_behaviour(
    name: str, behaviour: dict[str, Any], uptakes: dict[str, float], users: int
) -> Scenario:
    """builders.BASE with one behaviour in five equal tiers of the given uptakes."""
    tiers = {
        t: {"core_share": 1.0 if behaviour["kind"] == "core" else 0.5, "uptake": {name: u}}
        for t, u in uptakes.items()
    }
    data = merge(BASE, {"design": {}, "population": {"users": users}})
    data["design"]["behaviours"] = {name: behaviour}
    data["design"]["tiers"] = tiers
    data["population"]["tiers"] = {t: {"share": 1 / len(uptakes)} for t in uptakes}
    return scenario_from_dict(data)


def _tiered(users: int) -> Scenario:
    # many points per unit: flooring to whole points per day moves nothing
    buy = {"kind": "core", "points": 100, "unit": 1, "period_cap": CAP}
    return _one_behaviour("buy", buy, UPTAKES, users)


def test_one_period_issues_the_prediction_per_tier() -> None:
    s = _tiered(25_000)
    pred = predicted_issuance(s)  # type: ignore[arg-type]
    r = simulate(s, seed=3, replications=1)  # type: ignore[arg-type]
    issued = r["issued"][0].sum(axis=(0, 1))
    members = r["users"][0, 0]
    for i, (t, u) in enumerate(UPTAKES.items()):
        per_user = issued[i] / members[i]
        # min(S, cap) lies in [0, cap] with mean u × cap: its sd is at most cap √(u(1 − u))
        error = np.sqrt(u * (1 - u)) * pred[t]["buy"] / u / np.sqrt(members[i])
        assert abs(per_user - pred[t]["buy"]) < 4 * error, (t, per_user, pred[t]["buy"])


def test_an_unreachable_uptake_is_a_located_error(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    text = (ROOT / "econsim" / "templates" / "starter.yaml").read_text(encoding="utf-8")
    assert "purchase: 0.3}" in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("purchase: 0.3}", "purchase: 1.0}", 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (p,) = info.value.problems
    assert p.source == str(path) and p.line > 0 and p.column > 0
    assert p.path.endswith(".uptake.purchase")
    assert f"at most {reachable_uptake(4.0, 'lognormal', 1.0):.3f}" in p.hint


NON_CORE = {"t1": 0.2, "t2": 0.5, "t3": 0.7, "t4": 0.9, "t5": 1.0}


def test_non_core_counts_cut_at_a_tight_period_cap_issue_the_prediction() -> None:
    # a review at most once a day and 4 times a period: the period cap binds well before 30
    review = {"kind": "non_core", "points": 10, "period_cap": 4, "daily_cap": 1}
    s = _one_behaviour("review", review, NON_CORE, 25_000)
    pred = predicted_issuance(s)
    r = simulate(s, seed=5, replications=1)
    issued = r["issued"][0].sum(axis=(0, 1))
    members = r["users"][0, 0]
    for i, (t, u) in enumerate(NON_CORE.items()):
        per_user = issued[i] / members[i]
        error = np.sqrt(u * (1 - u)) * 40 / np.sqrt(members[i])  # 40 = the cap in points
        assert abs(per_user - pred[t]["review"]) <= 4 * error + 1e-9, (t, per_user)
