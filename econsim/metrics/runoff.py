"""The liability run-off: the points held on a day, month by month after it — how many
are redeemed, how many expire, how many are still outstanding at the month's end.

The engine follows those points through each replication, oldest first
(``engine.runoff``; ``Results["runoff"]``: redeemed and expired so far, still
outstanding). Here they become a table by month, each figure's 5%, 50% and 95% over the
replications; the last row closes at the run's last day (said when it cuts a month short).
``econsim monitor`` reports the run-off of the points held on its as-of date;
``econsim run --from-state`` that of the points it opens with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.engine.runoff import RUNOFF

QUANTILES = ("p5", "p50", "p95")


def runoff_by_month(runoff: NDArray[Any], start: dt.date, held_on: int) -> list[dict[str, Any]]:
    """``runoff``: ``[replication, day, 3]`` from a run starting on ``start``; the points
    were held at the end of day ``held_on`` (-1: the run's opening). One row a month after
    it: ``{"month": "YYYY-MM", "redeemed": {"p5", "p50", "p95"}, "expired": …,
    "outstanding": …}``."""
    days = runoff.shape[1]
    ends = [d for d in range(held_on + 1, days) if _month_end(start, d)]
    if not ends or ends[-1] != days - 1:
        ends.append(days - 1)
    # before the first month: what was held, none of it yet redeemed or expired
    before = runoff[:, held_on] if held_on >= 0 else np.zeros_like(runoff[:, 0])
    rows = []
    for d in ends:
        now = runoff[:, d]
        day = start + dt.timedelta(days=d)
        cut = "" if _month_end(start, d) else f" (to {day.isoformat()})"
        month: dict[str, Any] = {"month": day.strftime("%Y-%m") + cut}
        for j, name in enumerate(RUNOFF):
            x = now[:, j] - (before[:, j] if name != "outstanding" else 0)
            month[name] = dict(zip(QUANTILES, _spread(x), strict=True))
        rows.append(month)
        before = now
    return rows


def runoff_table(rows: list[dict[str, Any]], label: str) -> list[list[Any]]:
    """The rows as a table's (finance.xlsx, sheet "liability run-off")."""
    return [[label, r["month"], *(r[k][q] for k in RUNOFF for q in QUANTILES)] for r in rows]


#: The table's header.
RUNOFF_HEAD = ["path", "month", *(f"{what} {q}" for what in ("redeemed", "expired",
               "outstanding at the month's end") for q in QUANTILES)]  # fmt: skip


def _month_end(start: dt.date, day: int) -> bool:
    return (start + dt.timedelta(days=day + 1)).day == 1


def _spread(x: NDArray[Any]) -> list[float | None]:
    low, mid, high = np.quantile(x.astype(float), [0.05, 0.5, 0.95])
    return [round(float(v), 6) if np.isfinite(v) else None for v in (low, mid, high)]
