"""Packaged campaigns (domain §7): one budget per participant, and what each packaging did.

For each packaged campaign: the members who took part, the rewards paid, the money they
cost, and the **cost per participant** = cost / participants, per replication, with its 95%
Student-t interval over replications — against the budget per participant every packaging
is sized to (its expected cost). The packagings differ in participation, not in cost per
participant; a measured cost outside the interval is Monte Carlo error or a hard budget cap
that refused rewards (counted as denied).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from econsim.arrays import F64
from econsim.metrics.series import known, mean_interval, ratio
from econsim.protocol import Rows, html_table
from econsim.results import Results

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Packaged:
    """One packaged campaign over the horizon (means over replications)."""

    name: str
    packaging: str
    participants: float
    rewarded: float
    cost: float
    expected_cost_per_participant: float  # the budget per participant
    cost_per_participant: float  # measured, mean over replications
    low: float  # 95% interval of the measured mean (NaN with one replication)
    high: float
    by_replication: F64  # cost per participant of each replication


@dataclass(frozen=True)
class Packaging(Rows):
    """Every packaged campaign of a run (the `packaged_campaigns` block of summary.json)."""

    campaigns: tuple[Packaged, ...]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"campaign": c.name, "packaging": c.packaging, "participants": c.participants,
             "rewarded": c.rewarded, "cost": c.cost,
             "expected_cost_per_participant": c.expected_cost_per_participant,
             "cost_per_participant": known(c.cost_per_participant),
             "low": known(c.low), "high": known(c.high)}
            for c in self.campaigns
        ]  # fmt: skip

    def _repr_html_(self) -> str:
        head = [["campaign", "packaging", "participants", "cost / participant", "budget"]]
        body = [[c.name, c.packaging, f"{c.participants:,.0f}",
                 f"{c.cost_per_participant:,.2f}", f"{c.expected_cost_per_participant:,.2f}"]
                for c in self.campaigns]  # fmt: skip
        return html_table("Packaged campaigns", head + body)


def packaging(r: Results) -> Packaging:
    """The packaged campaigns of a run."""
    campaigns = r.scenario.design.mechanics.packaged_campaigns
    sinks = r.labels["sinks"]
    out = []
    for i, name in enumerate(r.labels["packaged"]):
        c = campaigns[name]
        took = r["participants"][:, :, i].sum(axis=1).astype(float)
        cost = r["cost"][:, :, sinks.index(f"packaged:{name}")].sum(axis=1)
        per = ratio(cost, took)
        mean, low, high = mean_interval(per)
        out.append(
            Packaged(
                name=name,
                packaging=c.packaging,
                participants=float(took.mean()),
                rewarded=float(r["rewarded"][:, :, i].sum(axis=1).mean()),
                cost=float(cost.mean()),
                expected_cost_per_participant=c.expected_cost(),
                cost_per_participant=mean,
                low=low,
                high=high,
                by_replication=per,
            )
        )
    return Packaging(tuple(out))
