"""Files a run writes: summary.json, daily.csv, charts, report.html — each atomically."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from econsim.atomic import write_text

if TYPE_CHECKING:
    from econsim.pipeline import Run

DAILY_COLUMNS = (
    "replication", "day", "date", "users", "active", "holders", "consumers_30d", "issued",
    "consumed", "expired", "outstanding", "cost", "budget", "period_cost", "denied",
    "consumption_rate", "consumption_rate_30d", "consumer_share", "price_index", "liability",
)  # fmt: skip


def daily_rows(run: Run) -> list[list[Any]]:
    """One row per replication and day with the key daily series."""
    r, m = run.results, run.metrics
    cols = {
        "users": r.total("users"),
        "active": r.total("active"),
        "holders": r.total("holders"),
        "consumers_30d": r.total("consumers_30d"),
        "issued": r.total("issued"),
        "consumed": r.total("redeemed"),
        "expired": r.total("expired"),
        "outstanding": r.total("outstanding"),
        "cost": r.total("cost"),
        "budget": r["budget"],
        "period_cost": r["period_cost"],
        "denied": r["denied"],
        "consumption_rate": m.health.consumption_rate.values,
        "consumption_rate_30d": m.health.consumption_rate_30d.values,
        "consumer_share": m.health.consumer_share.values,
        "price_index": m.inflation.price_index.values,
        "liability": m.finance.liability.values,
    }
    start = run.scenario.start_date
    rows = []
    for rep in range(r.replications):
        for day in range(r.days):
            date = (start + dt.timedelta(days=day)).isoformat()
            values = [_cell(cols[c][rep, day]) for c in DAILY_COLUMNS[3:]]
            rows.append([rep, day, date, *values])
    return rows


def _cell(x: Any) -> Any:
    if isinstance(x, np.floating):
        return "" if np.isnan(x) else round(float(x), 6)
    return int(x) if isinstance(x, np.integer) else x


def write_daily_csv(run: Run, path: Path) -> None:
    """daily.csv in UTF-8 with a byte-order mark, so Excel opens it with the right encoding."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(DAILY_COLUMNS)
    writer.writerows(daily_rows(run))
    write_text(path, buf.getvalue(), encoding="utf-8-sig")


def write_all(run: Run, directory: Path) -> list[Path]:
    """Every output of a run into ``directory``; returns the paths written."""
    from econsim.report.charts import all_charts, write_charts
    from econsim.report.html import render

    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    summary = directory / "summary.json"
    write_text(summary, json.dumps(run.summary(), indent=2, ensure_ascii=False) + "\n")
    written.append(summary)
    daily = directory / "daily.csv"
    write_daily_csv(run, daily)
    written.append(daily)
    s = run.scenario
    charts = all_charts(run.metrics, s.health.consumption_threshold, s.currency)
    written += write_charts(charts, directory)
    report = directory / "report.html"
    write_text(report, render(run, charts))
    written.append(report)
    return written
