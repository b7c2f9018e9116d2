"""A sweep's charts and its self-contained report.html, written after the sweep into its
folder (the index and point files are streamed there by the sweep itself, explore/store)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from econsim.atomic import write_text
from econsim.explore.sweep import Sweep
from econsim.metrics import DEFAULT_FAIL_ON, VerdictKind
from econsim.report.charts import write_charts
from econsim.report.explore_charts import sweep_charts
from econsim.report.html import STYLE, figures_html
from econsim.report.html_table import table
from econsim.report.wording import classes, short_path

if TYPE_CHECKING:
    from matplotlib.axes import Axes

NONE_GOOD = "<p>No point passes every gating verdict.</p>"
#: The classes a sweep can gate on: its index records, per point, whether the health and
#: budget verdicts together pass ("healthy") and whether the budget one does.
SWEEP_CLASSES: frozenset[VerdictKind] = frozenset({"health", "budget"})
SHOWN = ("consumption_rate", "consumer_share", "budget_used", "cost", "liability")


def sweep_fail_on_error(fail_on: Iterable[VerdictKind]) -> str | None:
    """Why a sweep cannot gate on ``fail_on``, or None when it can."""
    gating = frozenset(fail_on)
    if gating <= SWEEP_CLASSES and "budget" in gating:
        return None
    return (
        f"a sweep gates on health,budget or on budget alone, not on {classes(gating)}: "
        "its index records per point whether health and budget pass together and whether "
        "the budget verdict passes; run a point with `econsim run --fail-on` for the others"
    )


def passing(row: dict[str, Any], fail_on: Iterable[VerdictKind]) -> bool:
    """Whether a sweep point passes every gating verdict (see :func:`sweep_fail_on_error`)."""
    if "health" in frozenset(fail_on):
        return bool(row["healthy"])  # health and budget verdicts both pass
    return bool(row["within_budget"])


def _cell(row: dict[str, Any], figure: str) -> str:
    mean, lo, hi = (row[f"{figure}_{s}"] for s in ("mean", "p5", "p95"))
    if figure == "cost" or figure == "liability":
        return f"{mean:,.0f} <small>[{lo:,.0f}–{hi:,.0f}]</small>"
    return f"{mean:.1%} <small>[{lo:.1%}–{hi:.1%}]</small>"


def _mark(ok: bool) -> str:
    return "<span class='pass'>✓</span>" if ok else "<span class='fail'>✗</span>"


def point_rows(
    s: Sweep, rows: list[dict[str, Any]], fail_on: frozenset[VerdictKind]
) -> list[list[str]]:
    return [
        [
            str(row["point"]),
            *(escape(str(row[p])) for p in s.paths),
            *(_cell(row, f) for f in SHOWN),
            _mark(passing(row, fail_on)),
            _mark(row["within_budget"]),
        ]
        for row in rows
    ]


def render_sweep(
    s: Sweep, charts: dict[str, Axes], fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON
) -> str:
    """The sweep report as one HTML string."""
    gating = frozenset(fail_on)
    # a parameter's column is headed by the last two parts of its path (the list above the
    # tables gives each in full): full paths made the table wider than the window
    headers = ["point", *(short_path(p) for p in s.paths), *SHOWN, "passes gates",
               "within budget"]  # fmt: skip
    good = [row for row in s.rows if passing(row, gating)]
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
<h2>Passing every gating verdict ({len(good)} of {len(s.rows)})</h2>
<p>Gating classes: {escape(classes(gating))}; "passes gates" is ✓ when no verdict of
these classes fails at the point (budget overrun always counts when budget gates).</p>
{table(headers, point_rows(s, good, gating)) if good else NONE_GOOD}
<h2>Charts</h2>
{figures or no_charts}
<h2>Every point</h2>
{table(headers, point_rows(s, list(s.rows), gating))}
<p class="sub">Made by econsim. Definitions: docs/metrics.md; sweeps: docs/exploring.md.</p>
</body></html>
"""


def write_sweep_report(
    s: Sweep, folder: Path, fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON
) -> list[Path]:
    """charts/*.png|svg and report.html into the sweep's folder."""
    written = []
    charts = sweep_charts(s)
    written += write_charts(charts, folder)
    report = folder / "report.html"
    write_text(report, render_sweep(s, charts, fail_on))
    written.append(report)
    return written
