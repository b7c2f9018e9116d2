"""Health, inflation and finance views: pure functions of Results (they never plot)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from econsim.metrics.activity import Activity, activity
from econsim.metrics.advice import PopulationOrigin
from econsim.metrics.books import Books, books
from econsim.metrics.breakage import Breakage, BreakageBasis
from econsim.metrics.breakage_memo import BreakageMemo, breakage_memo
from econsim.metrics.coupon_use import Coupons, coupons
from econsim.metrics.finance import Finance, finance
from econsim.metrics.funnel import Funnel, funnel
from econsim.metrics.health import Health, IssuanceCheck, health
from econsim.metrics.inflation import Inflation, inflation
from econsim.metrics.packaged_campaigns import Packaging, packaging
from econsim.metrics.peaks import Peaks, Period, peaks
from econsim.metrics.retention import Retention, retention
from econsim.metrics.series import Series, known
from econsim.metrics.sources import Item, Source, Sources, sources
from econsim.metrics.verdicts import (
    DEFAULT_FAIL_ON,
    KINDS,
    FailOnError,
    Status,
    Verdict,
    VerdictKind,
    parse_fail_on,
    status,
)
from econsim.reserving import Candidate, chosen_urr, estimate_urr, triangle
from econsim.results import Results

__all__ = [
    "DEFAULT_FAIL_ON",
    "KINDS",
    "Activity",
    "Books",
    "Breakage",
    "BreakageBasis",
    "BreakageMemo",
    "FailOnError",
    "Finance",
    "Health",
    "Inflation",
    "IssuanceCheck",
    "Item",
    "Metrics",
    "Peaks",
    "Period",
    "PopulationOrigin",
    "Retention",
    "Series",
    "Source",
    "Sources",
    "Status",
    "Verdict",
    "VerdictKind",
    "activity",
    "evaluate",
    "finance",
    "health",
    "inflation",
    "parse_fail_on",
    "peaks",
    "retention",
    "sources",
    "status",
]


@dataclass(frozen=True)
class Metrics:
    """Every view of one run."""

    health: Health
    inflation: Inflation
    finance: Finance
    peaks: Peaks
    books: Books  # roll-forward, aging, deferred revenue, cost per tier, growth
    sources: Sources  # where the points come from (by source) and go (by item)
    activity: Activity  # DAU, WAU, MAU, stickiness
    retention: Retention  # day-k retention of new members, the monthly cohort triangle
    growth: Funnel  # new/old member ratio, repurchase rate, the AARRR funnel
    packaging: Packaging  # packaged campaigns: participants and cost per participant
    coupons: Coupons  # coupons given, used, their cost and basket uplift
    denied: float  # redemptions denied by a hard budget cap, mean over replications
    stock_outs: float  # redemptions wanted but out of stock, mean over replications
    urr_method: str  # the method of the URR the finance view books ("": none)
    results: Results = field(repr=False, compare=False)  # what the breakage memo reads
    simulation_urr: Candidate | None = None  # the monitor's: today's state simulated on

    @functools.cached_property
    def breakage_memo(self) -> BreakageMemo:
        """The URR from the issuance triangle, every method, the books around it — made
        when first read (the reports and summary read it; a search's many runs need only
        the URR, ``urr_method``'s)."""
        memo = breakage_memo(
            self.results,
            estimate_urr(triangle(self.results)),
            self.books.deferred,
            self.finance.simulated_breakage,
        )
        return memo.with_simulation(self.simulation_urr) if self.simulation_urr else memo

    @property
    def verdicts(self) -> tuple[Verdict, ...]:
        return (
            *self.health.verdicts,
            self.inflation.verdict,
            self.finance.verdict,
            self.peaks.verdict,
        )

    def verdict(self, name: str) -> Verdict:
        """The verdict called ``name`` (e.g. "consumer share"); verdicts have no fixed order."""
        for v in self.verdicts:
            if v.name == name:
                return v
        names = ", ".join(repr(v.name) for v in self.verdicts)
        raise KeyError(f"no verdict {name!r}; the verdicts are {names}")

    def status(self, fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON) -> Status:
        """Healthy, healthy with warnings or unhealthy, with ``fail_on`` as gating classes."""
        return status(self.verdicts, fail_on)

    @property
    def healthy(self) -> bool:
        """Not unhealthy under the default gating classes (health and budget)."""
        return self.status() is not Status.UNHEALTHY

    def summary(self, fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON) -> dict[str, Any]:
        """Key figures and verdicts, JSON-ready (the content of summary.json)."""
        gating = frozenset(fail_on)
        state = self.status(gating)
        return {
            "status": state.value,
            "healthy": state is not Status.UNHEALTHY,
            "gating_classes": [k for k in KINDS if k in gating],
            "verdicts": [
                {
                    "name": v.name,
                    "kind": v.kind,
                    "passed": v.passed,
                    "value": v.value,
                    "threshold": v.threshold,
                    "gating": v.gates(gating),
                    "advice": v.advice,
                }
                for v in self.verdicts
            ],
            "health": self._health_summary(),
            "inflation": {
                "price_index_final": self.inflation.price_index.final(),
                "supply_growth_recent": self.inflation.verdict.value,
                "issuance_consumption_ratio_final": (
                    self.inflation.issuance_consumption_ratio.final()
                ),
            },
            "finance": self._finance_summary(),
            "peaks": self._peaks_summary(),
            "books": self.books.summary(),
            "breakage_memo": self.breakage_memo.summary(),
            "sources": self.sources.summary(),
            "activity": self.activity.summary(),
            "retention": self.retention.summary(),
            "growth": self.growth.summary(),
            "packaged_campaigns": self.packaging.summary(),
            "coupons": self.coupons.summary(),
            "redemptions": {"denied": self.denied, "stock_outs": self.stock_outs},
        }

    def _health_summary(self) -> dict[str, Any]:
        h = self.health
        return {
            "consumption_rate": h.consumption_rate.final(),
            "consumption_rate_30d": h.consumption_rate_30d.final(),
            # a flow ratio: the window's consumption may spend points earned before it
            "consumption_rate_30d_can_exceed_1": True,
            "consumer_share": self.verdict("consumer share").value,
            "issuance": [
                {
                    "tier": c.tier,
                    "behaviour": c.behaviour,
                    "predicted_per_user_period": c.predicted,
                    "actual_per_user_period": c.actual,
                    "deviation": c.deviation,
                }
                for c in h.issuance
            ],
        }

    def _finance_summary(self) -> dict[str, Any]:
        f, b = self.finance, self.finance.breakage_estimate
        return {
            "total_budget": f.total_budget,
            "total_cost": f.total_cost,
            "budget_used": f.verdict.value,
            "cost_per_point": f.cost_per_point,
            "redemption_share": f.redemption_share,
            "liability_final": f.liability.final(),
            "breakage": known(b.value),
            "breakage_basis": b.basis,
            "breakage_method": b.method,
            "expirable_share": b.expirable_share,
            "outstanding_redemption_share": known(b.redemption_share),
            "liability_at_estimated_redemption": known(b.liability),
            "cost_per_user": {
                c.tier: {"realised": c.realised, "planned": c.planned} for c in f.cost_per_user
            },
        }

    def _peaks_summary(self) -> dict[str, Any]:
        def period(p: Period | None) -> dict[str, Any] | None:
            if p is None:
                return None
            return {
                "period": p.number,
                "start": p.start.isoformat(),
                "days": p.days,
                "cost": p.cost,
                "budget": p.budget,
                "burn": known(p.burn),
                "issued": p.issued,
                "stock_outs": p.stock_outs,
                "season": p.season,
            }

        return {
            "busiest_period": period(self.peaks.busiest),
            "periods_over_budget": len(self.peaks.over_budget),
            "part_period": period(self.peaks.part_period),
        }


def evaluate(
    results: Results,
    population_origin: PopulationOrigin = "designed",
    planned_cost: Mapping[str, float] | None = None,
) -> Metrics:
    """Compute every view of a run.

    ``population_origin``: "fitted" when the population was estimated from history (its
    issuance gaps are then read as wrong uptake assumptions, not a wrong design).
    ``planned_cost``: the calibration's cost per user per tier for the simulated values
    (``econsim.run`` passes it, so the finance view and ``econsim calibrate`` agree).
    """
    urr, method = chosen_urr(triangle(results))
    money = finance(results, planned_cost, urr, method)
    finance_books = books(results, {c.tier: c.planned for c in money.cost_per_user}, urr)
    return Metrics(
        health(results, population_origin),
        inflation(results),
        money,
        peaks(results),
        finance_books,
        sources(results, urr),
        activity(results),
        retention(results),
        funnel(results),
        packaging(results),
        coupons(results),
        denied=float(results.total("denied").sum(axis=1).mean()),
        stock_outs=float(results.total("stock_outs").sum(axis=1).mean()),
        urr_method=method,
        results=results,
    )
