"""A comparison's files: compare.json, compare.csv, overlaid charts and report.html."""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from econsim.atomic import write_text
from econsim.explore.compare import Comparison
from econsim.report.charts import write_charts
from econsim.report.csvfile import write_csv
from econsim.report.explore_charts import compare_charts
from econsim.report.html import STYLE, figures_html, table

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _fmt(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "–"
    return (
        f"{value:.1%}"
        if unit == "share"
        else f"{value:,.4g}"
        if unit == "index"
        else (f"{value:,.0f}")
    )


def figure_rows(c: Comparison) -> list[list[str]]:
    """Per figure: each design's mean ± sd, then each difference with its 95% interval."""
    base = c.labels[0]
    out = []
    for row in c.table():
        unit = row["unit"]
        cells = [escape(row["figure"])]
        for label in c.labels:
            cells.append(f"{_fmt(row[f'{label} mean'], unit)} <small>± "
                         f"{_fmt(row[f'{label} sd'], unit)}</small>")  # fmt: skip
        for label in c.labels[1:]:
            d, lo, hi = (row[f"{label} − {base}{s}"] for s in ("", " 95% low", " 95% high"))
            sure = math.isfinite(lo) and (lo > 0 or hi < 0)
            text = f"{_fmt(d, unit)} <small>[{_fmt(lo, unit)}, {_fmt(hi, unit)}]</small>"
            cells.append(f"<b>{text}</b>" if sure else text)
        out.append(cells)
    return out


def verdict_rows(c: Comparison) -> list[list[str]]:
    names = [v.name for v in c.runs[0].metrics.verdicts]
    rows = []
    for i, name in enumerate(names):
        cells = [escape(name)]
        for r in c.runs:
            v = r.metrics.verdicts[i]
            css = "pass" if v.passed else "fail"
            cells.append(f"<span class='{css}'>{v.mark}</span> {v.value:.1%}")
        rows.append(cells)
    return rows


def render_comparison(c: Comparison, charts: dict[str, Axes]) -> str:
    """The comparison report as one HTML string."""
    base = c.labels[0]
    heads = ["figure", *c.labels, *(f"{lab} − {base} [95%]" for lab in c.labels[1:])]
    figures = figures_html(charts)
    first = c.runs[0].results
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(" vs ".join(c.labels))} — econsim comparison</title><style>{STYLE}</style></head>
<body>
<h1>{escape(" vs ".join(c.labels))}</h1>
<p class="sub">{first.replications} replication(s) per design on the same seeds (seed
{first.seed}); values are mean ± sd over replications; differences are paired by
replication with a 95% interval, in bold where the interval excludes zero.</p>
<h2>Verdicts</h2>
{table(["verdict", *c.labels], verdict_rows(c))}
<h2>Key figures</h2>
{table(heads, figure_rows(c))}
<h2>Charts</h2>
{figures}
<p class="sub">Made by econsim. Definitions: docs/metrics.md; comparisons: docs/exploring.md.</p>
</body></html>
"""


def _finite(x: Any) -> Any:
    """JSON has no NaN: undefined numbers (e.g. an interval from one replication) are null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return x


def write_comparison(c: Comparison, folder: Path) -> list[Path]:
    """Every output of a comparison into ``folder``; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    summary = folder / "compare.json"
    text = json.dumps(_finite(c.summary()), indent=2, ensure_ascii=False, allow_nan=False)
    write_text(summary, text + "\n")
    rows = c.table()
    table_path = write_csv(folder / "compare.csv", list(rows[0]), [list(r.values()) for r in rows])
    written += [summary, table_path]
    charts = compare_charts(c)
    written += write_charts(charts, folder)
    report = folder / "report.html"
    write_text(report, render_comparison(c, charts))
    written.append(report)
    return written
