"""A comparison's files: compare.json, compare.csv, overlaid charts and report.html."""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from econsim.atomic import replace_folder, write_text
from econsim.explore.compare import Comparison
from econsim.metrics import DEFAULT_FAIL_ON, VerdictKind
from econsim.metrics.figures import figure_label
from econsim.report.charts import write_charts
from econsim.report.csvfile import write_csv
from econsim.report.explore_charts import compare_charts
from econsim.report.exports import json_text
from econsim.report.html import STYLE, figures_html, status_badge
from econsim.report.html_table import table
from econsim.report.wording import (
    RATE_30D_NOTE,
    classes,
    fmt_figure,
    gate_note,
    role,
    verdict_value,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def figure_rows(c: Comparison) -> list[list[str]]:
    """Per figure: each design's mean ± sd, then each difference with its 95% interval."""
    base = c.labels[0]
    out = []
    for row in c.table():
        unit = row["unit"]
        name = figure_label(row["figure"], c.runs[0].scenario.currency)
        name += "¹" if row["figure"] == "consumption_rate_30d" else ""
        cells = [escape(name)]
        for label in c.labels:
            cells.append(f"{fmt_figure(row[f'{label} mean'], unit)} <small>± "
                         f"{fmt_figure(row[f'{label} sd'], unit)}</small>")  # fmt: skip
        for label in c.labels[1:]:
            d, lo, hi = (row[f"{label} − {base}{s}"] for s in ("", " 95% low", " 95% high"))
            sure = math.isfinite(lo) and (lo > 0 or hi < 0)
            text = (f"{fmt_figure(d, unit, True)} <small>[{fmt_figure(lo, unit, True)}, "
                    f"{fmt_figure(hi, unit, True)}]</small>")  # fmt: skip
            cells.append(f"<b>{text}</b>" if sure else text)
        out.append(cells)
    return out


def verdict_rows(c: Comparison, fail_on: frozenset[VerdictKind]) -> list[list[str]]:
    """One row per verdict, read by name (designs need not list verdicts in one order)."""
    first = c.runs[0].metrics.verdicts
    rows = []
    for name in [v.name for v in first]:
        kind = c.runs[0].metrics.verdict(name)
        cells = [escape(name), escape(role(kind, fail_on))]
        for r in c.runs:
            v = r.metrics.verdict(name)
            css = "pass" if v.passed else "fail"
            cells.append(f"<span class='{css}'>{v.mark}</span> {verdict_value(v)}")
        rows.append(cells)
    cells = ["overall", escape(classes(fail_on))]
    cells += [status_badge(r.metrics.status(fail_on)) for r in c.runs]
    rows.append(cells)
    return rows


def render_comparison(
    c: Comparison, charts: dict[str, Axes], fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON
) -> str:
    """The comparison report as one HTML string; each design's badge is its status."""
    gating = frozenset(fail_on)
    base = c.labels[0]
    heads = ["figure", *c.labels, *(f"{lab} − {base} [95%]" for lab in c.labels[1:])]
    figures = figures_html(charts)
    first = c.runs[0].results
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(c.heading)} — econsim comparison</title><style>{STYLE}</style></head>
<body>
<h1>{escape(c.heading)}</h1>
<p class="sub">{first.replications} replication(s) per design on the same seeds (seed
{first.seed}); values are mean ± sd over replications; differences are paired by
replication with a 95% interval, in bold where the interval excludes zero.</p>
<h2>Verdicts</h2>
<p>{escape(gate_note(gating))}.</p>
{table(["verdict", "class", *c.labels], verdict_rows(c, gating))}
<h2>Key figures</h2>
{table(heads, figure_rows(c))}
<p class="sub">Differences of shares are in percentage points (pp). ¹ {escape(RATE_30D_NOTE)}</p>
<h2>Charts</h2>
{figures}
<p class="sub">Made by econsim. Definitions: docs/metrics.md; comparisons: docs/exploring.md.</p>
</body></html>
"""


#: What a comparison writes into its folder (replaced by the next one).
COMPARE_FILES = ("compare.json", "compare.csv", "charts", "report.html")


def write_comparison(
    c: Comparison, folder: Path, fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON
) -> list[Path]:
    """Every output of a comparison into ``folder``; returns the paths written.

    The files are written into a fresh folder that then replaces ``folder`` whole, so a
    killed ``--force`` never leaves two comparisons mixed (atomic.replace_folder).
    """
    with replace_folder(folder, COMPARE_FILES) as fresh:
        written = _comparison_files(c, fresh, fail_on)
    return [folder / p.relative_to(fresh) for p in written]


def _comparison_files(c: Comparison, folder: Path, fail_on: Iterable[VerdictKind]) -> list[Path]:
    written = []
    summary = folder / "compare.json"
    data = c.summary()
    for label, r in zip(c.labels, c.runs, strict=True):  # the status each badge shows
        data["verdicts"][label]["status"] = r.metrics.status(fail_on).value
    write_text(summary, json_text(data))
    rows = c.table()
    table_path = write_csv(folder / "compare.csv", list(rows[0]), [list(r.values()) for r in rows])
    written += [summary, table_path]
    charts = compare_charts(c)
    written += write_charts(charts, folder)
    report = folder / "report.html"
    write_text(report, render_comparison(c, charts, fail_on))
    written.append(report)
    return written
