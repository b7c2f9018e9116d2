"""A sweep's charts and its self-contained report.html, written after the sweep into its
folder (the index and point files are streamed there by the sweep itself, explore/store)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from econsim.atomic import write_text
from econsim.explore.sweep import Sweep
from econsim.report.charts import write_charts
from econsim.report.explore_charts import sweep_charts
from econsim.report.html import STYLE, figures_html, table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

NONE_GOOD = "<p>No point is both healthy and within budget.</p>"
SHOWN = ("consumption_rate", "consumer_share", "budget_used", "cost", "liability")


def _cell(row: dict[str, Any], figure: str) -> str:
    mean, lo, hi = (row[f"{figure}_{s}"] for s in ("mean", "p5", "p95"))
    if figure == "cost" or figure == "liability":
        return f"{mean:,.0f} <small>[{lo:,.0f}–{hi:,.0f}]</small>"
    return f"{mean:.1%} <small>[{lo:.1%}–{hi:.1%}]</small>"


def _mark(ok: bool) -> str:
    return "<span class='pass'>✓</span>" if ok else "<span class='fail'>✗</span>"


def point_rows(s: Sweep, rows: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            str(row["point"]),
            *(escape(str(row[p])) for p in s.paths),
            *(_cell(row, f) for f in SHOWN),
            _mark(row["healthy"]),
            _mark(row["within_budget"]),
        ]
        for row in rows
    ]


def render_sweep(s: Sweep, charts: dict[str, Axes]) -> str:
    """The sweep report as one HTML string."""
    headers = ["point", *s.paths, *SHOWN, "healthy", "within budget"]
    good = s.good()
    figures = figures_html(charts)
    reps = s.rows[0]["replications"] if s.rows else 0
    params = "".join(
        f"<li><code>{escape(p.path)}</code>: {escape(', '.join(map(str, p.values)))}</li>"
        for p in s.parameters
    )
    no_charts = "<p>Charts are drawn for one or two parameters; see the index.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(s.name)} — econsim sweep</title><style>{STYLE}</style></head>
<body>
<h1>Sweep of {escape(s.name)}</h1>
<p class="sub">{len(s.rows)} point(s) × {reps} replication(s), common random numbers;
figures are means with the 5–95% range of replications in brackets.</p>
<ul>{params}</ul>
<h2>Healthy and within budget ({len(good)} of {len(s.rows)})</h2>
{table(headers, point_rows(s, good)) if good else NONE_GOOD}
<h2>Charts</h2>
{figures or no_charts}
<h2>Every point</h2>
{table(headers, point_rows(s, list(s.rows)))}
<p class="sub">Made by econsim. Definitions: docs/metrics.md; sweeps: docs/exploring.md.</p>
</body></html>
"""


def write_sweep_report(s: Sweep, folder: Path) -> list[Path]:
    """charts/*.png|svg and report.html into the sweep's folder."""
    written = []
    charts = sweep_charts(s)
    written += write_charts(charts, folder)
    report = folder / "report.html"
    write_text(report, render_sweep(s, charts))
    written.append(report)
    return written
