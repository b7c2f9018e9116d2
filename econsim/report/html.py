"""One self-contained HTML report: verdicts, tables and charts, no network needed.

Charts are embedded as base64 PNG data URIs and the styles are inline, so the file can be
mailed and opened anywhere.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING, Any

from matplotlib.axes import Axes

from econsim.metrics import DEFAULT_FAIL_ON, Metrics, Status, VerdictKind
from econsim.metrics.series import finite_mean
from econsim.report.breakage_section import breakage_html
from econsim.report.campaigns import (
    COUPON_HEADERS,
    PACKAGED_HEADERS,
    coupon_rows,
    funnel_rows,
    packaged_rows,
)
from econsim.report.charts import figure_bytes
from econsim.report.html_table import table
from econsim.report.peak_table import HEADERS as PEAK_HEADERS
from econsim.report.peak_table import NOTE as PEAK_NOTE
from econsim.report.peak_table import cells, peak_rows
from econsim.report.point_values import headline, rows
from econsim.report.wording import (
    COLOURS,
    RATE_30D_NOTE,
    breakage_text,
    fmt_figure,
    gate_note,
    liability_text,
    role,
    verdict_value,
)

if TYPE_CHECKING:
    from econsim.pipeline import Run

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:.6rem 0 1.4rem} th,td{padding:.3rem .7rem;
border-bottom:1px solid #ddd;text-align:right} th:first-child,td:first-child{text-align:left}
.pass{color:#2ca02c;font-weight:bold} .fail{color:#d62728;font-weight:bold}
.advice{display:block;text-align:left;max-width:560px} figure{margin:1rem 0}
img{max-width:100%;height:auto} .wide{overflow-x:auto;max-width:100%}
code{overflow-wrap:anywhere} .nowrap{white-space:nowrap}
.badge{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;color:white}
"""


def png_data_uri(ax: Axes) -> str:
    """The figure of ``ax`` as a base64 PNG data URI."""
    return "data:image/png;base64," + base64.b64encode(figure_bytes(ax, "png")).decode("ascii")


def figures_html(charts: dict[str, Axes]) -> str:
    """Every chart as an embedded PNG ``<figure>``."""
    return "".join(
        f"<figure id='chart-{name}'><img alt='{escape(name)} chart' "
        f"src='{png_data_uri(ax)}'></figure>"
        for name, ax in charts.items()
    )


def point_values_html(values: dict[str, Any]) -> str:
    """An HTML section: which values were simulated, and the table beside the written ones."""
    heads = ["behaviour", "as written", "calibrated", "simulated"]
    body = [[escape(c) for c in row] for row in rows(values)]
    return f"<h2>Point values</h2><p>{escape(headline(values))}</p>{table(heads, body)}"


def verdict_rows(run: Run, fail_on: frozenset[VerdictKind] = DEFAULT_FAIL_ON) -> list[list[str]]:
    rows = []
    for v in run.metrics.verdicts:
        css = "pass" if v.passed else "fail"
        rows.append(
            [
                f"<span class='{css}'>{v.mark}</span> {escape(v.name)}",
                escape(role(v, fail_on)),
                verdict_value(v),
                f"{v.threshold:.0%}",
                f"<span class='advice'>{escape(v.advice)}</span>",
            ]
        )
    return rows


def key_figure_rows(run: Run) -> list[list[str]]:
    r, m = run.results.summary(), run.metrics
    f, b = m.finance, m.finance.breakage_estimate
    cur = run.scenario.currency
    return [
        ["points issued", f"{r['issued']:,.0f}"],
        ["points consumed", f"{r['redeemed']:,.0f}"],
        ["points expired", f"{r['expired']:,.0f}"],
        ["points outstanding at horizon", f"{r['outstanding']:,.0f}"],
        [f"cost realised ({cur})", f"{f.total_cost:,.0f}"],
        [f"budget over the horizon ({cur})", f"{f.total_budget:,.0f}"],
        [f"outstanding liability ({cur})", f"{f.liability.final():,.0f}"],
        ["liability at the estimated redemption share", escape(liability_text(b, cur))],
        ["breakage", escape(breakage_text(b).removeprefix("breakage "))],
        ["users at horizon", f"{r['users']:,.0f}"],
        ["redemptions denied by the budget cap", f"{m.denied:,.0f}"],
        ["redemptions out of stock", f"{m.stock_outs:,.0f}"],
    ]


def peaks_html(run: Run) -> str:
    """The peak-period section: the busiest periods against their own budgets."""
    rows = [cells(p, run.scenario.design.period_days) for p in peak_rows(run)]
    advice = escape(run.metrics.peaks.verdict.advice)
    return (
        f"<h2>Peak periods ({escape(run.scenario.currency)})</h2><p>{advice}.</p>"
        f"{table(PEAK_HEADERS, rows)}<p class='sub'>{escape(PEAK_NOTE)}</p>"
    )


#: The charts the source section shows (not the general charts section).
SOURCE_CHARTS = ("sources", "consumption")


def sources_html(run: Run, charts: dict[str, Axes]) -> str:
    """Where the points come from and go: stacked charts, then the tables by source and item."""
    src, cur = run.metrics.sources, escape(run.scenario.currency)
    issued = [
        [escape(s.name), f"{s.points:,.0f}", _share(s.share), f"{s.allocated_cost:,.0f}",
         f"{s.expected_cost:,.0f}"]
        for s in sorted(src.sources, key=lambda s: -s.points)
    ]  # fmt: skip
    consumed = [
        [escape(i.name), f"{i.points:,.0f}", _share(i.share), f"{i.redemptions:,.0f}",
         f"{i.cost:,.0f}"]
        for i in sorted(src.items, key=lambda i: -i.points)
    ]  # fmt: skip
    shown = {k: charts[k] for k in SOURCE_CHARTS if k in charts}
    heads = ["source", "points issued", "share", f"allocated cost ({cur})",
             f"expected cost ({cur})"]  # fmt: skip
    return (
        "<h2 id='sources'>Where the points come from and go</h2>"
        f"{figures_html(shown)}"
        + table(heads, issued)
        + "<p class='sub'>Allocated cost: the money points have bought so far, shared by each "
        "source's share of the points issued (it adds up to that money; coupons handed out or "
        "won and packaged campaigns' rewards are paid without points and show among the items "
        "with their cost). Expected cost: the "
        "source's points × the cost per point consumed so far × the share of points redeemed "
        "rather than expired — what they will cost once spent at the rate seen so far.</p>"
        + table(["item", "points consumed", "share", "redemptions", f"cost ({cur})"], consumed)
    )


def growth_html(m: Metrics) -> str:
    """The growth section: the AARRR funnel of new members, repurchase, new/old ratio."""
    g = m.growth
    by_tier = ", ".join(f"{escape(t)} {_share(v)}" for t, v in g.repurchase_by_tier.items())
    return (
        "<h2 id='growth'>Growth: new members, repurchase, the AARRR funnel</h2>"
        f"<p>Repurchase rate (members with two or more core purchases / with one or more): "
        f"{_share(g.repurchase_rate.final())} ({by_tier}). New/old member ratio over the "
        f"last 30 days: {fmt_figure(finite_mean(g.new_old_30d), 'index')} (new members per "
        "returning active member-day). The funnel counts the members who joined after day 0: "
        f"retention is a behaviour {g.retained_after} or more days after joining; conversion "
        "is the share of acquisition.</p>"
        + table(["stage", "new members", "conversion"], funnel_rows(m))
    )


def campaigns_html(m: Metrics, currency: str) -> str:
    """The section on packaged campaigns and coupons; empty when the design has neither."""
    cur = escape(currency)
    out = ""
    if m.packaging.campaigns:
        out += (
            f"<h2 id='packaged'>Packaged campaigns ({cur})</h2><p>Every packaging is sized to "
            "the same expected cost per participant (the budget per participant); they differ "
            "in how many members take part. The interval is Monte Carlo error over "
            "replications: a measured cost outside it would be a hard budget cap refusing "
            "rewards. Compare the four packagings with <code>econsim compare FILE "
            "--packagings CAMPAIGN</code>.</p>" + table(PACKAGED_HEADERS, packaged_rows(m))
        )
    if m.coupons.coupons:
        out += (
            f"<h2 id='coupons'>Coupons ({cur})</h2><p>A coupon costs its discount when used. "
            "Basket uplift: the extra amount of purchases that fell short of a threshold "
            "coupon's threshold and were topped up to it (random coupons have none); uplift "
            "points: what it earned at the behaviour's base rate.</p>"
            + table(COUPON_HEADERS, coupon_rows(m))
        )
    return out


def _share(x: float) -> str:
    return f"{x:.1%}" if x == x else "–"  # NaN: nothing moved


def finance_html(run: Run) -> str:
    """The finance section: the liability roll-forward (points, and the liability's money)
    and where the books are (finance.xlsx, finance/*.csv, with issuance by source)."""
    rf, cur = run.metrics.books.roll_forward, escape(run.scenario.currency)
    heads = ["period start", "opening", "issued", "redeemed", "expired", "closing",
             f"closing ({cur})", f"change of estimate ({cur})"]  # fmt: skip
    rows = [
        [
            str(r[0]),
            f"{r[1]:,.0f}",
            f"{sum(r[2:6]):,.0f}",
            *(f"{x:,.0f}" for x in r[6:9]),
            f"{r[14]:,.0f}",
            f"{r[13]:+,.0f}",
        ]
        for r in rf.rows()
    ]
    d = run.metrics.books.deferred
    return (
        "<h2>Finance: liability roll-forward (points)</h2><p>Each period: opening + issued "
        "− redeemed − expired = closing, and closing = the next opening; the money is the "
        f"liability at the estimate as of each close ({cur}). Revenue allocated to points "
        f"earned with purchases: {d.allocated.sum():,.0f} {cur}, of which "
        f"{d.recognised.sum():,.0f} recognised and {d.liability[-1]:,.0f} still a contract "
        "liability. Issuance by source, the aging, the deferred-revenue schedule and cost per "
        "member per tier and period are in <code>finance.xlsx</code> and "
        f"<code>finance/*.csv</code> (docs/guide-finance.md).</p>{table(heads, rows)}"
        + breakage_html(run)
    )


def status_badge(state: Status) -> str:
    """The status badge: green healthy, amber healthy with warnings, red unhealthy."""
    return (
        f'<span class="badge {state.value}" style="background:{COLOURS[state]}">'
        f"{state.label.upper()}</span>"
    )


#: The charts of a report written without them (``econsim run`` or ``monitor --no-charts``).
NOT_DRAWN = "<p class='sub'>Not drawn: written with <code>--no-charts</code>.</p>"


def render(
    run: Run, charts: dict[str, Axes], fail_on: Iterable[VerdictKind] = DEFAULT_FAIL_ON
) -> str:
    """The report as one HTML string; the badge is ``run.metrics.status(fail_on)``."""
    s, m, cal = run.scenario, run.metrics, run.calibration
    gating = frozenset(fail_on)
    values = run.summary().get("point_values")
    point_values = point_values_html(values) if isinstance(values, dict) else ""
    issuance = [
        [c.tier, c.behaviour, f"{c.predicted:,.1f}", f"{c.actual:,.1f}", f"{c.deviation:+.1%}"]
        for c in m.health.issuance
    ]
    costs = [[c.tier, f"{c.realised:,.2f}", f"{c.planned:,.2f}"] for c in m.finance.cost_per_user]
    calibration = [
        ["exchange ratio of the design (points per unit)", f"{cal.exchange_ratio_before:,.4g}"],
        ["target exchange ratio", f"{cal.target_exchange_ratio:,.4g}"],
        ["conversion coefficient", f"{cal.conversion_coefficient:,.4g}"],
        [f"usable budget per period ({s.currency})", f"{cal.usable_budget:,.0f}"],
    ]
    figures = figures_html({k: v for k, v in charts.items() if k not in SOURCE_CHARTS})
    warnings = "".join(f"<li>{escape(w)}</li>" for w in cal.warnings)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(s.name)} — econsim report</title><style>{STYLE}</style></head>
<body>
<h1>{escape(s.name)} {status_badge(m.status(gating))}</h1>
<p class="sub">{escape(s.description)}</p>
<p>{run.results.replications} replication(s) × {s.horizon_days} days from {s.start_date},
seed {run.results.seed}; {s.population.users:,} users at day 0; figures are means over
replications, charts show the median and the 5–95% band.</p>
<h2>Verdicts</h2>
<p>{escape(gate_note(gating))}.</p>
{table(["verdict", "class", "value", "threshold", "advice"], verdict_rows(run, gating))}
<h2>Key figures</h2>
{table(["figure", "value"], key_figure_rows(run))}
<h2>Charts</h2>
{figures or NOT_DRAWN}
<p class="sub">{escape(RATE_30D_NOTE)}</p>
{point_values}
<h2>Issuance: predicted vs actual (points per user per period)</h2>
{table(["tier", "behaviour", "predicted", "actual", "deviation"], issuance)}
{growth_html(m)}
{sources_html(run, charts)}
{campaigns_html(m, s.currency)}
{peaks_html(run)}
{finance_html(run)}
<h2>Cost per user per period ({escape(s.currency)})</h2>
{table(["tier", "realised", "planned"], costs)}
<h2>Calibration</h2>
{table(["figure", "value"], calibration)}
{"<h3>Calibration warnings</h3><ul>" + warnings + "</ul>" if warnings else ""}
<p class="sub">Made by econsim. Definitions: docs/metrics.md.</p>
</body></html>
"""
