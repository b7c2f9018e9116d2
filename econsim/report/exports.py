"""Files a run writes: summary.json, daily.csv, charts, report.html — each atomically."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np

from econsim.atomic import write_text
from econsim.pipeline import Run
from econsim.report.charts import all_charts, write_charts
from econsim.report.csvfile import write_csv
from econsim.report.html import render

DAILY_COLUMNS = (
    "replication", "day", "date", "users", "active", "holders", "consumers_30d", "issued",
    "consumed", "expired", "outstanding", "cost", "budget", "period_cost", "denied",
    "consumption_rate", "consumption_rate_30d", "consumer_share", "price_index", "liability",
)  # fmt: skip


def daily_rows(run: Run) -> list[list[Any]]:
    """One row per replication and day with the key daily series."""
    cols = run.daily()
    start = run.scenario.start_date
    rows = []
    for rep in range(run.results.replications):
        for day in range(run.results.days):
            date = (start + dt.timedelta(days=day)).isoformat()
            values = [_cell(cols[c][rep, day]) for c in DAILY_COLUMNS[3:]]
            rows.append([rep, day, date, *values])
    return rows


def _cell(x: Any) -> Any:
    if isinstance(x, np.floating):
        return "" if np.isnan(x) else round(float(x), 6)
    return int(x) if isinstance(x, np.integer) else x


def write_run(run: Run, directory: Path) -> list[Path]:
    """Every output of a run into ``directory``; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    summary = directory / "summary.json"
    write_text(summary, json.dumps(run.summary(), indent=2, ensure_ascii=False) + "\n")
    written.append(summary)
    written.append(write_csv(directory / "daily.csv", DAILY_COLUMNS, daily_rows(run)))
    s = run.scenario
    charts = all_charts(run.metrics, s.health.consumption_threshold, s.currency)
    written += write_charts(charts, directory)
    report = directory / "report.html"
    write_text(report, render(run, charts))
    written.append(report)
    return written
