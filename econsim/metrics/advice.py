"""Advice that reads like an analyst wrote it: one sentence per finding, never one per cell.

Issuance checks further than the tolerance from the prediction are grouped by direction
(above or below the plan); each group is one sentence naming every behaviour and the tiers
it covers, with each cell's deviation. What the sentence recommends depends on where the
population came from:

- a **designed** population is the operator's own assumption, so a gap is read as the design
  being too easy or too hard to earn in (domain §5's threshold rules);
- a **fitted** population was estimated from real history, so a gap says the plan's uptake
  assumptions are wrong: re-calibrate with the fitted uptake before changing the design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

PopulationOrigin = Literal["designed", "fitted"]


@dataclass(frozen=True)
class IssuanceCheck:
    """Actual vs predicted points per user per period, for one tier and behaviour."""

    tier: str
    behaviour: str
    predicted: float
    actual: float

    @property
    def deviation(self) -> float:
        return self.actual / self.predicted - 1.0 if self.predicted else float("nan")


def issuance_advice(check: IssuanceCheck, tolerance: float) -> str | None:
    """Domain §5's rule for one tier and behaviour, or None when issuance is on plan."""
    found = issuance_findings((check,), tolerance)
    return found[0] if found else None


def _off_plan(checks: Sequence[IssuanceCheck], tolerance: float, sign: int) -> list[IssuanceCheck]:
    out = []
    for c in checks:
        dev = c.deviation
        if np.isfinite(dev) and abs(dev) > tolerance and np.sign(dev) == sign:
            out.append(c)
    return sorted(out, key=lambda c: -abs(c.deviation))


def cells(checks: Sequence[IssuanceCheck]) -> str:
    """``'sign_in' in basic (−30%), gold (−28%); 'share' in gold (−12%)``."""
    behaviours: dict[str, list[IssuanceCheck]] = {}
    for c in checks:
        behaviours.setdefault(c.behaviour, []).append(c)
    return "; ".join(
        f"'{b}' in " + ", ".join(f"{c.tier} ({c.deviation:+.0%})" for c in group)
        for b, group in behaviours.items()
    )


def _designed(group: list[IssuanceCheck], above: bool) -> str:
    if len(group) == 1:
        c = group[0]
        where = (
            f"issuance of '{c.behaviour}' in tier '{c.tier}' is {abs(c.deviation):.0%} "
            f"{'above' if above else 'below'} prediction"
        )
        if above:
            return f"{where}: earning is too easy — raise its threshold or cap"
        return f"{where}: earning is too hard — lower its threshold or add earning channels"
    where = f"issuance is {'above' if above else 'below'} prediction for {cells(group)}"
    if above:
        return f"{where}: earning is too easy — raise their thresholds or caps"
    return f"{where}: earning is too hard — lower their thresholds or add earning channels"


def _fitted(group: list[IssuanceCheck], above: bool) -> str:
    direction = "more" if above else "less"
    return (
        f"the plan's uptake is off for {cells(group)} (the fitted users earn {direction} "
        "than the design assumes): re-calibrate with the fitted uptake before changing "
        "the design"
    )


def issuance_findings(
    checks: Sequence[IssuanceCheck],
    tolerance: float,
    origin: PopulationOrigin = "designed",
) -> list[str]:
    """One sentence per direction of deviation (above, below), covering all its cells."""
    out = []
    for sign in (1, -1):
        group = _off_plan(checks, tolerance, sign)
        if group:
            out.append(
                _fitted(group, sign > 0) if origin == "fitted" else _designed(group, sign > 0)
            )
    return out


def shares_apart(value: float, threshold: float) -> tuple[str, str]:
    """``value`` and ``threshold`` as percentages with the fewest decimals (up to 4) that
    tell them apart, so a 39.9% that fails a 40% threshold never reads "40% (threshold
    40%)"."""
    for places in range(5):
        a, b = f"{value:.{places}%}", f"{threshold:.{places}%}"
        if a != b or value == threshold:
            return a, b
    return a, b


def consumption_advice(rate: float, threshold: float, shortfall: float, users: float) -> str:
    """The §5 consumption advice with the shortfall in points that was actually computed.

    ``shortfall`` = threshold × points issued − points consumed over the horizon (mean over
    replications); ``users`` = mean users at the horizon.
    """
    per_user = f" ({shortfall / users:,.0f} per user)" if users > 0 else ""
    shown, limit = shares_apart(rate, threshold)
    return (
        f"only {shown} of issued points are consumed (threshold {limit}): another "
        f"{shortfall:,.0f} points{per_user} would have had to be consumed over the horizon "
        "to reach it — add consumption channels, lower catalog prices or change the catalog"
    )
