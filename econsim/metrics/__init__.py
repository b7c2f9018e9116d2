"""Health, inflation and finance views: pure functions of Results (they never plot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from econsim.metrics.finance import Finance, finance
from econsim.metrics.health import Health, IssuanceCheck, Verdict, health
from econsim.metrics.inflation import Inflation, inflation
from econsim.metrics.series import Series
from econsim.results import Results

__all__ = [
    "Finance",
    "Health",
    "Inflation",
    "IssuanceCheck",
    "Metrics",
    "Series",
    "Verdict",
    "evaluate",
    "finance",
    "health",
    "inflation",
]


@dataclass(frozen=True)
class Metrics:
    """Every view of one run."""

    health: Health
    inflation: Inflation
    finance: Finance

    @property
    def verdicts(self) -> tuple[Verdict, ...]:
        return (*self.health.verdicts, self.inflation.verdict, self.finance.verdict)

    @property
    def healthy(self) -> bool:
        return self.health.healthy

    def summary(self) -> dict[str, Any]:
        """Key figures and verdicts, JSON-ready (the content of summary.json)."""
        h, i, f = self.health, self.inflation, self.finance
        return {
            "healthy": self.healthy,
            "verdicts": [
                {
                    "name": v.name,
                    "passed": v.passed,
                    "value": v.value,
                    "threshold": v.threshold,
                    "gating": v.gating,
                    "advice": v.advice,
                }
                for v in self.verdicts
            ],
            "health": {
                "consumption_rate": h.consumption_rate.final(),
                "consumption_rate_30d": h.consumption_rate_30d.final(),
                "consumer_share": h.verdicts[1].value,
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
            },
            "inflation": {
                "price_index_final": i.price_index.final(),
                "supply_growth_recent": i.verdict.value,
                "issuance_consumption_ratio_final": i.issuance_consumption_ratio.final(),
            },
            "finance": {
                "total_budget": f.total_budget,
                "total_cost": f.total_cost,
                "budget_used": f.verdict.value,
                "cost_per_point": f.cost_per_point,
                "redemption_share": f.redemption_share,
                "liability_final": f.liability.final(),
                "breakage": f.breakage,
                "cost_per_user": {
                    c.tier: {"realised": c.realised, "planned": c.planned} for c in f.cost_per_user
                },
            },
        }


def evaluate(results: Results) -> Metrics:
    """Compute every view of a run."""
    return Metrics(health(results), inflation(results), finance(results))
