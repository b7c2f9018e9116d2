"""The breakage memo finance files with its books: the data window, the issuance triangle,
the ultimate redemption rate (URR) each method gives, the one chosen and why, and what the
liability and the period's revenue would be at the URR ± 5 and ± 10 points.

- **liability** at a URR ``u``: as the finance view books it — the points outstanding × the
  cost of a point × the share of them ``u`` expects redeemed,
  ``1 − ((1 − u) × issued − expired) / outstanding`` (within 0 … 1), each replication's;
- **revenue**: the deferred-revenue schedule re-run with ``u`` as every period's expected
  redemption share (``metrics.deferred_revenue``); its revenue recognised and the contract
  liability at the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from econsim.arrays import F64
from econsim.metrics.breakage import Breakage
from econsim.metrics.deferred_revenue import DeferredRevenue, deferred_revenue
from econsim.metrics.finance import cost_per_point, liability_at
from econsim.metrics.series import known
from econsim.reserving import Candidate, Triangle, UrrEstimate
from econsim.results import Results

#: The URR shifts the memo's sensitivity table shows (share points).
SHIFTS = (-0.10, -0.05, 0.0, 0.05, 0.10)


@dataclass(frozen=True)
class Sensitivity:
    """The books at one URR."""

    shift: float  # from the estimate (the URR capped at 100%)
    urr: float
    liability: float  # money: outstanding points at the cost of a point × share redeemed
    recognised: float  # revenue recognised over the horizon (points earned with purchases)
    contract_liability: float  # deferred revenue still owed at the horizon


@dataclass(frozen=True)
class BreakageMemo:
    """The URR estimate with its triangle, and the books at the URR and around it."""

    estimate: UrrEstimate
    simulated: Breakage  # the simulation's own breakage, for comparison
    window: str
    sensitivity: tuple[Sensitivity, ...]  # at the URR + each of SHIFTS (empty: no URR)

    @property
    def triangle(self) -> Triangle:
        return self.estimate.triangle

    def with_simulation(self, urr: Candidate) -> BreakageMemo:
        """The memo with the simulation's own URR among the methods (not chosen: the
        books' estimate stands; ``monitor.ultimate``)."""
        e = self.estimate
        shown = replace(e, candidates=(*e.candidates, urr))
        return replace(self, estimate=shown)

    def summary(self) -> dict[str, Any]:
        return {
            **self.estimate.summary(),
            "window": self.window,
            "simulated_breakage": known(self.simulated.value),
            "simulated_breakage_method": self.simulated.method,
            "sensitivity": [s.__dict__ for s in self.sensitivity],
        }


def window(tri: Triangle) -> str:
    """The data the estimate stands on, in words."""
    used = tri.complete
    if used == 0:
        return f"{tri.evaluations[-1]}: the books do not reach a month-end yet"
    text = (
        f"issuance cohorts {tri.cohorts[0]} to {tri.cohorts[used - 1]}, evaluated at "
        f"{used} month-ends to {tri.evaluations[used - 1]}"
    )
    if used < tri.ages:
        text += f"; the part month to {tri.evaluations[-1]} is left out of the fit"
    return text


def breakage_memo(
    r: Results, estimate: UrrEstimate, deferred: DeferredRevenue, simulated: Breakage
) -> BreakageMemo:
    """The memo of a run's URR ``estimate`` (``deferred``: its schedule, re-run at each URR
    of the table; ``simulated``: the simulation's own breakage, shown beside it)."""
    tri = estimate.triangle
    table: tuple[Sensitivity, ...] = ()
    if np.isfinite(estimate.urr):
        per_point = cost_per_point(r)
        table = tuple(
            _at(r, per_point, deferred, shift, float(np.clip(estimate.urr + shift, 0.01, 1)))
            for shift in SHIFTS
        )
    return BreakageMemo(estimate, simulated, window(tri), table)


def _at(
    r: Results, per_point: F64, deferred: DeferredRevenue, shift: float, urr: float
) -> Sensitivity:
    """The books at ``urr``: the finance view's liability, the schedule re-run."""
    schedule = deferred_revenue(
        deferred.sales, deferred.points, deferred.value_per_point, urr, deferred.redeemed,
        deferred.periods,
    )  # fmt: skip
    return Sensitivity(
        shift=shift,
        urr=urr,
        liability=liability_at(r, urr, per_point),
        recognised=float(schedule.recognised.sum()),
        contract_liability=float(schedule.liability[-1]),
    )
