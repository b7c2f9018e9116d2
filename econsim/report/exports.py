"""Files a run writes: summary.json, daily.csv, charts, report.html — each atomically."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from econsim.atomic import replace_folder, write_text
from econsim.metrics import DEFAULT_FAIL_ON, VerdictKind
from econsim.metrics.runoff import RUNOFF_HEAD, runoff_by_month, runoff_table
from econsim.pipeline import Run
from econsim.report.charts import all_charts, write_charts
from econsim.report.csvfile import write_csv
from econsim.report.html import render
from econsim.report.workbook import write_finance

DAILY_COLUMNS = (
    "replication", "day", "date", "users", "active", "wau", "mau", "stickiness", "new_users",
    "new_old_ratio", "repurchase_rate", "holders",
    "consumers_30d", "issued",
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


def strict_json(x: Any) -> Any:
    """JSON has no NaN or infinity: a figure that is not a number is null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: strict_json(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [strict_json(v) for v in x]
    return x


def json_text(data: Any) -> str:
    """``data`` as strict JSON text (undefined figures as null), the way every .json is written."""
    return json.dumps(strict_json(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def run_summary(run: Run, fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON) -> dict[str, Any]:
    """summary.json's content, its status and verdicts judged with ``fail_on`` gating."""
    summary = run.summary()
    summary.update(run.metrics.summary(fail_on))  # same keys, same order: only gating moves
    return dict(strict_json(summary))


#: What a run writes into its folder (replaced by the next run; anything else is kept).
RUN_FILES = ("summary.json", "daily.csv", "report.html", "charts", "finance", "finance.xlsx")


def write_run(
    run: Run,
    directory: Path,
    fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON,
    charts: bool = True,
) -> list[Path]:
    """Every output of a run into ``directory``; returns the paths written.

    ``charts=False`` draws none (no charts/, a report without pictures): drawing them is
    most of the time a small run spends writing, which a CI gate reading the exit code and
    summary.json does not need.

    The files are written into a fresh folder that then replaces ``directory`` whole, so a
    run killed while writing (``--force``) never leaves two runs' files mixed
    (atomic.replace_folder). summary.json, the badge of report.html and the CLI's exit
    code read one status: ``run.metrics.status(fail_on)``.
    """
    gating = frozenset(fail_on)
    with replace_folder(directory, RUN_FILES) as fresh:
        written = _run_files(run, fresh, gating, charts)
    return [directory / p.relative_to(fresh) for p in written]


def _opening_runoff(run: Run) -> dict[str, Any]:
    """A run from a snapshot: the run-off of the points it opened with (finance.xlsx)."""
    r = run.results
    if not r.total("opening").any():
        return {}
    rows = runoff_by_month(r["runoff"], run.scenario.start_date, -1)
    return {"liability run-off": (RUNOFF_HEAD, runoff_table(rows, "run"))}


def _run_files(
    run: Run, directory: Path, gating: frozenset[VerdictKind], drawn: bool
) -> list[Path]:
    written: list[Path] = []
    summary = directory / "summary.json"
    write_text(summary, json_text(run_summary(run, gating)))
    written.append(summary)
    written.append(write_csv(directory / "daily.csv", DAILY_COLUMNS, daily_rows(run)))
    written += write_finance(run, directory, _opening_runoff(run))
    s = run.scenario
    reserve = s.design.calibration.reserve_share
    charts = all_charts(run.metrics, s.currency, reserve) if drawn else {}
    written += write_charts(charts, directory)
    report = directory / "report.html"
    write_text(report, render(run, charts, gating))
    written.append(report)
    return written
