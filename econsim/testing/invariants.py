"""Checks a team's test calls on a run: the books balance, the verdicts pass, the budget holds.

Each raises ``AssertionError`` with a message a reader of a CI log can act on (the
replication, the day, the numbers), so it works in plain ``assert``-style pytest tests and
inside Hypothesis properties alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

import numpy as np

from econsim.engine.ledger import Ledger, check_invariants
from econsim.errors import SimulationError
from econsim.metrics import DEFAULT_FAIL_ON, VerdictKind, parse_fail_on
from econsim.pipeline import Run
from econsim.results import Results


def _results(run_or_results: Run | Results) -> Results:
    return run_or_results.results if isinstance(run_or_results, Run) else run_or_results


def check_ledger(results: Run | Results) -> None:
    """Every replication's books: issued − consumed − expired + transferred = outstanding on
    every day and tier; no negative outstanding points, costs or counts; cost within a hard
    budget cap on every day."""
    r = _results(results)
    names = [f.name for f in fields(Ledger)]
    hard_cap = r.scenario.design.budget.hard_cap
    for rep in range(r.replications):
        ledger = Ledger(**{name: np.asarray(r[name][rep]) for name in names})
        try:
            check_invariants(ledger, hard_cap)
        except SimulationError as exc:
            raise AssertionError(f"replication {rep}: {exc}") from None
        for name in names:
            values = np.asarray(r[name][rep])
            if name != "transferred" and (values < 0).any():
                day = int(np.nonzero((values < 0).reshape(values.shape[0], -1).any(axis=1))[0][0])
                raise AssertionError(f"replication {rep}: negative {name} on day {day}")


def _classes(classes: Iterable[VerdictKind] | str | None) -> frozenset[VerdictKind]:
    if classes is None:
        return DEFAULT_FAIL_ON
    if isinstance(classes, str):
        return parse_fail_on(classes)
    return frozenset(classes)


def assert_verdicts(run: Run, classes: Iterable[VerdictKind] | str | None = None) -> None:
    """No verdict of the gating ``classes`` fails (default: health and budget; a string is
    parsed like ``--fail-on``). The message lists each failing verdict with its numbers."""
    gating = _classes(classes)
    failed = [v for v in run.metrics.verdicts if v.kind in gating and not v.passed]
    if failed:
        lines = [
            f"  ✗ {v.name} ({v.kind}): {v.value:.4g} against {v.threshold:.4g} — {v.advice}"
            for v in failed
        ]
        head = f"{run.scenario.name}: {len(failed)} gating verdict(s) fail"
        raise AssertionError("\n".join([head, *lines]))


def assert_within_budget(run: Run, per_period: bool = False) -> None:
    """Money realised within the horizon's budget; with ``per_period``, within every
    period's own budget too (the peak view)."""
    f = run.metrics.finance
    if f.total_cost > f.total_budget:
        raise AssertionError(
            f"{run.scenario.name}: cost {f.total_cost:,.0f} exceeds the horizon budget "
            f"{f.total_budget:,.0f} ({f.verdict.value:.0%})"
        )
    if per_period and not run.metrics.peaks.verdict.passed:
        raise AssertionError(f"{run.scenario.name}: {run.metrics.peaks.verdict.advice}")


def check_roll_forward(results: Run | Results) -> None:
    """The liability roll-forward of every period and replication: opening + issued −
    redeemed − expired = closing and closing = the next opening, exactly, in points; in money,
    opening + flows + change of estimate = closing (docs/metrics.md)."""
    from econsim.metrics.rollforward import SOURCES, roll_forward

    rf = roll_forward(_results(results))
    p, m = rf.points, rf.money
    gap = p["opening"] + sum(p[g] for g in SOURCES) - p["redeemed"] - p["expired"] - p["closing"]
    _first_gap("points do not roll forward", gap != 0, gap, rf.starts)
    carried = p["closing"][:, :-1] != p["opening"][:, 1:]
    _first_gap("a closing is not the next opening", carried, p["closing"][:, :-1], rf.starts[1:])
    money = m["opening"] + m["issued"] - m["redeemed"] - m["expired"] + m["change of estimate"]
    off = ~np.isclose(money, m["closing"], rtol=1e-9, atol=1e-6)
    _first_gap("money does not roll forward", off, money - m["closing"], rf.starts)


def _first_gap(what: str, bad: np.ndarray, values: np.ndarray, starts: np.ndarray) -> None:
    if bad.any():
        rep, period = (int(i[0]) for i in np.nonzero(bad))
        raise AssertionError(
            f"replication {rep}: {what} in the period starting on day {int(starts[period])} "
            f"(off by {values[rep, period]:g})"
        )
