"""The monitor's alarm holds the false-alarm rate it states (issue 35): a Monte Carlo test of
the whole review, so on exchangeable series — a log of the unchanged programme and the
plan's runs — it sounds with chance K / (R + 1), whatever each figure's scale and however
its days are correlated."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from econsim.alarm import FALSE_ALARM, REPLICATIONS, alarm_rank, replications_needed
from econsim.monitor.watch import WATCHED, band

START = dt.date(2027, 1, 1)
DAYS = 90
LEVEL = {"points": 50_000.0, "redemptions": 400.0, "members": 1_500.0, "share": 0.6}


def figures(rng: np.random.Generator, series: int) -> dict[str, np.ndarray]:
    """Each watched figure as ``series`` independent AR(1) paths (ρ = 0.9: a running figure
    that is high today is high tomorrow) around a level in its own unit."""
    out = {}
    for name, (unit, _) in WATCHED.items():
        noise = rng.normal(size=(series, DAYS))
        path = np.zeros_like(noise)
        for d in range(DAYS):
            path[:, d] = noise[:, d] + (0.9 * path[:, d - 1] if d else 0.0)
        out[name] = LEVEL[unit] * (1 + 0.02 * path)
    return out


def judged(f: dict[str, np.ndarray]) -> object:
    return band({k: v[:1] for k, v in f.items()}, {k: v[1:] for k, v in f.items()}, START)


def test_the_rank_rule() -> None:
    assert replications_needed(0.05) == 19 and replications_needed(0.01) == 99
    assert alarm_rank(REPLICATIONS, FALSE_ALARM) == 2  # the default: exactly 5% (2 of 40)
    assert alarm_rank(19, 0.05) == 1 and alarm_rank(18, 0.05) == 0


@pytest.mark.slow  # 400 reviews of seven figures
def test_an_unchanged_programme_alarms_at_the_stated_rate() -> None:
    rng = np.random.default_rng(35)
    trials, runs = 400, 19  # K = 1 of 20: 5% exactly
    alarms = sum(bool(judged(figures(rng, runs + 1)).left) for _ in range(trials))  # type: ignore[attr-defined]
    # 5% of 400 is 20 (sd 4.4): a rate of 1/(R+1) per figure, 7/20 for all seven, would be ~140
    assert 6 <= alarms <= 38, alarms


def test_a_shifted_figure_alarms_from_its_shift_and_only_it() -> None:
    rng = np.random.default_rng(3)
    f = figures(rng, REPLICATIONS + 1)
    f["redemptions (7 days)"][0, 40:] *= 0.6  # the actual's redemptions fall 40% on day 40
    b = judged(f)
    (w,) = b.left  # type: ignore[attr-defined]
    assert w.name == "redemptions (7 days)" and w.direction == "below"
    assert 40 <= w.left <= 42 and w.known_date(b.persist) == START + dt.timedelta(w.left + 2)  # type: ignore[attr-defined]


def test_too_few_plan_runs_cannot_alarm_and_say_so() -> None:
    rng = np.random.default_rng(4)
    f = figures(rng, 10)
    f["holders"][0] *= 3  # far outside, all the time
    b = judged(f)
    assert b.left == [] and not b.can_alarm  # type: ignore[attr-defined]
    summary = b.summary()  # type: ignore[attr-defined]
    assert summary["false_alarm"] == {"asked": 0.05, "held": 0.0, "replications_needed": 19}
