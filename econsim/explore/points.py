"""One sweep point: run it (in whichever process the executor picks) and summarise it.

A point returns its key figures per replication and a few daily series; the parent turns
them into an index row and a point file, so no process ever holds every point's ledgers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.arrays import F64
from econsim.metrics.figures import NAMES, key_figures
from econsim.pipeline import run
from econsim.scenario.schema import Scenario

STATS = ("mean", "sd", "p5", "p95")
DAILY = (
    "consumption_rate", "consumption_rate_30d", "consumer_share", "issued", "consumed",
    "expired", "outstanding", "cost", "liability", "price_index",
)  # fmt: skip


@dataclass(frozen=True)
class PointTask:
    """What a worker needs to run one point: its scenario and the sweep's common seed."""

    index: int
    scenario: Scenario
    seed: int
    replications: int


@dataclass(frozen=True)
class PointResult:
    index: int
    figures: dict[str, F64]  # one value per replication
    healthy: bool
    within_budget: bool
    daily: dict[str, F64]  # [replication, day]


def run_point(task: PointTask) -> PointResult:
    """Calibrate, simulate and judge one point (replications run serially here)."""
    result = run(task.scenario, seed=task.seed, replications=task.replications, workers=1)
    r, m = result.results, result.metrics
    daily = {
        "consumption_rate": m.health.consumption_rate.values,
        "consumption_rate_30d": m.health.consumption_rate_30d.values,
        "consumer_share": m.health.consumer_share.values,
        "issued": r.total("issued"),
        "consumed": r.total("redeemed"),
        "expired": r.total("expired"),
        "outstanding": r.total("outstanding"),
        "cost": r.total("cost"),
        "liability": m.finance.liability.values,
        "price_index": m.inflation.price_index.values,
    }
    return PointResult(
        index=task.index,
        figures=key_figures(r, m),
        healthy=m.healthy,
        within_budget=m.finance.verdict.passed,
        daily={k: np.asarray(v, dtype=np.float64) for k, v in daily.items()},
    )


def statistics(values: F64) -> dict[str, float]:
    """Mean, standard deviation and 5–95% range over replications (NaN-aware)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return dict.fromkeys(STATS, float("nan"))
    lo, hi = np.percentile(finite, [5.0, 95.0])
    sd = float(np.std(finite, ddof=1)) if finite.size > 1 else float("nan")
    return {"mean": float(finite.mean()), "sd": sd, "p5": float(lo), "p95": float(hi)}


def index_row(
    result: PointResult, paths: tuple[str, ...], values: tuple[Any, ...], replications: int
) -> dict[str, Any]:
    """The index row of a finished point."""
    row: dict[str, Any] = {"point": result.index, **dict(zip(paths, values, strict=True))}
    row |= {
        "replications": replications,
        "healthy": result.healthy,
        "within_budget": result.within_budget,
    }
    for name in NAMES:
        for stat, value in statistics(result.figures[name]).items():
            row[f"{name}_{stat}"] = value
    return row


def daily_columns(result: PointResult) -> dict[str, list[Any]]:
    """A point's daily series as a long table: replication, day, one column per series."""
    reps, days = result.daily[DAILY[0]].shape
    cols: dict[str, list[Any]] = {
        "replication": np.repeat(np.arange(reps), days).tolist(),
        "day": np.tile(np.arange(days), reps).tolist(),
    }
    for name in DAILY:
        cols[name] = result.daily[name].ravel().tolist()
    return cols
