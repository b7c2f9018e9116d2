"""The files of ``econsim monitor``: the actual books as a run's files, the band and the
forecast as tables, charts and one report.html."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from econsim.atomic import replace_folder, write_text
from econsim.engine.runoff import RUNOFF
from econsim.history.snapshot_file import write_snapshot
from econsim.metrics import DEFAULT_FAIL_ON, VerdictKind
from econsim.metrics.runoff import RUNOFF_HEAD, runoff_table
from econsim.monitor.forecast import FORECAST
from econsim.monitor.monitor import Monitoring
from econsim.monitor.overdrafts import Rejected
from econsim.monitor.periods import PERIOD_COLUMNS
from econsim.report.charts import write_charts
from econsim.report.csvfile import write_csv
from econsim.report.exports import DAILY_COLUMNS, daily_rows, json_text
from econsim.report.html import (
    NOT_DRAWN,
    STYLE,
    figures_html,
    finance_html,
    growth_html,
    key_figure_rows,
    peaks_html,
    sources_html,
    status_badge,
    verdict_rows,
)
from econsim.report.html_table import table
from econsim.report.monitor_charts import monitoring_charts
from econsim.report.wording import gate_note
from econsim.report.workbook import write_finance

#: What a monitoring writes into its folder (replaced by the next one; the rest is kept).
MONITOR_FILES = ("summary.json", "daily.csv", "periods.csv", "band.csv", "forecast.csv",
                 "state.parquet", "report.html", "charts", "finance", "finance.xlsx")  # fmt: skip


def write_monitoring(
    m: Monitoring,
    folder: Path,
    fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON,
    charts: bool = True,
) -> list[Path]:
    """summary.json, daily.csv and the finance books of the actual programme, band.csv,
    forecast.csv, state.parquet (the members as the books leave them: docs/state.md),
    charts/ (none with ``charts=False``: a cron job's gate) and report.html, swapped in as
    one folder."""
    gating = frozenset(fail_on)
    with replace_folder(folder, MONITOR_FILES) as fresh:
        written = [fresh / "summary.json"]
        write_text(written[0], json_text(m.summary(gating)))
        written.append(write_csv(fresh / "daily.csv", DAILY_COLUMNS, daily_rows(m.actual)))
        written += write_finance(m.actual, fresh, runoff_tables(m))
        periods = m.periods()
        written.append(write_csv(fresh / "periods.csv", list(PERIOD_COLUMNS),
                                 [list(r.values()) for r in periods]))  # fmt: skip
        band = m.band.rows()
        written.append(
            write_csv(fresh / "band.csv", list(band[0]), [list(r.values()) for r in band])
        )
        if m.forecast is not None:
            written.append(_forecast_csv(m, fresh))
        written.append(fresh / "state.parquet")  # the members as the books leave them
        write_snapshot(written[-1], m.state)
        drawn = monitoring_charts(m) if charts else {}
        written += write_charts(drawn, fresh)
        written.append(fresh / "report.html")
        write_text(written[-1], render_monitoring(m, figures_html(drawn) or NOT_DRAWN, gating))
    return [folder / p.relative_to(fresh) for p in written]


def _forecast_csv(m: Monitoring, folder: Path) -> Path:
    f = m.forecast
    assert f is not None
    rows: list[list[Any]] = []
    for path in f.paths:
        for name in FORECAST:
            low, mid, high = path.figures[name]
            rows += [[path.label, name, (f.start + _days(d)).isoformat(), low[d], mid[d], high[d]]
                     for d in range(f.days)]  # fmt: skip
    return write_csv(folder / "forecast.csv", ["path", "figure", "date", "p5", "p50", "p95"], rows)


def _days(n: int) -> Any:
    import datetime as dt

    return dt.timedelta(days=n)


def _figure(value: float, unit: str) -> str:
    if value != value:  # NaN: not defined yet
        return "—"
    return f"{value:.1%}" if unit == "share" else f"{value:,.0f}"


def _period_cells(row: dict[str, Any]) -> list[str]:
    return [
        f"{row['period']}<br><span class='sub nowrap'>{row['start']}</span>", escape(row["tier"]),
        f"{row['issued']:,}", f"{row['consumed']:,}", f"{row['expired']:,}",
        f"{row['outstanding']:,}", _figure(row["consumption_rate"], "share"),
        _figure(row["consumer_share"], "share"), f"{row['holders']:,}", f"{row['redeemers']:,}",
    ]  # fmt: skip


PERIOD_HEADS = ["period (from)", "tier", "issued", "consumed", "expired", "outstanding",
                "consumption rate", "consumer share", "holders", "redeemers"]  # fmt: skip


def _rate(m: Monitoring) -> str:
    b = m.band
    if not b.can_alarm:
        return (f"With {b.replications} replications no alarm can hold a {b.false_alarm * 100:g}% "
                "false-alarm rate: the band is shown, not judged.")  # fmt: skip
    return (f"An unchanged programme raises it with chance at most {b.rate:.1%} (asked: "
            f"{b.false_alarm:.1%}).")  # fmt: skip


def band_heads(as_of: object) -> list[str]:
    return ["figure", f"actual {as_of}", "plan 5–95%", "alarm level (half-widths)", "band"]


def band_rows(m: Monitoring) -> list[list[str]]:
    rows = []
    for w in m.band.watches:
        left = (
            "inside"
            if w.left_date is None
            else f"<span class='fail'>left {w.direction} on {w.left_date}</span> (shown by "
            f"{w.known_date(m.band.persist)})"
        )
        rows.append([
            escape(w.name), _figure(float(w.actual[-1]), w.unit),
            f"{_figure(float(w.low[-1]), w.unit)} – {_figure(float(w.high[-1]), w.unit)}",
            f"{w.alarm_level:.1f}" if np.isfinite(w.alarm_level) else "none possible", left,
        ])  # fmt: skip
    return rows


def runoff_tables(m: Monitoring) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """finance.xlsx's "liability run-off": the points held on the as-of day, redeemed and
    expired month by month after it and still outstanding (5%, 50%, 95%; each path)."""
    if m.forecast is None:
        return {}
    rows = [row for p in m.forecast.paths for row in runoff_table(m.forecast.runoff(p), p.label)]
    return {"liability run-off": (RUNOFF_HEAD, rows)}


def runoff_html(m: Monitoring) -> str:
    """The run-off of the as-of day's points, median and 5–95% by month, each path."""
    f = m.forecast
    if f is None:
        return ""
    heads = ["month"] + [
        f"{p.label}: {what}" for p in f.paths for what in ("redeemed", "expired", "left")
    ]
    months = [f.runoff(p) for p in f.paths]
    rows = []
    for k, first in enumerate(months[0]):
        cells = [first["month"]]
        for path in months:
            for name in RUNOFF:
                q = path[k][name]
                cells.append(f"{q['p50']:,.0f} <small>({q['p5']:,.0f} – {q['p95']:,.0f})</small>")
        rows.append(cells)
    return (
        f"<h2>Liability run-off: the {m.state.outstanding:,} points held on {m.as_of}</h2>"
        "<p>Spending takes the oldest points first, so these go before any point earned "
        "after the as-of date: each month, how many of them are redeemed and expire, and "
        "how many are still outstanding at its end (median, 5–95% over the replications; "
        'finance.xlsx, sheet "liability run-off").</p>' + table(heads, rows)
    )


def forecast_rows(m: Monitoring) -> list[list[str]]:
    f = m.forecast
    assert f is not None
    from econsim.monitor.watch import WATCHED

    rows = []
    for name in FORECAST:
        unit = WATCHED[name][0]
        cells = [escape(name), _figure(float(m.band.watches[_index(m, name)].actual[-1]), unit)]
        for p in f.paths:
            low, mid, high = p.at(name, f.days - 1)
            cells.append(f"{_figure(mid, unit)} ({_figure(low, unit)} – {_figure(high, unit)})")
        rows.append(cells)
    return rows


def _index(m: Monitoring, name: str) -> int:
    return [w.name for w in m.band.watches].index(name)


def _rejected(r: Rejected) -> str:
    more = ", …" if r.count > len(r.lines) else ""
    return f"{r.count:,} {r.reason} (lines {', '.join(map(str, r.lines))}{more})"


def render_monitoring(m: Monitoring, charts: str, gating: frozenset[VerdictKind]) -> str:
    """report.html: the account of the log, the verdicts on the actual books, the band, the
    plan-vs-actual issuance, the forecast and the finance books."""
    run, log, s = m.actual, m.log, m.scenario
    rejected = "; ".join(_rejected(r) for r in log.rejected)
    notes = [*log.cautions, *log.computed, *m.cautions]
    cautions = "".join(f"<li>{escape(c)}</li>" for c in notes)
    issuance = [
        [c.tier, c.behaviour, f"{c.predicted:,.1f}", f"{c.actual:,.1f}", f"{c.deviation:+.1%}"]
        for c in run.metrics.health.issuance
    ]
    plan = next((v for v in run.metrics.verdicts if v.kind == "plan"), None)
    forecast = ""
    if m.forecast is not None:
        heads = ["figure", f"actual {m.as_of}"] + [
            f"{p.label} at {m.forecast.end} (5–95%)" for p in m.forecast.paths
        ]
        what_if = [", ".join(p.overrides) for p in m.forecast.paths if p.overrides]
        forecast = (
            f"<h2>Forecast: {m.forecast.periods} period(s) ahead</h2><p>The programme going on "
            f"from its books of {m.as_of} — {m.state.members:,} members holding "
            f"{m.state.outstanding:,} points in their expiry lots, in their tiers "
            f"(state.parquet) — to {m.forecast.end}, its members behaving as the population "
            f"fitted to the log says, with the point values in force"
            f"{' and under the what-if ' + escape('; '.join(what_if)) if what_if else ''}.</p>"
            f"{table(heads, forecast_rows(m))}"
            + "".join(f"<p class='sub'>{escape(c)}</p>" for c in m.forecast.cautions)
            + runoff_html(m)
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(s.name)} — monitoring as of {m.as_of}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(s.name)} {status_badge(m.status(gating))}</h1>
<p class="sub">The live programme as of {m.as_of}, from {escape(log.source)}.</p>
<p>{log.rows_read:,} rows read: {log.rows_used:,} used, {log.after_as_of:,} after the as-of date
(not judged){", " + escape(rejected) if rejected else ", none rejected"}.</p>
{"<h3>Cautions</h3><ul>" + cautions + "</ul>" if cautions else ""}
<h2>Verdicts on the actual books</h2>
<p>{escape(gate_note(gating))}.</p>
{table(["verdict", "class", "value", "threshold", "advice"], verdict_rows(run, gating))}
<h2>The books by period</h2>
<p>Points issued, consumed and expired in each budget period; outstanding points, consumer
share and holders at its end; members who redeemed in it (periods.csv).</p>
{table(PERIOD_HEADS, [_period_cells(r) for r in m.periods()])}
<h2>Inside the plan's band?</h2>
<p>The design simulated over the same days ({m.band.replications} replications); the charts
show its median and 5–95% band. The alarm is one test of every figure over the whole review:
a figure raises it when it stays out of its band, {m.band.persist} days running, further than
the plan's own runs do (measured in the band's half-widths, the "alarm level" below). {_rate(m)}
The date is the first of those days; the log shows it by the last.</p>
{table(band_heads(m.as_of), band_rows(m))}
{charts}
<h2>Issuance: plan vs actual (points per member per period)</h2>
{"<p>" + escape(plan.advice) + "</p>" if plan is not None else ""}
{table(["tier", "behaviour", "plan", "actual", "deviation"], issuance)}
{forecast}
<h2>Key figures</h2>
{table(["figure", "value"], key_figure_rows(run))}
{growth_html(run.metrics)}
{sources_html(run, {})}
{peaks_html(run)}
{finance_html(run)}
<p class="sub">Made by econsim monitor. Definitions: docs/monitoring.md, docs/metrics.md.</p>
</body></html>
"""
